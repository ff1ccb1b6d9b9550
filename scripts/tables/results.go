package main

import (
	"fmt"
	"strings"

	"github.com/crawlbench/crawlbench/bench/resultset"
)

// bench is one results file read for a table through bench/resultset:
// its results whose name starts with a prefix, grouped by name (without
// the -GOMAXPROCS suffix), and the file's provenance.
type bench struct {
	name  string
	set   *resultset.Set
	order []string                   // result names in first-seen order
	cells map[string]*resultset.Cell // name → its runs
}

// readBench reads the benchmark results of src whose name starts with
// prefix (e.g. "Scale/": benchfmt drops the "Benchmark"). A table refuses
// every problem bench/resultset finds: a failed request in any run, an
// incomplete run, NaN, a line benchfmt cannot parse, an overhead-x that
// disagrees with its times, several GOMAXPROCS (a table shows one), a
// second pkg: line.
func readBench(src source, prefix string) (*bench, error) {
	s, err := checked(src)
	if err != nil {
		return nil, err
	}
	cells, err := s.Group(".fullname", "")
	if err != nil {
		return nil, err
	}
	b := &bench{name: src.name, set: s, cells: map[string]*resultset.Cell{}}
	for _, c := range cells {
		name := stripProcs(c.Name)
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		b.cells[name] = c
		b.order = append(b.order, name)
	}
	if len(b.order) == 0 {
		return nil, fmt.Errorf("%s: no %s results", src.name, strings.TrimSuffix(prefix, "/"))
	}
	return b, nil
}

// checked parses src and returns an error for anything bench/resultset
// finds wrong with it.
func checked(src source) (*resultset.Set, error) {
	s := resultset.Parse(src.name, src.data)
	if err := s.ErrLine(); err != nil {
		return nil, fmt.Errorf("refusing %s: %w", src.name, err)
	}
	return s, nil
}

// stripProcs removes a -GOMAXPROCS suffix from a benchmark name.
func stripProcs(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 && isDigits(name[i+1:]) {
		return name[:i]
	}
	return name
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

// summary returns the Summary of the runs of unit (as go test writes it:
// "ns/op", "p99-ns", "overhead-x") in name, in that unit, and whether
// there were any.
func (b *bench) summary(name, unit string) (resultset.Summary, bool) {
	c := b.cells[name]
	if c == nil {
		return resultset.Summary{}, false
	}
	stored, back := resultset.Unit(unit)
	s, ok := c.Summary(stored)
	if !ok {
		return s, false
	}
	s.Center, s.Lo, s.Hi, s.Min, s.Max = s.Center*back, s.Lo*back, s.Hi*back, s.Min*back, s.Max*back
	return s, true
}

// median of the runs of unit in name, and whether there were any.
func (b *bench) median(name, unit string) (float64, bool) {
	s, ok := b.summary(name, unit)
	return s.Center, ok
}

// sum of the runs of unit in name.
func (b *bench) sum(name, unit string) float64 {
	c := b.cells[name]
	if c == nil {
		return 0
	}
	stored, back := resultset.Unit(unit)
	return c.Sum(stored) * back
}

// runs is how many results name has.
func (b *bench) runs(name string) int {
	if c := b.cells[name]; c != nil {
		return c.Runs()
	}
	return 0
}

// need returns an error naming the first unit some result lacks.
func (b *bench) need(units ...string) error {
	for _, name := range b.order {
		for _, u := range units {
			if _, ok := b.summary(name, u); !ok {
				return fmt.Errorf("%s: %s has no %s", b.name, name, u)
			}
		}
	}
	return nil
}

// config returns a file configuration value every result shares.
func (b *bench) config(k string) string { return b.set.Config(k) }

// describe says where the results come from: commit, machine, Go.
func (b *bench) describe() string {
	p := b.set.Provenance()
	parts := []string{"commit " + short(p.Commit)}
	if p.Dirty {
		parts[0] += " (dirty)"
	}
	for _, v := range []string{p.Host, p.CPU, b.config(resultset.KeyRunnerGo)} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if p.GOMAXPROCS != "" {
		parts = append(parts, "GOMAXPROCS "+p.GOMAXPROCS)
	}
	return strings.Join(parts, ", ")
}

// short returns a commit's first 7 characters.
func short(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	if commit == "" || commit == "unknown" {
		return "unknown"
	}
	return commit
}

// spread formats a median with format and its confidence interval, as
// benchstat prints it: "1.058 ±1%"; a single run has no spread to show.
func spread(format string, s resultset.Summary) string {
	return withSpread(fmt.Sprintf(format, s.Center), s)
}

// withSpread appends s's confidence interval to text, a formatted median.
func withSpread(text string, s resultset.Summary) string {
	if s.N < 2 {
		return text
	}
	return text + " " + s.Spread()
}

// spreadNote says what ± means, for a table's heading line.
const spreadNote = "± is the 95 % confidence interval of the median (benchmath, as benchstat; ±∞ below 6 runs)"
