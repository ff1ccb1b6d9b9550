package chart

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// Input is one results file: its name (used in messages and footnotes)
// and its content.
type Input struct {
	Name string
	R    io.Reader
}

// scanned is what scanResults saw besides the results it handed on.
type scanned struct {
	results  int      // benchmark results, of any family
	others   int      // results of families the caller did not want
	names    []string // up to three of those families
	cutShort bool     // the input does not end with a newline
	layer    []string // what bench/resultset found and plots tolerate, in words
}

// tolerated are the kinds of resultset.Problem a chart shows instead of
// refusing the file: failed requests (a line's "[n failed]" label),
// several GOMAXPROCS (lines kept apart by GOMAXPROCS), a second pkg: line.
// Each is also returned as a warning.
var tolerated = []resultset.Kind{resultset.Errors, resultset.MixedProcs, resultset.MixedPkg}

// load reads r (named name) through bench/resultset and refuses what a
// chart cannot show truthfully: an empty, binary or header-only input,
// a line benchfmt cannot parse, a failed or incomplete run, NaN or ±Inf,
// an overhead-x that disagrees with its times.
func load(r io.Reader, name string) (*resultset.Set, bool, error) {
	b, err := resultset.ReadAll(r, name, 0)
	if err != nil {
		return nil, false, fmt.Errorf("plots: %w", err)
	}
	s := resultset.Parse(name, b)
	if err := s.Err(tolerated...); err != nil {
		return nil, false, fmt.Errorf("plots: %w", err)
	}
	return s, len(b) > 0 && b[len(b)-1] != '\n', nil
}

// scanResults reads a `go test -bench` output through bench/resultset and
// calls fn for every result whose family (benchmark name without
// "Benchmark" and sub-benchmark keys) is in families; the results of other
// families are counted. What load refuses, and an input without any
// result of families, are errors naming the input.
func scanResults(r io.Reader, name string, families []string, fn func(*benchfmt.Result) error) (scanned, error) {
	var s scanned
	set, cut, err := load(r, name)
	if err != nil {
		return s, err
	}
	for _, res := range set.Results {
		s.results++
		family := string(res.Name.Base())
		if !slices.Contains(families, family) {
			s.others++
			if len(s.names) < 3 && !slices.Contains(s.names, family) {
				s.names = append(s.names, family)
			}
			continue
		}
		if err := fn(res); err != nil {
			return s, err
		}
	}
	want := "Benchmark" + strings.Join(families, ", Benchmark")
	if s.results == s.others {
		return s, fmt.Errorf("plots: %s: none of the %d benchmark results (%s) is a %s result",
			name, s.results, strings.Join(s.names, ", "), want)
	}
	s.cutShort = cut
	s.layer = set.Warnings(resultset.MixedProcs, resultset.MixedPkg)
	return s, nil
}

// warnings returns what a scan noticed but did not reject: a last line
// without a newline, results of other benchmarks.
func (s scanned) warnings(name string, families []string) []string {
	out := slices.Clone(s.layer)
	if s.cutShort {
		out = append(out, fmt.Sprintf("%s: the input does not end with a newline: was it cut short?", name))
	}
	if s.others > 0 {
		out = append(out, fmt.Sprintf("%s: ignored %d results of benchmarks other than %s (%s)",
			name, s.others, strings.Join(families, ", "), strings.Join(s.names, ", ")))
	}
	return out
}

// sign is what values a metric may take.
type sign int

const (
	anySign     sign = iota // any finite value
	nonNegative             // ≥ 0: counts, rates, CPU time
	positive                // > 0: times and ratios that cannot be 0
)

// metricRule says whether a result must carry a metric, and its range.
type metricRule struct {
	m        metric
	sign     sign
	required bool
}

// checkedValues returns the values of res by tidied unit, after checking
// that no metric appears twice, every value is finite, the metrics rules
// require are present and every value a rule covers is in its range.
// family names the benchmark in the message about a missing metric.
func checkedValues(res *benchfmt.Result, family string, rules []metricRule) (map[string]float64, error) {
	vals, err := tidiedValues(res)
	if err != nil {
		return nil, err
	}
	var required []string
	for _, r := range rules {
		if r.required {
			required = append(required, string(r.m))
		}
	}
	for _, r := range rules {
		v, ok := vals[r.m.unit()]
		switch {
		case !ok && r.required && r.m == metricWall:
			return nil, errors.New("metric ns/op is missing (go test omits it when it is 0)")
		case !ok && r.required:
			return nil, fmt.Errorf("metric %s is missing (Benchmark%s reports %s)", r.m, family, strings.Join(required, ", "))
		case !ok:
		case r.sign == positive && v <= 0:
			hint := ""
			if e := vals[metricErrors.unit()]; e > 0 {
				hint = fmt.Sprintf(" (errors = %g: did every request fail?)", e)
			}
			return nil, fmt.Errorf("metric %s is %g: want > 0%s", r.m, v, hint)
		case r.sign == nonNegative && v < 0:
			return nil, fmt.Errorf("metric %s is %g: want ≥ 0", r.m, v)
		}
	}
	return vals, nil
}

// projections returns the projection of the sub-benchmark keys named in
// keys (plus the benchmark name and GOMAXPROCS), the projection of any
// other keys, and the residue (file configuration).
func projections(keys ...string) (cellProj, extraProj, residue *benchproc.Projection, err error) {
	var pp benchproc.ProjectionParser
	spec := ".name"
	for _, k := range keys {
		spec += ",/" + k
	}
	if cellProj, err = pp.Parse(spec+",/gomaxprocs", nil); err != nil {
		return nil, nil, nil, fmt.Errorf("plots: projection: %w", err)
	}
	if extraProj, err = pp.Parse(".fullname", nil); err != nil {
		return nil, nil, nil, fmt.Errorf("plots: projection: %w", err)
	}
	return cellProj, extraProj, pp.Residue(), nil
}

// differingFields returns the configuration fields that differ between the
// runs of any one group, sorted.
func differingFields(groups [][]benchproc.Key) []string {
	var out []string
	for _, g := range groups {
		for _, f := range benchproc.NonSingularFields(g) {
			if !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// fileCommit returns the commit a results file's configuration names,
// shortened, with " (dirty)" for a tree with changes; "" when it names
// none. The suite's own lines (crawlbench-commit) win over the header that
// scripts/resultsfile writes (crawlbench-commit-at-start).
func fileCommit(get func(string) string) string {
	c, dirty := get(resultset.KeyCommit), get(resultset.KeyDirty)
	if c == "" {
		c, dirty = get(resultset.KeyCommitAtStart), get(resultset.KeyDirtyAtStart)
	}
	if c == "" || c == "unknown" {
		return ""
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if dirty == "true" {
		c += " (dirty)"
	}
	return c
}

// plural returns "1 run" or "3 runs" for n and noun "run".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// runsText returns "3 runs" or "1–3 runs".
func runsText(lo, hi int, noun string) string {
	if lo == hi {
		return plural(lo, noun)
	}
	return fmt.Sprintf("%d–%d %ss", lo, hi, noun)
}
