package chart

import (
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"slices"
	"strings"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// Point is one plotted value: Y is the median over the -count runs of one
// benchmark configuration, Lo and Hi the smallest and largest run (the error
// bar). Units are the base units benchfmt gives: seconds, requests per
// second, or plain ratios.
type Point struct{ X, Y, Lo, Hi float64 }

// Series is one line (or one set of bars) of a chart.
type Series struct {
	Name     string // legend text, e.g. "fanout warm"
	Strategy string // the strategy= key; "" for series that are not one strategy
	Conn     string // the conn= key
	Points   []Point
	// Failed is the number of failed requests summed over every run of
	// every point. A series with failures says so in its legend.
	Failed float64
}

// Label returns the legend text: Name, plus the failure count when there
// were failures.
func (s Series) Label() string {
	if s.Failed > 0 {
		return fmt.Sprintf("%s [%g failed]", s.Name, s.Failed)
	}
	return s.Name
}

// summarize returns the median, the minimum and the maximum of xs, as
// bench/resultset summarises a cell (benchmath's median: the mean of the
// middle two for an even count). xs must not be empty.
func summarize(xs []float64) (med, lo, hi float64) {
	s := resultset.Summarize(xs)
	return s.Center, s.Min, s.Max
}

// seriesID is what tells series apart within one chart: every key but the
// family, the server and the key on the x axis.
type seriesID struct {
	strategy, conn, procs, extra string
	n, c                         int
}

// name returns the legend name of a series: strategy and conn, plus
// whatever else tells it apart.
func (d *Data) seriesName(id seriesID) string {
	parts := []string{id.strategy, id.conn}
	if len(d.procsSet) > 1 {
		parts = append(parts, "gomaxprocs="+id.procs)
	}
	if id.n > 0 {
		parts = append(parts, fmt.Sprintf("n=%d", id.n))
	}
	if id.c > 0 {
		parts = append(parts, fmt.Sprintf("c=%d", id.c))
	}
	if id.extra != "" {
		parts = append(parts, strings.TrimPrefix(id.extra, "/"))
	}
	return strings.Join(parts, " ")
}

// selectCells returns the cells of family (and server, unless server is
// ""), in plotting order.
func (d *Data) selectCells(family, server string) []*cell {
	var out []*cell
	for _, c := range d.cells {
		if c.family == family && (server == "" || c.server == server) {
			out = append(out, c)
		}
	}
	return out
}

// buildSeries groups cells into series by everything but the x key, with x
// taken from xKey ("c" or "n") and y from the metric m, scaled by scale.
func (d *Data) buildSeries(cells []*cell, xKey string, m metric, scale float64) []Series {
	var ids []seriesID
	byID := make(map[seriesID]*Series)
	for _, c := range cells {
		id := seriesID{strategy: c.strategy, conn: c.conn, procs: c.procs, extra: c.extra, n: c.n, c: c.c}
		x := float64(c.c)
		if xKey == "n" {
			id.n, x = 0, float64(c.n)
		} else {
			id.c = 0
		}
		s := byID[id]
		if s == nil {
			s = &Series{Name: d.seriesName(id), Strategy: c.strategy, Conn: c.conn}
			byID[id] = s
			ids = append(ids, id)
		}
		med, lo, hi := summarize(c.vals[m.unit()])
		s.Points = append(s.Points, Point{X: x, Y: med * scale, Lo: lo * scale, Hi: hi * scale})
		s.Failed += sum(c.vals[metricErrors.unit()])
	}
	out := make([]Series, 0, len(ids))
	for _, id := range ids {
		s := byID[id]
		slices.SortFunc(s.Points, func(a, b Point) int { return cmpFloat(a.X, b.X) })
		out = append(out, *s)
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// familyCells returns the cells of family at server, or an error that lists
// the servers the file does have.
func (d *Data) familyCells(family, server string) ([]*cell, error) {
	cells := d.selectCells(family, server)
	if len(cells) == 0 {
		have := d.Servers(family)
		if len(have) == 0 {
			return nil, fmt.Errorf("plots: %s: no Benchmark%s results", d.name, family)
		}
		return nil, fmt.Errorf("plots: %s: no Benchmark%s results for server=%s (have: %s)",
			d.name, family, server, strings.Join(have, ", "))
	}
	return cells, nil
}

// LatencyVsConcurrency returns the median (p50) and 99th percentile (p99)
// request latency, in seconds, against the concurrency c of the
// BenchmarkConcurrency results at server: one series per strategy and conn.
func (d *Data) LatencyVsConcurrency(server string) (p50, p99 []Series, err error) {
	cells, err := d.familyCells(FamilyConcurrency, server)
	if err != nil {
		return nil, nil, err
	}
	return d.buildSeries(cells, "c", metricP50, 1), d.buildSeries(cells, "c", metricP99, 1), nil
}

// ThroughputVsConcurrency returns the throughput (successful requests per
// second) against the concurrency c of the BenchmarkConcurrency results at
// server, one series per strategy and conn, and the server's capacity k/d
// in requests per second: the median capacity-rps metric if the results
// report it, else k from server=kN over the delay: configuration line; 0
// when the server has no capacity limit or it cannot be known.
func (d *Data) ThroughputVsConcurrency(server string) (series []Series, capacityRPS float64, err error) {
	cells, err := d.familyCells(FamilyConcurrency, server)
	if err != nil {
		return nil, 0, err
	}
	var caps []float64
	for _, c := range cells {
		caps = append(caps, c.vals[metricCapacity.unit()]...)
	}
	if len(caps) > 0 {
		capacityRPS, _, _ = summarize(caps)
	} else if k, ok := capacityOf(server); ok && d.delay > 0 {
		capacityRPS = float64(k) / d.delay.Seconds()
	}
	return d.buildSeries(cells, "c", metricReqS, 1), capacityRPS, nil
}

// WallVsN returns the wall time of one batch, in seconds, against the batch
// size n of the BenchmarkBatch results at server (one series per strategy
// and conn), and the model's ideal wall time (ideal-ns) for the same
// batches: one series per distinct ideal curve, named after the strategies
// that share it.
func (d *Data) WallVsN(server string) (measured, ideal []Series, err error) {
	cells, err := d.familyCells(FamilyBatch, server)
	if err != nil {
		return nil, nil, err
	}
	measured = d.buildSeries(cells, "n", metricWall, 1)
	all := d.buildSeries(cells, "n", metricIdeal, 1)
	var owners [][]string
	for _, s := range all {
		s.Failed = 0
		i := slices.IndexFunc(ideal, func(t Series) bool { return slices.Equal(t.Points, s.Points) })
		if i < 0 {
			ideal = append(ideal, s)
			owners = append(owners, nil)
			i = len(ideal) - 1
		}
		if !slices.Contains(owners[i], s.Strategy) {
			owners[i] = append(owners[i], s.Strategy)
		}
	}
	for i := range ideal {
		ideal[i].Name = "model ideal: " + strings.Join(owners[i], ", ")
		ideal[i].Conn = ""
	}
	return measured, ideal, nil
}

// SeedSpeedups returns, for the BenchmarkSeed results at batch size n, the
// speed-up of each strategy over sequential (sequential wall time ÷ the
// strategy's wall time, for the same conn) as bar series: Point.X is the
// index of the strategy in strategies, Y the ratio of the medians, Lo and Hi
// the ratio's range over the runs (min sequential ÷ max strategy, max ÷
// min). One series per conn ("Go warm", "Go cold"), then, when the seed
// published figures for n, one series with the seed's Python figures (see
// SeedFigures). A strategy without a Python twin gets only Go bars.
func (d *Data) SeedSpeedups(n int) (strategies []string, bars []Series, err error) {
	var cells []*cell
	for _, c := range d.selectCells(FamilySeed, "") {
		if c.n == n {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return nil, nil, fmt.Errorf("plots: %s: no BenchmarkSeed results for n=%d (have n: %s)", d.name, n, joinInts(d.SeedNs()))
	}
	python := seedPythonSpeedups(n)
	var pyCells []*cell // the seed's own Python clients run here (family python)
	cells = slices.DeleteFunc(cells, func(c *cell) bool {
		d, _ := strategy.Lookup(c.strategy)
		if d.IsPython() {
			pyCells = append(pyCells, c)
		}
		return d.IsPython()
	})
	if len(cells) == 0 {
		return nil, nil, fmt.Errorf("plots: %s: no Go BenchmarkSeed results for n=%d", d.name, n)
	}

	for _, c := range cells {
		if !slices.Contains(strategies, c.strategy) {
			strategies = append(strategies, c.strategy)
		}
	}
	for s := range python {
		if !slices.Contains(strategies, s) {
			strategies = append(strategies, s)
		}
	}
	slices.SortStableFunc(strategies, func(a, b string) int {
		if r := strategyRank(a) - strategyRank(b); r != 0 {
			return r
		}
		return strings.Compare(a, b)
	})

	type barID struct{ conn, procs, extra string }
	var ids []barID
	base := make(map[barID]*cell)
	for _, c := range cells {
		id := barID{c.conn, c.procs, c.extra}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		if c.strategy == strategy.Sequential {
			base[id] = c
		}
	}
	wall := metricWall.unit()
	if len(pyCells) > 0 {
		return d.seedSpeedupsHere(n, strategies, cells, pyCells, python)
	}
	for _, id := range ids {
		b := base[id]
		if b == nil {
			continue
		}
		bMed, bLo, bHi := summarize(b.vals[wall])
		name := "Go " + d.seriesName(seriesID{conn: id.conn, procs: id.procs, extra: id.extra})
		s := Series{Name: strings.Join(strings.Fields(name), " "), Conn: id.conn}
		for _, c := range cells {
			if (barID{c.conn, c.procs, c.extra}) != id {
				continue
			}
			med, lo, hi := summarize(c.vals[wall])
			x := float64(slices.Index(strategies, c.strategy))
			s.Points = append(s.Points, Point{X: x, Y: bMed / med, Lo: bLo / hi, Hi: bHi / lo})
			s.Failed += sum(c.vals[metricErrors.unit()])
		}
		bars = append(bars, s)
	}
	if len(bars) == 0 {
		return nil, nil, fmt.Errorf("plots: %s: no BenchmarkSeed results for strategy=sequential at n=%d: a speed-up needs that baseline", d.name, n)
	}
	if len(python) > 0 {
		py := Series{Name: seedPythonName(n)}
		for i, s := range strategies {
			if v, ok := python[s]; ok {
				py.Points = append(py.Points, Point{X: float64(i), Y: v, Lo: v, Hi: v})
			}
		}
		bars = append(bars, py)
	}
	return strategies, bars, nil
}

// PythonHere is the legend prefix of the speed-up bars of the seed's own
// Python clients run on this machine.
const PythonHere = "Python, this machine"

// seedSpeedupsHere returns the three bars per strategy of a file with the
// seed's Python clients: the seed's laptop figure, the py twin here (÷
// py-sequential) and the Go strategy here (÷ sequential), both cold (a
// connection per request, as the seed's code did) when the file has cold
// rows.
func (d *Data) seedSpeedupsHere(n int, strategies []string, cells, pyCells []*cell, python map[string]float64) ([]string, []Series, error) {
	conn := "warm"
	for _, c := range cells {
		if c.conn == "cold" {
			conn = "cold"
		}
	}
	wall := metricWall.unit()
	speedups := func(name string, cs []*cell, baseline string, x func(strategyName string) (int, bool)) (Series, bool) {
		s := Series{Name: name, Conn: conn}
		var b *cell
		for _, c := range cs {
			if c.conn == conn && c.strategy == baseline {
				b = c
			}
		}
		if b == nil {
			return s, false
		}
		bMed, bLo, bHi := summarize(b.vals[wall])
		for _, c := range cs {
			i, ok := x(c.strategy)
			if c.conn != conn || !ok {
				continue
			}
			med, lo, hi := summarize(c.vals[wall])
			s.Points = append(s.Points, Point{X: float64(i), Y: bMed / med, Lo: bLo / hi, Hi: bHi / lo})
			s.Failed += sum(c.vals[metricErrors.unit()])
		}
		slices.SortFunc(s.Points, func(a, b Point) int { return int(a.X - b.X) })
		return s, len(s.Points) > 0
	}
	var bars []Series
	if len(python) > 0 {
		py := Series{Name: seedPythonName(n)}
		for i, s := range strategies {
			if v, ok := python[s]; ok {
				py.Points = append(py.Points, Point{X: float64(i), Y: v, Lo: v, Hi: v})
			}
		}
		bars = append(bars, py)
	}
	pySeq, _ := strategy.PythonTwin(strategy.Sequential)
	here, ok := speedups(fmt.Sprintf("%s, %s (÷ %s)", PythonHere, conn, pySeq.Name), pyCells, pySeq.Name, func(name string) (int, bool) {
		dsc, _ := strategy.Lookup(name)
		i := slices.Index(strategies, dsc.GoTwin)
		return i, i >= 0
	})
	if ok {
		bars = append(bars, here)
	}
	goBars, ok := speedups(fmt.Sprintf("Go, this machine, %s (÷ %s)", conn, strategy.Sequential), cells, strategy.Sequential, func(name string) (int, bool) {
		i := slices.Index(strategies, name)
		return i, i >= 0
	})
	if !ok {
		return nil, nil, fmt.Errorf("plots: %s: no BenchmarkSeed results for strategy=sequential conn=%s at n=%d: a speed-up needs that baseline", d.name, conn, n)
	}
	return strategies, append(bars, goBars), nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// Row summarises one benchmark configuration for a table.
type Row struct {
	Family, Server, Strategy, Conn string
	N, C                           int // the n= and c= keys, 0 when absent
	Runs                           int // results (-count runs) behind the medians
	// Metrics maps each tidied unit ("sec/op", "p99-sec", "req/s",
	// "overhead-x", …) to the median of the runs, with the smallest and
	// largest run as Lo and Hi. X is unused.
	Metrics map[string]Point
}

// Rows returns a Row per configuration of family, in the order charts use.
func (d *Data) Rows(family string) []Row {
	var rows []Row
	for _, c := range d.cells {
		if c.family != family {
			continue
		}
		rows = append(rows, Row{Family: c.family, Server: c.server, Strategy: c.strategy, Conn: c.conn, N: c.n, C: c.c, Runs: c.runs(), Metrics: summarizeAll(c.vals)})
	}
	return rows
}

// summarizeAll returns the median and range of every unit's runs.
func summarizeAll(vals map[string][]float64) map[string]Point {
	out := make(map[string]Point, len(vals))
	for unit, xs := range vals {
		if len(xs) > 0 {
			med, lo, hi := summarize(xs)
			out[unit] = Point{Y: med, Lo: lo, Hi: hi}
		}
	}
	return out
}

// runsRange returns the smallest and largest of the run counts of cells.
func runsRange[C any](cells []C, runs func(C) int) (lo, hi int) {
	for i, c := range cells {
		n := runs(c)
		if i == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return lo, hi
}
