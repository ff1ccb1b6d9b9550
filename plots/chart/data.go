package chart

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// The crawlbench benchmark families, as benchfmt names them (the benchmark
// name without "Benchmark" and without sub-benchmark keys).
const (
	FamilySeed        = "Seed"
	FamilyConcurrency = "Concurrency"
	FamilyBatch       = "Batch"
)

// A metric is a unit as `go test -bench` writes it.
type metric string

// The metrics of a crawlbench result.
const (
	metricWall     metric = "ns/op"        // wall time of one batch
	metricReqS     metric = "req/s"        // successful requests per second
	metricP50      metric = "p50-ns"       // median request latency
	metricP99      metric = "p99-ns"       // 99th percentile request latency
	metricErrors   metric = "errors"       // failed requests, summed over the run
	metricIdeal    metric = "ideal-ns"     // the model's wall time for one batch
	metricCapacity metric = "capacity-rps" // the server's k/d, when k > 0 (optional)
)

// requiredMetrics returns the metrics every crawlbench result must carry.
func requiredMetrics() []metric {
	return []metric{metricWall, metricReqS, metricP50, metricP99, metricErrors, metricIdeal}
}

// unit returns the unit benchfmt stores m under after tidying it: "ns/op"
// becomes "sec/op", "p50-ns" becomes "p50-sec" (value ÷ 1e9), "req/s" stays.
func (m metric) unit() string {
	_, u := benchunit.Tidy(1, string(m))
	return u
}

// mustBePositive reports whether a zero or negative value of m is an error:
// every metric but the failure count is a time or a rate that cannot be 0 in
// a run that did anything, and that is drawn on a log axis.
func (m metric) mustBePositive() bool { return m != metricErrors }

// cellKey identifies one benchmark configuration: every result with the same
// key is one of its -count runs.
type cellKey struct {
	family   string // FamilySeed, FamilyConcurrency or FamilyBatch
	server   string // /server=, "" for Seed
	strategy string // /strategy=
	conn     string // /conn=
	n        int    // /n=, 0 when absent
	c        int    // /c=, 0 when absent
	procs    string // GOMAXPROCS, from the -N suffix
	extra    string // any other sub-benchmark keys, e.g. "/procs=8"
}

// cell is the runs of one benchmark configuration.
type cell struct {
	cellKey
	name string               // full name of the first run, for messages
	vals map[string][]float64 // tidied unit → one value per run
	res  []benchproc.Key      // residue (file configuration) of each run
}

// runs returns how many results the cell holds.
func (c *cell) runs() int { return len(c.vals[metricWall.unit()]) }

// Data is the crawlbench results of one results file, grouped by benchmark
// configuration. Make it with Read.
type Data struct {
	name     string
	delay    time.Duration     // the delay: config line; 0 when absent
	config   map[string]string // file configuration shared by every result
	cells    []*cell           // sorted by compareCells
	warnings []string
	procsSet []string // distinct GOMAXPROCS values, in order of appearance
}

// Read parses a `go test -bench` results file and groups its crawlbench
// results (BenchmarkSeed, BenchmarkConcurrency, BenchmarkBatch) by
// configuration. name is used in error messages. Other benchmarks are
// ignored, with a warning.
//
// It is an error if the input is empty, holds a line benchfmt cannot parse,
// holds no crawlbench result, lacks a sub-benchmark key a family needs
// (n, c, server, strategy, conn), lacks one of the metrics the suite always
// reports (ns/op, req/s, p50-ns, p99-ns, errors, ideal-ns) or has a zero,
// negative or non-finite one, or mixes results taken at different delays.
func Read(r io.Reader, name string) (*Data, error) {
	if name == "" {
		name = "<input>"
	}
	set, cutShort, err := load(r, name)
	if err != nil {
		return nil, err
	}
	var pp benchproc.ProjectionParser
	cellProj, err := pp.Parse(".name,/server,/strategy,/conn,/n,/c,/gomaxprocs", nil)
	if err != nil {
		return nil, fmt.Errorf("plots: projection: %w", err)
	}
	extraProj, err := pp.Parse(".fullname", nil)
	if err != nil {
		return nil, fmt.Errorf("plots: projection: %w", err)
	}
	residue := pp.Residue()
	f := fieldsByName(cellProj)

	type groupKey struct{ cell, extra benchproc.Key }
	cells := make(map[groupKey]*cell)
	var order []*cell
	d := &Data{name: name, config: make(map[string]string)}
	mixed := make(map[string]bool)
	var delays []string
	results, others := 0, 0
	var otherNames []string

	for _, res := range set.Results {
		results++
		family := string(res.Name.Base())
		if family != FamilySeed && family != FamilyConcurrency && family != FamilyBatch {
			others++
			if len(otherNames) < 3 && !slices.Contains(otherNames, family) {
				otherNames = append(otherNames, family)
			}
			continue
		}
		_, line := res.Pos()
		where := fmt.Sprintf("%s:%d: Benchmark%s", name, line, res.Name)

		ck := cellProj.Project(res)
		key := cellKey{
			family:   family,
			server:   ck.Get(f["/server"]),
			strategy: ck.Get(f["/strategy"]),
			conn:     ck.Get(f["/conn"]),
			procs:    ck.Get(f["/gomaxprocs"]),
		}
		if key.n, err = intKey(ck.Get(f["/n"]), "n"); err != nil {
			return nil, fmt.Errorf("plots: %s: %w", where, err)
		}
		if key.c, err = intKey(ck.Get(f["/c"]), "c"); err != nil {
			return nil, fmt.Errorf("plots: %s: %w", where, err)
		}
		if err := key.check(); err != nil {
			return nil, fmt.Errorf("plots: %s: %w", where, err)
		}
		ek := extraProj.Project(res)
		key.extra = strings.TrimPrefix(ek.StringValues(), "*")

		vals, err := resultValues(res)
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", where, err)
		}

		delay := res.GetConfig(resultset.KeyDelay)
		if !slices.Contains(delays, delay) {
			delays = append(delays, delay)
		}
		for _, cfg := range res.Config {
			if !cfg.File {
				continue
			}
			if v, ok := d.config[cfg.Key]; ok && v != string(cfg.Value) {
				mixed[cfg.Key] = true
			}
			if _, ok := d.config[cfg.Key]; !ok {
				d.config[cfg.Key] = string(cfg.Value)
			}
		}
		if !slices.Contains(d.procsSet, key.procs) {
			d.procsSet = append(d.procsSet, key.procs)
		}

		gk := groupKey{ck, ek}
		c := cells[gk]
		if c == nil {
			c = &cell{cellKey: key, name: res.Name.String(), vals: make(map[string][]float64)}
			cells[gk] = c
			order = append(order, c)
		}
		for u, v := range vals {
			c.vals[u] = append(c.vals[u], v)
		}
		c.res = append(c.res, residue.Project(res))
	}
	if len(order) == 0 {
		hint := ""
		if slices.Contains(otherNames, FamilyScale) || slices.Contains(otherNames, FamilyPeers) {
			hint = " (BenchmarkScale and BenchmarkPeers files are read by ReadScale and ReadPeers; ChartInputs sorts files by kind)"
		}
		return nil, fmt.Errorf("plots: %s: none of the %d benchmark results (%s) is a crawlbench benchmark (BenchmarkSeed, BenchmarkConcurrency, BenchmarkBatch)%s",
			name, results, strings.Join(otherNames, ", "), hint)
	}
	d.warnings = append(d.warnings, set.Warnings(resultset.MixedProcs, resultset.MixedPkg)...)
	if cutShort {
		// `go test` ends every line; a file cut short loses its last line
		// silently when that line is only a benchmark name.
		d.warnings = append(d.warnings, fmt.Sprintf("%s: the input does not end with a newline: was it cut short?", name))
	}
	if others > 0 {
		d.warnings = append(d.warnings, fmt.Sprintf("%s: ignored %d results of benchmarks other than Seed, Concurrency and Batch (%s)",
			name, others, strings.Join(otherNames, ", ")))
	}

	for k := range mixed {
		delete(d.config, k)
	}
	if len(delays) > 1 {
		return nil, fmt.Errorf("plots: %s: results mix delays %s: plot one delay per file", name, quoteAll(delays))
	}
	if delays[0] != "" {
		dl, err := time.ParseDuration(delays[0])
		if err != nil || dl <= 0 {
			return nil, fmt.Errorf("plots: %s: config line \"delay: %s\": want a positive duration such as 50ms", name, delays[0])
		}
		d.delay = dl
	}

	slices.SortStableFunc(order, compareCells)
	d.cells = order
	d.warnings = append(d.warnings, groupingWarnings(name, order)...)
	return d, nil
}

// fieldsByName indexes the fields of p by name.
func fieldsByName(p *benchproc.Projection) map[string]*benchproc.Field {
	m := make(map[string]*benchproc.Field)
	for _, f := range p.FlattenedFields() {
		m[f.Name] = f
	}
	return m
}

// intKey parses the value of sub-benchmark key name; "" (absent) is 0.
func intKey(v, name string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%s: want an integer ≥ 1", name, v)
	}
	return n, nil
}

// check reports a sub-benchmark key that k's family needs but k lacks.
func (k cellKey) check() error {
	missing := ""
	switch {
	case k.strategy == "":
		missing = "strategy"
	case k.conn == "":
		missing = "conn"
	case k.family != FamilySeed && k.server == "":
		missing = "server"
	case k.family == FamilyConcurrency && k.c == 0:
		missing = "c"
	case k.family != FamilyConcurrency && k.n == 0:
		missing = "n"
	}
	if missing != "" {
		return missingKey(missing, k.family)
	}
	return nil
}

// needKeys returns the error of the first key whose value is empty, for
// keyValues given as name, value, name, value, …: Benchmark<family> needs
// every one of them.
func needKeys(family string, keyValues ...string) error {
	for i := 0; i+1 < len(keyValues); i += 2 {
		if keyValues[i+1] == "" {
			return missingKey(keyValues[i], family)
		}
	}
	return nil
}

// missingKey is the error for a sub-benchmark name without key=.
func missingKey(key, family string) error {
	return fmt.Errorf("missing sub-benchmark key %s= (Benchmark%s needs it)", key, family)
}

// tidiedValues returns the values of res by tidied unit, or an error when
// a metric appears twice or is not finite.
func tidiedValues(res *benchfmt.Result) (map[string]float64, error) {
	vals := make(map[string]float64, len(res.Values))
	for _, v := range res.Values {
		// benchfmt keeps the written unit when tidying does not change the
		// value, which is the case for 0: "0 p50-ns" stays "p50-ns" while
		// "5 p50-ns" becomes "p50-sec". Tidy again so that both are found
		// under the tidied unit.
		val, unit := benchunit.Tidy(v.Value, v.Unit)
		if _, dup := vals[unit]; dup {
			return nil, fmt.Errorf("metric %s appears twice", origUnit(v))
		}
		if math.IsNaN(val) || math.IsInf(val, 0) {
			return nil, fmt.Errorf("metric %s is %v: want a finite number", origUnit(v), v.Value)
		}
		vals[unit] = val
	}
	return vals, nil
}

// resultValues returns the values of res by tidied unit, after checking
// that every required metric is present, finite, and positive where it
// must be.
func resultValues(res *benchfmt.Result) (map[string]float64, error) {
	vals, err := tidiedValues(res)
	if err != nil {
		return nil, err
	}
	errs, hasErrs := vals[metricErrors.unit()]
	for _, m := range requiredMetrics() {
		v, ok := vals[m.unit()]
		switch {
		case !ok && m == metricWall:
			return nil, errors.New("metric ns/op is missing (go test omits it when it is 0)")
		case !ok:
			return nil, fmt.Errorf("metric %s is missing (crawlbench reports %s)", m, metricList())
		case m.mustBePositive() && v <= 0:
			hint := ""
			if hasErrs && errs > 0 {
				hint = fmt.Sprintf(" (errors = %g: did every request fail?)", errs)
			}
			return nil, fmt.Errorf("metric %s is %g: want > 0%s", m, v, hint)
		case !m.mustBePositive() && v < 0:
			return nil, fmt.Errorf("metric %s is %g: want ≥ 0", m, v)
		}
	}
	if v, ok := vals[metricCapacity.unit()]; ok && v < 0 {
		return nil, fmt.Errorf("metric %s is %g: want ≥ 0", metricCapacity, v)
	}
	return vals, nil
}

// origUnit returns the unit of v as it was written in the input.
func origUnit(v benchfmt.Value) string {
	if v.OrigUnit != "" {
		return v.OrigUnit
	}
	return v.Unit
}

// metricList returns the required metrics, comma-separated.
func metricList() string {
	var s []string
	for _, m := range requiredMetrics() {
		s = append(s, string(m))
	}
	return strings.Join(s, ", ")
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		if s == "" {
			q[i] = "(none)"
		} else {
			q[i] = strconv.Quote(s)
		}
	}
	return strings.Join(q, ", ")
}

// groupingWarnings reports configuration that differs between runs grouped
// into one cell (for example two commits in a concatenated file) and
// requests that failed.
func groupingWarnings(name string, cells []*cell) []string {
	var out []string
	var varying []string
	for _, c := range cells {
		for _, f := range benchproc.NonSingularFields(c.res) {
			if !slices.Contains(varying, f.Name) {
				varying = append(varying, f.Name)
			}
		}
	}
	if len(varying) > 0 {
		slices.Sort(varying)
		out = append(out, fmt.Sprintf("%s: runs grouped together differ in %s (was the file concatenated from several runs?)",
			name, strings.Join(varying, ", ")))
	}
	for _, c := range cells {
		if failed := sum(c.vals[metricErrors.unit()]); failed > 0 {
			out = append(out, fmt.Sprintf("%s: Benchmark%s: %g failed requests over %d runs", name, c.name, failed, c.runs()))
		}
	}
	return out
}

// Name returns the name the data was read under.
func (d *Data) Name() string { return d.name }

// Delay returns the server delay d from the results' "delay:" configuration
// line, or 0 if the file has none.
func (d *Data) Delay() time.Duration { return d.delay }

// Config returns the value of a file configuration key (e.g. "goos",
// "crawlbench-commit") if every crawlbench result shares it, else "".
func (d *Data) Config(key string) string { return d.config[key] }

// Warnings returns the things Read noticed but did not reject: ignored
// benchmarks, runs grouped across differing configuration, failed requests.
func (d *Data) Warnings() []string { return slices.Clone(d.warnings) }

// Servers returns the server= values of a benchmark family (FamilyConcurrency
// or FamilyBatch), in plotting order.
func (d *Data) Servers(family string) []string {
	var out []string
	for _, c := range d.cells {
		if c.family == family && !slices.Contains(out, c.server) {
			out = append(out, c.server)
		}
	}
	return out
}

// SeedNs returns the n= values of the BenchmarkSeed results, ascending.
func (d *Data) SeedNs() []int {
	var out []int
	for _, c := range d.cells {
		if c.family == FamilySeed && !slices.Contains(out, c.n) {
			out = append(out, c.n)
		}
	}
	slices.Sort(out)
	return out
}

// Runs returns the smallest and largest number of runs (-count) per
// benchmark configuration.
func (d *Data) Runs() (lo, hi int) { return runsRange(d.cells, (*cell).runs) }

// strategyRank orders strategies as the registry lists them; unknown ones
// follow.
func strategyRank(s string) int {
	if d, ok := strategy.Lookup(s); ok {
		return d.Rank
	}
	return 100
}

func connRank(s string) int {
	switch s {
	case "warm":
		return 0
	case "cold":
		return 1
	}
	return 2
}

func familyRank(s string) int {
	switch s {
	case FamilySeed:
		return 0
	case FamilyConcurrency:
		return 1
	}
	return 2
}

// serverRank orders servers: unlimited, kN by N, the variable-latency
// ones, then the rest.
func serverRank(s string) (int, int) {
	if s == "unlimited" {
		return 0, 0
	}
	if k, ok := capacityOf(s); ok {
		return 1, k
	}
	switch s {
	case "uniform":
		return 2, 0
	case "exp":
		return 2, 1
	case "lognormal":
		return 2, 2
	}
	return 3, 0
}

// capacityOf returns k for a server named "kN".
func capacityOf(server string) (int, bool) {
	rest, ok := strings.CutPrefix(server, "k")
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(rest)
	if err != nil || k < 1 {
		return 0, false
	}
	return k, true
}

// compareCells orders cells by family, server, strategy, conn, GOMAXPROCS,
// other keys, n and c.
func compareCells(a, b *cell) int {
	if r := familyRank(a.family) - familyRank(b.family); r != 0 {
		return r
	}
	ag, an := serverRank(a.server)
	bg, bn := serverRank(b.server)
	if r := cmpInts(ag, bg, an, bn); r != 0 {
		return r
	}
	if r := strings.Compare(a.server, b.server); r != 0 {
		return r
	}
	if r := (lineKey{a.strategy, a.conn, a.procs, a.extra}).compare(lineKey{b.strategy, b.conn, b.procs, b.extra}); r != 0 {
		return r
	}
	return cmpInts(a.n, b.n, a.c, b.c)
}

// lineKey is what tells the lines of a chart apart: strategy, connection
// mode, GOMAXPROCS and the other keys of the sub-benchmark name.
type lineKey struct{ strategy, conn, procs, extra string }

// compare orders line keys the way every chart lists its lines: known
// strategies and connection modes in their usual order, then by name.
func (a lineKey) compare(b lineKey) int {
	if r := strategyRank(a.strategy) - strategyRank(b.strategy); r != 0 {
		return r
	}
	if r := strings.Compare(a.strategy, b.strategy); r != 0 {
		return r
	}
	if r := connRank(a.conn) - connRank(b.conn); r != 0 {
		return r
	}
	if r := strings.Compare(a.conn, b.conn); r != 0 {
		return r
	}
	if r := compareNumeric(a.procs, b.procs); r != 0 {
		return r
	}
	return strings.Compare(a.extra, b.extra)
}

// cmpInts compares (a1, a2) with (b1, b2) lexicographically.
func cmpInts(a1, b1, a2, b2 int) int {
	if a1 != b1 {
		if a1 < b1 {
			return -1
		}
		return 1
	}
	switch {
	case a2 < b2:
		return -1
	case a2 > b2:
		return 1
	}
	return 0
}

func compareNumeric(a, b string) int {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return cmpInts(x, y, 0, 0)
	}
	return strings.Compare(a, b)
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
