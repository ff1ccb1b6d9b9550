package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// bench is one results file read for a table: every result grouped by
// its name (without the -GOMAXPROCS suffix), and the file's configuration.
type bench struct {
	name   string
	config map[string]string
	order  []string                        // result names in first-seen order
	vals   map[string]map[string][]float64 // name → original unit → one value per run
}

// readBench reads the benchmark results of src whose name starts with
// prefix (e.g. "Scale/": benchfmt drops the "Benchmark"). Lines that are not benchmark results or
// configuration (a Markdown table after them) are skipped; a result line
// benchfmt cannot parse is an error.
func readBench(src source, prefix string) (*bench, error) {
	b := &bench{name: src.name, config: map[string]string{}, vals: map[string]map[string][]float64{}}
	r := benchfmt.NewReader(bytes.NewReader(src.data), src.name)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			if strings.HasPrefix(strings.TrimSpace(lineAt(src.data, rec)), "Benchmark") {
				return nil, rec
			}
		case *benchfmt.Result:
			for _, c := range rec.Config {
				if c.File {
					b.config[c.Key] = string(c.Value)
				}
			}
			name := string(rec.Name.Full())
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			if i := strings.LastIndexByte(name, '-'); i > 0 && isDigits(name[i+1:]) {
				name = name[:i]
			}
			m := b.vals[name]
			if m == nil {
				m = map[string][]float64{}
				b.vals[name] = m
				b.order = append(b.order, name)
			}
			for _, v := range rec.Values {
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, val = v.OrigUnit, v.OrigValue
				}
				m[unit] = append(m[unit], val)
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(b.order) == 0 {
		return nil, fmt.Errorf("%s: no %s results", src.name, strings.TrimSuffix(prefix, "/"))
	}
	return b, nil
}

// lineAt returns the input line a syntax error points at.
func lineAt(data []byte, e *benchfmt.SyntaxError) string {
	lines := bytes.Split(data, []byte("\n"))
	if e.Line < 1 || e.Line > len(lines) {
		return ""
	}
	return string(lines[e.Line-1])
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// key returns the value of /key= in a sub-benchmark name.
func key(name, k string) string {
	for _, part := range strings.Split(name, "/")[1:] {
		if v, ok := strings.CutPrefix(part, k+"="); ok {
			return v
		}
	}
	return ""
}

// median of the runs of unit in name, and whether there were any.
func (b *bench) median(name, unit string) (float64, bool) {
	xs := slices.Clone(b.vals[name][unit])
	if len(xs) == 0 {
		return 0, false
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2], true
	}
	return (xs[n/2-1] + xs[n/2]) / 2, true
}

// sum of the runs of unit in name.
func (b *bench) sum(name, unit string) float64 {
	var s float64
	for _, x := range b.vals[name][unit] {
		s += x
	}
	return s
}

// runs is how many results name has.
func (b *bench) runs(name string) int { return len(b.vals[name]["ns/op"]) }

// need returns an error naming the first unit some result lacks.
func (b *bench) need(units ...string) error {
	var errs []error
	for _, name := range b.order {
		for _, u := range units {
			if len(b.vals[name][u]) == 0 {
				errs = append(errs, fmt.Errorf("%s: %s has no %s", b.name, name, u))
			}
		}
	}
	return errors.Join(errs...)
}

// describe says where the results come from: commit, machine, Go.
func (b *bench) describe() string {
	commit := b.config["crawlbench-commit"]
	if commit == "" {
		commit = b.config["crawlbench-commit-at-start"]
	}
	parts := []string{"commit " + short(commit)}
	if b.config["crawlbench-dirty-at-start"] == "true" {
		parts[0] += " (dirty)"
	}
	for _, k := range []string{"crawlbench-host", "cpu", "crawlbench-go"} {
		if v := b.config[k]; v != "" {
			parts = append(parts, v)
		}
	}
	if v := b.config["gomaxprocs"]; v != "" {
		parts = append(parts, "GOMAXPROCS "+v)
	}
	return strings.Join(parts, ", ")
}

// short returns a commit's first 7 characters.
func short(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	if commit == "" {
		return "unknown"
	}
	return commit
}
