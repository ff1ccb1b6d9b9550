package main

import (
	"bytes"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
)

// A quote is a figure in prose that the tool fills in from a results file:
//
//	<!-- q <file> <name> <metric> [options] -->1.058<!-- /q -->
//
// file is relative to the Markdown file; name is the benchmark name without
// "Benchmark" and the -GOMAXPROCS suffix (Seed/n=100/strategy=fanout/conn=warm);
// metric is a unit as go test writes it (overhead-x, ns/op, req/s, p99-ns).
// The value is the median of the runs (bench/resultset's Summary). Options:
//
//	stat=min|max        the smallest or largest run instead of the median
//	across=min|max      name is a pattern (path.Match per /-element, and
//	                    {a,b} alternatives: c={?,??} is c < 100): the
//	                    smallest or largest value over every cell it matches
//	in=s|ms|us|ns|d     a time metric in seconds … or in units of the
//	                    file's delay d
//	in=pct              a ratio as percent above 1 (1.079 → 7.9)
//	in=KiB              a metric in bytes (…-B) in KiB
//
// The text between the markers is a number, and keeps the number of
// decimals and the thousands commas the author wrote it with.
const (
	quoteOpen  = "<!-- q "
	quoteClose = "<!-- /q -->"
)

// quoter fills quotes in, reading each results file once.
type quoter struct {
	dir   string
	files map[string]*bench
}

// syncQuotes returns md with the text of every quote regenerated. line
// gives the line in the original file of an offset in md.
func (q *quoter) syncQuotes(md string, line func(off int) int) (string, error) {
	var out strings.Builder
	off := 0
	for {
		i := strings.Index(md[off:], quoteOpen)
		if i < 0 {
			if j := strings.Index(md[off:], quoteClose); j >= 0 {
				return "", fmt.Errorf("line %d: %q without a quote before it", line(off+j), quoteClose)
			}
			out.WriteString(md[off:])
			return out.String(), nil
		}
		i += off
		if j := strings.Index(md[off:i], quoteClose); j >= 0 {
			return "", fmt.Errorf("line %d: %q without a quote before it", line(off+j), quoteClose)
		}
		if bol := strings.LastIndexByte(md[:i], '\n') + 1; bol > 0 && strings.TrimSpace(md[bol:i]) == "" {
			return "", fmt.Errorf("line %d: a quote opens its line, so Markdown would start an HTML block there: put a word before it", line(i))
		}
		h := strings.Index(md[i:], "-->")
		if h < 0 {
			return "", fmt.Errorf("line %d: unterminated quote: want %s<file> <name> <metric> [options] -->", line(i), quoteOpen)
		}
		header := md[i : i+h+len("-->")]
		textStart := i + len(header)
		end := strings.Index(md[textStart:], quoteClose)
		if end < 0 || strings.Contains(md[textStart:textStart+end], "<!--") {
			return "", fmt.Errorf("line %d: quote %q has no %s after its number", line(i), strings.TrimSpace(header), quoteClose)
		}
		old := md[textStart : textStart+end]
		text, err := q.value(strings.Fields(strings.TrimSuffix(strings.TrimPrefix(header, quoteOpen), "-->")), old)
		if err != nil {
			return "", fmt.Errorf("line %d: quote %q: %w", line(i), strings.TrimSpace(header), err)
		}
		out.WriteString(md[off:textStart])
		out.WriteString(text)
		out.WriteString(quoteClose)
		off = textStart + end + len(quoteClose)
	}
}

// value returns the figure a quote's fields name, formatted like old.
func (q *quoter) value(fields []string, old string) (string, error) {
	if len(fields) < 3 {
		return "", fmt.Errorf("want <file> <name> <metric> [in=UNIT] [stat=STAT]")
	}
	file, name, metric := fields[0], fields[1], fields[2]
	in, stat, across := "", "median", ""
	for _, o := range fields[3:] {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "in":
			in = v
		case "stat":
			stat = v
		case "across":
			across = v
		default:
			return "", fmt.Errorf("option %q: want in=s|ms|us|ns|d|pct|KiB, stat=median|min|max or across=min|max", o)
		}
	}
	if stat != "median" && stat != "min" && stat != "max" {
		return "", fmt.Errorf("stat=%s: want median, min or max", stat)
	}
	decimals, commas, err := precision(old)
	if err != nil {
		return "", err
	}
	b, err := q.bench(file)
	if err != nil {
		return "", err
	}
	names, err := b.match(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	if len(names) > 1 && across == "" {
		return "", fmt.Errorf("%s: %s matches %d results (%s, …): say across=min or across=max", file, name, len(names), names[0])
	}
	if across != "" && across != "min" && across != "max" {
		return "", fmt.Errorf("across=%s: want min or max", across)
	}
	var v float64
	for i, n := range names {
		s, ok := b.summary(n, metric)
		if !ok {
			return "", fmt.Errorf("%s: %s has no %s", file, n, metric)
		}
		x := s.Center
		switch stat {
		case "min":
			x = s.Min
		case "max":
			x = s.Max
		}
		if i == 0 || (across == "min" && x < v) || (across == "max" && x > v) {
			v = x
		}
	}
	if in == "KiB" {
		if !strings.HasSuffix(metric, "-B") {
			return "", fmt.Errorf("in=KiB: %s is not in bytes", metric)
		}
		v /= 1024
	} else if in == "pct" {
		if stored, _ := resultset.Unit(metric); stored != metric {
			return "", fmt.Errorf("in=pct: %s is not a ratio", metric)
		}
		v = (v - 1) * 100
	} else if in != "" {
		stored, back := resultset.Unit(metric)
		if !strings.HasSuffix(stored, "sec") && !strings.HasPrefix(stored, "sec/") {
			return "", fmt.Errorf("in=%s: %s is not a time", in, metric)
		}
		sec := v / back
		switch in {
		case "s":
			v = sec
		case "ms":
			v = sec * 1e3
		case "us":
			v = sec * 1e6
		case "ns":
			v = sec * 1e9
		case "d":
			d, err := time.ParseDuration(b.config(resultset.KeyDelay))
			if err != nil || d <= 0 {
				return "", fmt.Errorf("in=d: %s has no delay: line", file)
			}
			v = sec / d.Seconds()
		default:
			return "", fmt.Errorf("in=%s: want s, ms, us, ns, d, pct or KiB", in)
		}
	}
	return formatLike(v, decimals, commas), nil
}

// bench reads a quoted results file once.
func (q *quoter) bench(file string) (*bench, error) {
	if b := q.files[file]; b != nil {
		return b, nil
	}
	data, err := resultset.ReadFile(filepath.Join(q.dir, filepath.FromSlash(file)), 0)
	if err != nil {
		return nil, err
	}
	b, err := readBench(source{name: file, data: data}, "")
	if err != nil {
		return nil, err
	}
	if q.files == nil {
		q.files = map[string]*bench{}
	}
	q.files[file] = b
	return b, nil
}

// precision returns how many decimals a quoted number was written with and
// whether it groups thousands with commas ("1,231", "1.058").
func precision(text string) (decimals int, commas bool, err error) {
	plain := strings.ReplaceAll(text, ",", "")
	if _, err := strconv.ParseFloat(plain, 64); err != nil || strings.ContainsAny(plain, "eE+") || text == "" {
		return 0, false, fmt.Errorf("text %q is not a number: write the figure with the precision to keep (1.058, 1,231)", text)
	}
	if i := strings.IndexByte(plain, '.'); i >= 0 {
		decimals = len(plain) - i - 1
	}
	return decimals, strings.Contains(text, ","), nil
}

// formatLike formats v with decimals places, grouping thousands with commas
// when commas is set.
func formatLike(v float64, decimals int, commas bool) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if !commas || math.Abs(v) < 1000 {
		return s
	}
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b bytes.Buffer
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// match returns the names of b's results that pattern matches, in file
// order: the name itself, or every name matched by one of its {a,b}
// expansions under path.Match.
func (b *bench) match(pattern string) ([]string, error) {
	if b.cells[pattern] != nil {
		return []string{pattern}, nil
	}
	alts, err := expand(pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range b.order {
		for _, a := range alts {
			ok, err := path.Match(a, n)
			if err != nil {
				return nil, fmt.Errorf("pattern %s: %w", pattern, err)
			}
			if ok {
				out = append(out, n)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no result named or matching %s", pattern)
	}
	return out, nil
}

// expand returns the alternatives of a pattern's {a,b,…} groups (not
// nested): "c={1,2}/x" gives "c=1/x" and "c=2/x".
func expand(p string) ([]string, error) {
	i := strings.IndexByte(p, '{')
	if i < 0 {
		if strings.IndexByte(p, '}') >= 0 {
			return nil, fmt.Errorf("pattern %s: } without {", p)
		}
		return []string{p}, nil
	}
	j := strings.IndexByte(p[i:], '}')
	if j < 0 || strings.IndexByte(p[i+1:i+j], '{') >= 0 {
		return nil, fmt.Errorf("pattern %s: { without its }", p)
	}
	rest, err := expand(p[i+j+1:])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, alt := range strings.Split(p[i+1:i+j], ",") {
		for _, r := range rest {
			out = append(out, p[:i]+alt+r)
		}
	}
	return out, nil
}
