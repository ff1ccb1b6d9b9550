package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// ScaleTable renders the BenchmarkScale results of srcs (typically one
// file per scale level) as one table: per requests in flight, strategy and
// connection mode, the medians of overhead-x, p99, client memory per
// in-flight request, goroutines, open files and client CPU per 1k
// requests, and the failures summed over every run.
func ScaleTable(srcs []source) (string, error) {
	var b strings.Builder
	hasPy := false
	var rows []string
	for _, src := range srcs {
		r, err := readBench(src, "Scale/")
		if err != nil {
			return "", err
		}
		if err := r.need("ns/op", "overhead-x", "p99-ns", "rss-per-req-B", "errors"); err != nil {
			return "", err
		}
		runs := map[int]bool{}
		for _, name := range r.order {
			runs[r.runs(name)] = true
		}
		var counts []string
		for n := range runs {
			counts = append(counts, strconv.Itoa(n))
		}
		fmt.Fprintf(&b, "- `%s`: %s, d = %s, %s runs per row\n",
			src.name, r.describe(), scaleDelay(r), strings.Join(sortedStrings(counts), "–"))
		for _, name := range r.order {
			if d, _ := strategy.Lookup(key(name, "strategy")); d.IsPython() {
				hasPy = true
			}
		}
		for _, name := range r.order {
			cell := func(unit string, f func(float64) string) string {
				if v, ok := r.summary(name, unit); ok {
					return f(v.Center)
				}
				return "–"
			}
			withSpread := func(unit string, f func(float64) string) string {
				if v, ok := r.summary(name, unit); ok {
					return withSpread(f(v.Center), v)
				}
				return "–"
			}
			errs := r.sum(name, "errors")
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
				key(name, "inflight"), key(name, "strategy"), key(name, "conn"),
				withSpread("overhead-x", func(v float64) string { return fmt.Sprintf("%.3f", v) }),
				withSpread("p99-ns", func(v float64) string { return time.Duration(v).Round(time.Millisecond).String() }),
				cell("rss-per-req-B", kib), cell("heap-per-req-B", kib),
				cell("goroutines", whole), cell("fds", whole),
				cell("cpu-ms-per-1k", func(v float64) string { return fmt.Sprintf("%.1f", v) }),
				whole(errs)))
		}
	}
	b.WriteString("\nMedians over the runs; " + spreadNote + ".\n")
	if hasPy {
		b.WriteString("A Python row's (py-*) memory, open files and CPU are its worker processes', read from /proc (not this test binary's); it has no goroutines or Go heap (–).\n")
	}
	b.WriteString("\n| in flight | strategy | conn | overhead-x | p99 | RSS / request | heap / request | goroutines | open files | client CPU ms / 1k req | failed |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	return b.String(), nil
}

func kib(v float64) string   { return fmt.Sprintf("%.1f KiB", v/1024) }
func whole(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

func sortedStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// PyScaleTable renders BenchmarkScale files (one per scale level, or one
// with several) as overhead-x against requests in flight, one column per
// strategy, the Python ones (py-*) beside the Go ones; then, in the same
// layout, the client's CPU per 1k requests and its RSS per request. For a
// Python row these are its worker processes' (sampled from /proc); "–"
// is a metric the file does not hold. A failed request anywhere refuses
// the file.
func PyScaleTable(srcs []source) (string, error) {
	type level struct {
		inflight int
		conn     string
	}
	var strategies []string
	var levels []level
	type at struct {
		level
		strategy string
	}
	cells := map[at]struct {
		r    *bench
		name string
	}{}
	var b strings.Builder
	for _, src := range srcs {
		r, err := readBench(src, "Scale/")
		if err != nil {
			return "", err
		}
		if err := r.need("overhead-x", "errors"); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "- `%s`: %s, d = %s\n", src.name, r.describe(), scaleDelay(r))
		for _, name := range r.order {
			n, err := strconv.Atoi(key(name, "inflight"))
			if err != nil {
				return "", fmt.Errorf("%s: %s has no inflight=N", src.name, name)
			}
			l := level{n, key(name, "conn")}
			if !slices.Contains(levels, l) {
				levels = append(levels, l)
			}
			if s := key(name, "strategy"); !slices.Contains(strategies, s) {
				strategies = append(strategies, s)
			}
			cells[at{l, key(name, "strategy")}] = struct {
				r    *bench
				name string
			}{r, name}
		}
	}
	slices.SortStableFunc(levels, func(a, b level) int {
		if a.inflight != b.inflight {
			return a.inflight - b.inflight
		}
		return strings.Compare(b.conn, a.conn) // warm before cold
	})
	slices.SortStableFunc(strategies, func(a, b string) int { return rank(a) - rank(b) })
	table := func(title string, f func(r *bench, name string) string) {
		fmt.Fprintf(&b, "\n%s\n\n| in flight | conn | %s |\n|---|---|%s\n", title, strings.Join(strategies, " | "), strings.Repeat("---|", len(strategies)))
		for _, l := range levels {
			row := []string{strconv.Itoa(l.inflight), l.conn}
			for _, s := range strategies {
				c, ok := cells[at{l, s}]
				if !ok {
					row = append(row, "–")
					continue
				}
				row = append(row, f(c.r, c.name))
			}
			b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		}
	}
	opt := func(r *bench, name, unit string, f func(float64) string) string {
		if v, ok := r.median(name, unit); ok {
			return f(v)
		}
		return "–"
	}
	table("overhead-x (measured ÷ d; medians over the runs; "+spreadNote+"):", func(r *bench, name string) string {
		s, _ := r.summary(name, "overhead-x")
		return spread("%.3f", s)
	})
	table("Client CPU ms per 1k requests, and client RSS per request (a Python row: its worker processes, read from /proc; CPU at 10 ms resolution per process):", func(r *bench, name string) string {
		return opt(r, name, "cpu-ms-per-1k", func(v float64) string { return fmt.Sprintf("%.1f", v) }) + " ms · " + opt(r, name, "rss-per-req-B", kib)
	})
	return b.String(), nil
}

// rank is a strategy's display order (the registry's), unknown names last.
func rank(name string) int {
	if d, ok := strategy.Lookup(name); ok {
		return d.Rank
	}
	return len(strategy.All())
}

// scaleDelay is a scale file's d: its delay: line, else the model's ideal
// of a batch of n = c requests, which is d.
func scaleDelay(r *bench) string {
	d := r.config(resultset.KeyDelay)
	if d == "" {
		if v, ok := r.median(r.order[0], "ideal-ns"); ok {
			d = time.Duration(v).String()
		}
	}
	return d
}
