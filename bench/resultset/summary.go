package resultset

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
)

// Confidence is the level of every confidence interval, benchstat's.
const Confidence = 0.95

// Summary is one metric of one cell over its runs: the median and its
// confidence interval (benchmath.AssumeNothing at Confidence, as
// benchstat), the smallest and largest run, and the run count.
type Summary struct {
	Center, Lo, Hi float64 // median and confidence interval
	Min, Max       float64
	N              int
}

// Summarize returns the Summary of values; it must not be empty.
func Summarize(values []float64) Summary {
	xs := slices.Clone(values)
	smp := benchmath.NewSample(xs, &benchmath.DefaultThresholds)
	s := benchmath.AssumeNothing.Summary(smp, Confidence)
	return Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi, Min: smp.Values[0], Max: smp.Values[len(xs)-1], N: len(xs)}
}

// Spread returns the confidence interval as benchstat prints it, "±1%";
// "±∞" when there are too few runs for one (fewer than 6 at 95 %).
func (s Summary) Spread() string {
	return "±" + benchmath.Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi}.PctRangeString()
}

// Cell is the runs of one group of results: those with one value of a
// projection.
type Cell struct {
	Key    benchproc.Key
	Name   string               // the full name of its first result
	Values map[string][]float64 // normalised unit → one value per run
	Config []benchproc.Key      // the residue (what the projection left out) of each run
}

// Runs returns how many results the cell holds.
func (c *Cell) Runs() int {
	n := 0
	for _, v := range c.Values {
		n = max(n, len(v))
	}
	return n
}

// Summary returns the Summary of a unit's runs, false when it has none.
func (c *Cell) Summary(unit string) (Summary, bool) {
	xs := c.Values[unit]
	if len(xs) == 0 {
		return Summary{}, false
	}
	return Summarize(xs), true
}

// Sum returns the sum of a unit's runs.
func (c *Cell) Sum(unit string) float64 {
	var t float64
	for _, x := range c.Values[unit] {
		t += x
	}
	return t
}

// Group groups the results of s by a benchproc projection (for example
// ".fullname" or "/server,/strategy,/conn,/c,/gomaxprocs") after keeping
// those that filter matches (benchproc filter syntax; "" keeps all).
// Cells come in first-seen order.
func (s *Set) Group(projection, filter string) ([]*Cell, error) {
	var pp benchproc.ProjectionParser
	proj, err := pp.Parse(projection, nil)
	if err != nil {
		return nil, fmt.Errorf("resultset: projection %q: %w", projection, err)
	}
	residue := pp.Residue()
	var f *benchproc.Filter
	if filter != "" {
		if f, err = benchproc.NewFilter(filter); err != nil {
			return nil, fmt.Errorf("resultset: filter %q: %w", filter, err)
		}
	}
	cells := map[benchproc.Key]*Cell{}
	var order []*Cell
	for _, res := range s.Results {
		if f != nil {
			if ok, _ := f.Apply(res); !ok {
				continue
			}
		}
		k := proj.Project(res)
		c := cells[k]
		if c == nil {
			c = &Cell{Key: k, Name: res.Name.String(), Values: map[string][]float64{}}
			cells[k] = c
			order = append(order, c)
		}
		addValues(c, res)
		c.Config = append(c.Config, residue.Project(res))
	}
	return order, nil
}

func addValues(c *Cell, res *benchfmt.Result) {
	for _, v := range res.Values {
		if !math.IsNaN(v.Value) {
			c.Values[v.Unit] = append(c.Values[v.Unit], v.Value)
		}
	}
}

// Differing returns the configuration fields that differ between the runs
// of any one cell (a file concatenated from several runs), sorted.
func Differing(cells []*Cell) []string {
	var out []string
	for _, c := range cells {
		for _, f := range benchproc.NonSingularFields(c.Config) {
			if !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Unit returns the normalised unit a metric written as unit is stored
// under ("ns/op" → "sec/op", "p99-ns" → "p99-sec") and the factor from
// the stored value back to unit.
func Unit(unit string) (stored string, back float64) {
	f, u := normalise(1, unit)
	if _, per, ok := timePrefix(unit); ok {
		return u, per
	}
	return u, 1 / f
}

// FormatSpread formats v with format and s's spread: "1.058 ±1%".
func FormatSpread(format string, v float64, s Summary) string {
	return strings.TrimSpace(fmt.Sprintf(format, v) + " " + s.Spread())
}
