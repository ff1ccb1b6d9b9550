package chart

import (
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// FamilyScale is the benchmark family of bench/scale (BenchmarkScale).
const FamilyScale = "Scale"

// The metrics of a BenchmarkScale result beyond the suite's.
const (
	metricOverhead  metric = "overhead-x"     // wall time ÷ ideal (one delay d)
	metricRSSPerReq metric = "rss-per-req-B"  // (peak RSS − idle) ÷ n, bytes
	metricHeapPerRq metric = "heap-per-req-B" // (peak heap − idle) ÷ n, bytes
	metricCPUPer1k  metric = "cpu-ms-per-1k"  // client CPU per 1000 requests, ms
)

// scaleRules are the metrics of BenchmarkScale that Read checks: those its
// charts need must be there. Memory per request is a difference of two
// peaks and may be ≤ 0. heap-per-req-B is absent from a Python strategy's
// rows (its processes have no Go heap).
func scaleRules() []metricRule {
	return []metricRule{
		{metricWall, positive, true},
		{metricIdeal, positive, true},
		{metricOverhead, positive, true},
		{metricErrors, nonNegative, true},
		{metricRSSPerReq, anySign, true},
		{metricHeapPerRq, anySign, false},
		{metricCPUPer1k, nonNegative, true},
		{metricReqS, nonNegative, false},
		{metricP50, nonNegative, false},
		{metricP99, nonNegative, false},
	}
}

// scaleCell is the runs of one BenchmarkScale configuration.
type scaleCell struct {
	inflight                     int
	strategy, conn, procs, extra string
	name                         string               // full name of the first run, for messages
	vals                         map[string][]float64 // tidied unit → one value per run
	res                          []benchproc.Key      // residue of each run
}

func (c *scaleCell) runs() int { return len(c.vals[metricWall.unit()]) }

// ScaleData is the BenchmarkScale results of one or more results files
// (typically one per level of requests in flight), grouped by
// configuration. Make it with ReadScale.
type ScaleData struct {
	names    []string
	cells    []*scaleCell
	delays   map[int]time.Duration // in flight → d, from ideal-ns
	commits  []string              // distinct, in input order
	config   map[string]string     // configuration every result shares
	skipped  map[int]string        // in flight → scale-skipped-inflight-N
	procsSet []string
	warnings []string
}

// ReadScale reads the BenchmarkScale results of one or more results files
// (`go test ./bench/scale -bench Scale` output) and groups them by
// configuration: in flight (inflight=), strategy=, conn=, GOMAXPROCS and any
// other sub-benchmark keys. Runs of one configuration in several files are
// pooled, with a warning. Other benchmarks are ignored, with a warning.
//
// Unlike Read, ReadScale accepts results taken at different delays: the
// scale benchmark uses d = 1 s up to 10k in flight and 10 s above. The
// delay of a level is its ideal-ns (all n requests are in flight at once,
// so the ideal batch time is one delay); it is an error if one level mixes
// delays.
//
// It is an error if there is no input, an input is empty, holds a line
// benchfmt cannot parse or no BenchmarkScale result, a result lacks a key
// (inflight, strategy, conn) or one of the metrics the charts need (ns/op,
// ideal-ns, overhead-x, errors, rss-per-req-B, heap-per-req-B,
// cpu-ms-per-1k), or a value is not finite or out of range.
func ReadScale(inputs ...Input) (*ScaleData, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("plots: ReadScale: no input")
	}
	cellProj, extraProj, residue, err := projections("inflight", "strategy", "conn")
	if err != nil {
		return nil, err
	}
	f := fieldsByName(cellProj)
	d := &ScaleData{delays: map[int]time.Duration{}, config: map[string]string{}, skipped: map[int]string{}}
	type groupKey struct{ cell, extra benchproc.Key }
	cells := map[groupKey]*scaleCell{}
	cellFiles := map[*scaleCell][]string{}
	delayFrom := map[int]string{} // in flight → the input that set its delay
	mixed := map[string]bool{}
	families := []string{FamilyScale}

	for i, in := range inputs {
		name := in.Name
		if name == "" {
			name = fmt.Sprintf("<input %d>", i+1)
		}
		if in.R == nil {
			return nil, fmt.Errorf("plots: %s: no reader", name)
		}
		if slices.Contains(d.names, name) {
			return nil, fmt.Errorf("plots: %s: given twice", name)
		}
		d.names = append(d.names, name)
		commit := ""
		s, err := scanResults(in.R, name, families, func(res *benchfmt.Result) error {
			_, line := res.Pos()
			where := fmt.Sprintf("%s:%d: Benchmark%s", name, line, res.Name)
			ck := cellProj.Project(res)
			c := &scaleCell{
				strategy: ck.Get(f["/strategy"]),
				conn:     ck.Get(f["/conn"]),
				procs:    ck.Get(f["/gomaxprocs"]),
			}
			v := ck.Get(f["/inflight"])
			if err := needKeys(FamilyScale, "inflight", v, "strategy", c.strategy, "conn", c.conn); err != nil {
				return fmt.Errorf("plots: %s: %w", where, err)
			}
			n, err := intKey(v, "inflight")
			if err != nil {
				return fmt.Errorf("plots: %s: %w", where, err)
			}
			c.inflight = n
			vals, err := checkedValues(res, FamilyScale, scaleRules())
			if err != nil {
				return fmt.Errorf("plots: %s: %w", where, err)
			}
			delay := time.Duration(math.Round(vals[metricIdeal.unit()] * 1e9))
			if old, ok := d.delays[c.inflight]; ok && old != delay {
				return fmt.Errorf("plots: %s: ideal-ns %v, but other results at inflight=%d (%s) have %v: one delay per level of requests in flight",
					where, delay, c.inflight, delayFrom[c.inflight], old)
			}
			d.delays[c.inflight] = delay
			delayFrom[c.inflight] = name

			for _, cfg := range res.Config {
				if !cfg.File {
					continue
				}
				key, val := cfg.Key, string(cfg.Value)
				if n, ok := strings.CutPrefix(key, "scale-skipped-inflight-"); ok {
					if k, err := strconv.Atoi(n); err == nil {
						d.skipped[k] = val
					}
					continue
				}
				if old, ok := d.config[key]; ok && old != val {
					mixed[key] = true
				}
				if _, ok := d.config[key]; !ok {
					d.config[key] = val
				}
			}
			if commit == "" {
				commit = fileCommit(res.GetConfig)
			}
			if !slices.Contains(d.procsSet, c.procs) {
				d.procsSet = append(d.procsSet, c.procs)
			}
			c.extra = strings.TrimPrefix(extraProj.Project(res).StringValues(), "*")
			gk := groupKey{ck, extraProj.Project(res)}
			if old := cells[gk]; old != nil {
				c = old
			} else {
				c.name = res.Name.String()
				c.vals = map[string][]float64{}
				cells[gk] = c
				d.cells = append(d.cells, c)
			}
			for u, v := range vals {
				c.vals[u] = append(c.vals[u], v)
			}
			c.res = append(c.res, residue.Project(res))
			if !slices.Contains(cellFiles[c], name) {
				cellFiles[c] = append(cellFiles[c], name)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if s.results == 0 {
			continue
		}
		d.warnings = append(d.warnings, s.warnings(name, families)...)
		if commit != "" && !slices.Contains(d.commits, commit) {
			d.commits = append(d.commits, commit)
		}
	}
	for k := range mixed {
		delete(d.config, k)
	}
	slices.SortStableFunc(d.cells, compareScaleCells)

	var groups [][]benchproc.Key
	for _, c := range d.cells {
		if files := cellFiles[c]; len(files) > 1 {
			d.warnings = append(d.warnings, fmt.Sprintf("Benchmark%s: pooled the runs of %s", c.name, strings.Join(files, ", ")))
		}
		groups = append(groups, c.res)
	}
	if diff := differingFields(groups); len(diff) > 0 {
		d.warnings = append(d.warnings, fmt.Sprintf("%s: runs grouped together differ in %s (was a file concatenated from several runs?)",
			strings.Join(d.names, ", "), strings.Join(diff, ", ")))
	}
	for _, c := range d.cells {
		if failed := sum(c.vals[metricErrors.unit()]); failed > 0 {
			d.warnings = append(d.warnings, fmt.Sprintf("Benchmark%s: %g failed requests over %s", c.name, failed, plural(c.runs(), "run")))
		}
	}
	return d, nil
}

// compareScaleCells orders cells by strategy, conn, GOMAXPROCS, other keys
// and requests in flight.
func compareScaleCells(a, b *scaleCell) int {
	if r := (lineKey{a.strategy, a.conn, a.procs, a.extra}).compare(lineKey{b.strategy, b.conn, b.procs, b.extra}); r != 0 {
		return r
	}
	return cmpInts(a.inflight, b.inflight, 0, 0)
}

// Names returns the names of the inputs, in the order given.
func (d *ScaleData) Names() []string { return slices.Clone(d.names) }

// Warnings returns what ReadScale noticed but did not reject: ignored
// benchmarks, pooled or differing runs, failed requests, a file cut short.
func (d *ScaleData) Warnings() []string { return slices.Clone(d.warnings) }

// Levels returns the inflight= values of the results, ascending.
func (d *ScaleData) Levels() []int {
	var out []int
	for _, c := range d.cells {
		if !slices.Contains(out, c.inflight) {
			out = append(out, c.inflight)
		}
	}
	slices.Sort(out)
	return out
}

// Delay returns the server delay at a level of requests in flight (its
// ideal-ns), or 0 if there are no results at that level.
func (d *ScaleData) Delay(inflight int) time.Duration { return d.delays[inflight] }

// Config returns the value of a file configuration key if every result
// shares it, else "".
func (d *ScaleData) Config(key string) string { return d.config[key] }

// Runs returns the smallest and largest number of runs per configuration.
func (d *ScaleData) Runs() (lo, hi int) { return runsRange(d.cells, (*scaleCell).runs) }

// Rows returns a Row per configuration (Family FamilyScale, N and C both
// the number in flight), in the order the charts use.
func (d *ScaleData) Rows() []Row {
	var rows []Row
	for _, c := range d.cells {
		rows = append(rows, Row{Family: FamilyScale, Strategy: c.strategy, Conn: c.conn, N: c.inflight, C: c.inflight, Runs: c.runs(), Metrics: summarizeAll(c.vals)})
	}
	return rows
}

// VsInflight returns a metric, as the benchmark writes its unit
// ("rss-per-req-B", "overhead-x", "p99-ns", …), against the number of
// requests in flight: one series per strategy and conn (and GOMAXPROCS or
// other keys where they vary), the median of the runs with their range,
// in the unit benchfmt tidies to (seconds for "-ns" metrics). A
// configuration without the metric gets no point; it is an error if none
// has it.
func (d *ScaleData) VsInflight(unit string) ([]Series, error) {
	m := metric(unit)
	type id struct{ strategy, conn, procs, extra string }
	var ids []id
	by := map[id]*Series{}
	found := false
	for _, c := range d.cells {
		k := id{c.strategy, c.conn, c.procs, c.extra}
		s := by[k]
		if s == nil {
			parts := []string{c.strategy, c.conn}
			if len(d.procsSet) > 1 {
				parts = append(parts, "gomaxprocs="+c.procs)
			}
			if c.extra != "" {
				parts = append(parts, strings.TrimPrefix(c.extra, "/"))
			}
			s = &Series{Name: strings.Join(parts, " "), Strategy: c.strategy, Conn: c.conn}
			by[k] = s
			ids = append(ids, k)
		}
		vals := c.vals[m.unit()]
		if len(vals) == 0 {
			continue
		}
		found = true
		med, lo, hi := summarize(vals)
		s.Points = append(s.Points, Point{X: float64(c.inflight), Y: med, Lo: lo, Hi: hi})
		s.Failed += sum(c.vals[metricErrors.unit()])
	}
	if !found {
		return nil, fmt.Errorf("plots: %s: no BenchmarkScale result reports %s", strings.Join(d.names, ", "), unit)
	}
	var out []Series
	for _, k := range ids {
		if s := by[k]; len(s.Points) > 0 {
			out = append(out, *s)
		}
	}
	return out, nil
}

// footnote says where the scale charts' numbers come from.
func (d *ScaleData) footnote() string {
	var base []string
	for _, n := range d.names {
		base = append(base, filepath.Base(n))
	}
	parts := []string{"sources: " + strings.Join(base, ", ")}
	if len(base) == 1 {
		parts[0] = "source: " + base[0]
	}
	switch len(d.commits) {
	case 0:
	case 1:
		parts = append(parts, "commit "+d.commits[0])
	default:
		parts = append(parts, "commits "+strings.Join(d.commits, ", "))
	}
	parts = append(parts, "server delay d = "+d.delayText()+" (the ideal batch time: all n requests in flight at once)")
	for _, kv := range [][2]string{{resultset.KeyGOMAXPROCS, "GOMAXPROCS "}, {resultset.KeyGo, ""}, {resultset.KeyCPU, "cpu: "}} {
		if v := d.Config(kv[0]); v != "" {
			parts = append(parts, kv[1]+v)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(d.skipped)) {
		parts = append(parts, fmt.Sprintf("not run at %s: %s", levelLabel(float64(n)), d.skipped[n]))
	}
	lo, hi := d.Runs()
	parts = append(parts, fmt.Sprintf("points: median of %s (-count), error bars: min–max", runsText(lo, hi, "run")))
	return strings.Join(parts, " · ")
}

// delayText returns the delays by level: "1s at 1k and 10k, 10s at 100k",
// or "1s" when every level has the same.
func (d *ScaleData) delayText() string {
	var ds []time.Duration
	at := map[time.Duration][]string{}
	for _, n := range d.Levels() {
		dl := d.delays[n]
		if !slices.Contains(ds, dl) {
			ds = append(ds, dl)
		}
		at[dl] = append(at[dl], levelLabel(float64(n)))
	}
	if len(ds) == 1 {
		return ds[0].String()
	}
	var parts []string
	for _, dl := range ds {
		levels := at[dl]
		list := strings.Join(levels, ", ")
		if len(levels) > 1 {
			list = strings.Join(levels[:len(levels)-1], ", ") + " and " + levels[len(levels)-1]
		}
		parts = append(parts, dl.String()+" at "+list)
	}
	return strings.Join(parts, ", ")
}
