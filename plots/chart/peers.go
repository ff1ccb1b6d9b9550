package chart

import (
	"errors"
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// FamilyPeers is the benchmark family scripts/peers writes
// (BenchmarkPeers/c=C/tool=T).
const FamilyPeers = "Peers"

// The tools of scripts/peers: crawlbench's own clients, then the peers.
const (
	toolFanout   = strategy.Fanout
	toolFastHTTP = strategy.FastHTTP
)

// isOurTool reports whether a peers tool is one of crawlbench's clients.
func isOurTool(tool string) bool {
	d, ok := strategy.Lookup(tool)
	return ok && d.In(strategy.FamilyPeers)
}

// toolRank orders the tools as scripts/peers lists them; unknown ones
// follow.
func toolRank(tool string) int {
	for i, t := range []string{toolFanout, toolFastHTTP, "wrk", "hey", "bombardier"} {
		if t == tool {
			return i
		}
	}
	return 100
}

// peersRules are the metrics of a BenchmarkPeers result that ReadPeers
// checks. A tool that served nothing has 0 req/s and no p99, which is
// drawn, not rejected.
func peersRules() []metricRule {
	return []metricRule{
		{metricReqS, nonNegative, true},
		{metricP99, nonNegative, true},
		{metricErrors, nonNegative, true},
		{metricWall, positive, false},
		{metricCPUPer1k, nonNegative, false},
	}
}

// peersCell is the rounds of one tool at one c.
type peersCell struct {
	c                  int
	tool, procs, extra string
	name               string
	vals               map[string][]float64
	res                []benchproc.Key
}

func (c *peersCell) rounds() int { return len(c.vals[metricReqS.unit()]) }

// PeersData is the BenchmarkPeers results of one peers results file,
// grouped by c and tool. Make it with ReadPeers.
type PeersData struct {
	name     string
	cells    []*peersCell // by c, then tool
	config   map[string]string
	commit   string
	procsSet []string
	warnings []string
}

// ReadPeers reads the results file scripts/peers writes: benchfmt lines
// BenchmarkPeers/c=C/tool=T, one per tool, c and round, with req/s, p99-ns,
// errors (and sec/op, cpu-ms-per-1k), followed by Markdown tables that
// benchfmt ignores. name is used in messages and footnotes. Other
// benchmarks are ignored, with a warning.
//
// It is an error if the input is empty, holds a benchmark line benchfmt
// cannot parse (garbled or cut short), holds no BenchmarkPeers result, a
// result lacks c= or tool= or one of req/s, p99-ns and errors, or a value
// is negative or not finite.
func ReadPeers(r io.Reader, name string) (*PeersData, error) {
	if name == "" {
		name = "<input>"
	}
	cellProj, extraProj, residue, err := projections("c", "tool")
	if err != nil {
		return nil, err
	}
	f := fieldsByName(cellProj)
	d := &PeersData{name: name, config: map[string]string{}}
	type groupKey struct{ cell, extra benchproc.Key }
	cells := map[groupKey]*peersCell{}
	mixed := map[string]bool{}
	families := []string{FamilyPeers}
	s, err := scanResults(r, name, families, func(res *benchfmt.Result) error {
		_, line := res.Pos()
		where := fmt.Sprintf("%s:%d: Benchmark%s", name, line, res.Name)
		ck := cellProj.Project(res)
		c := &peersCell{tool: ck.Get(f["/tool"]), procs: ck.Get(f["/gomaxprocs"])}
		v := ck.Get(f["/c"])
		if err := needKeys(FamilyPeers, "c", v, "tool", c.tool); err != nil {
			return fmt.Errorf("plots: %s: %w", where, err)
		}
		n, err := intKey(v, "c")
		if err != nil {
			return fmt.Errorf("plots: %s: %w", where, err)
		}
		c.c = n
		vals, err := checkedValues(res, FamilyPeers, peersRules())
		if err != nil {
			return fmt.Errorf("plots: %s: %w", where, err)
		}
		for _, cfg := range res.Config {
			if !cfg.File {
				continue
			}
			if old, ok := d.config[cfg.Key]; ok && old != string(cfg.Value) {
				mixed[cfg.Key] = true
			}
			if _, ok := d.config[cfg.Key]; !ok {
				d.config[cfg.Key] = string(cfg.Value)
			}
		}
		if !slices.Contains(d.procsSet, c.procs) {
			d.procsSet = append(d.procsSet, c.procs)
		}
		ek := extraProj.Project(res)
		c.extra = strings.TrimPrefix(ek.StringValues(), "*")
		gk := groupKey{ck, ek}
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
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.warnings = s.warnings(name, families)
	for k := range mixed {
		delete(d.config, k)
	}
	d.commit = fileCommit(d.Config)
	slices.SortStableFunc(d.cells, func(a, b *peersCell) int {
		if r := cmpInts(a.c, b.c, toolRank(a.tool), toolRank(b.tool)); r != 0 {
			return r
		}
		if r := strings.Compare(a.tool, b.tool); r != 0 {
			return r
		}
		if r := compareNumeric(a.procs, b.procs); r != 0 {
			return r
		}
		return strings.Compare(a.extra, b.extra)
	})
	var groups [][]benchproc.Key
	for _, c := range d.cells {
		groups = append(groups, c.res)
	}
	if diff := differingFields(groups); len(diff) > 0 {
		d.warnings = append(d.warnings, fmt.Sprintf("%s: rounds grouped together differ in %s (was the file concatenated from several runs?)",
			name, strings.Join(diff, ", ")))
	}
	for _, c := range d.cells {
		if failed := sum(c.vals[metricErrors.unit()]); failed > 0 {
			d.warnings = append(d.warnings, fmt.Sprintf("%s: Benchmark%s: %g failed requests over %s", name, c.name, failed, plural(c.rounds(), "round")))
		}
	}
	return d, nil
}

// Name returns the name the data was read under.
func (d *PeersData) Name() string { return d.name }

// Warnings returns what ReadPeers noticed but did not reject.
func (d *PeersData) Warnings() []string { return slices.Clone(d.warnings) }

// Config returns the value of a file configuration key if every result
// shares it, else "".
func (d *PeersData) Config(key string) string { return d.config[key] }

// Conns returns the c= values, ascending.
func (d *PeersData) Conns() []int {
	var out []int
	for _, c := range d.cells {
		if !slices.Contains(out, c.c) {
			out = append(out, c.c)
		}
	}
	slices.Sort(out)
	return out
}

// Rounds returns the smallest and largest number of rounds per tool and c.
func (d *PeersData) Rounds() (lo, hi int) { return runsRange(d.cells, (*peersCell).rounds) }

// Rows returns a Row per tool and c (Family FamilyPeers, Strategy the tool,
// C the connection count), in the order the chart uses.
func (d *PeersData) Rows() []Row {
	var rows []Row
	for _, c := range d.cells {
		rows = append(rows, Row{Family: FamilyPeers, Strategy: c.tool, C: c.c, Runs: c.rounds(), Metrics: summarizeAll(c.vals)})
	}
	return rows
}

// Bars returns a metric, as the file writes its unit ("req/s", "p99-ns",
// "cpu-ms-per-1k"), as grouped bars: conns are the c values, one Series
// per tool whose Point.X is the index of its c in conns, Y the median over
// the rounds and Lo, Hi their range, in the tidied unit (seconds for
// p99-ns). Series.Strategy is the tool; Name says "crawlbench … (ours)"
// for crawlbench's own clients. It is an error if no result has the metric.
func (d *PeersData) Bars(unit string) (conns []int, bars []Series, err error) {
	m := metric(unit)
	conns = d.Conns()
	type id struct{ tool, procs, extra string }
	var ids []id
	by := map[id]*Series{}
	found := false
	for _, c := range d.cells {
		k := id{c.tool, c.procs, c.extra}
		s := by[k]
		if s == nil {
			name := c.tool
			if isOurTool(c.tool) {
				name = "crawlbench " + c.tool + " (ours)"
			}
			if len(d.procsSet) > 1 {
				name += " gomaxprocs=" + c.procs
			}
			if c.extra != "" {
				name += " " + strings.TrimPrefix(c.extra, "/")
			}
			s = &Series{Name: name, Strategy: c.tool}
			by[k] = s
			ids = append(ids, k)
		}
		vals := c.vals[m.unit()]
		if len(vals) == 0 {
			continue
		}
		found = true
		med, lo, hi := summarize(vals)
		s.Points = append(s.Points, Point{X: float64(slices.Index(conns, c.c)), Y: med, Lo: lo, Hi: hi})
		s.Failed += sum(c.vals[metricErrors.unit()])
	}
	if !found {
		return nil, nil, fmt.Errorf("plots: %s: no BenchmarkPeers result reports %s", d.name, unit)
	}
	slices.SortStableFunc(ids, func(a, b id) int {
		if r := toolRank(a.tool) - toolRank(b.tool); r != 0 {
			return r
		}
		return strings.Compare(a.tool, b.tool)
	})
	for _, k := range ids {
		if s := by[k]; len(s.Points) > 0 {
			bars = append(bars, *s)
		}
	}
	return conns, bars, nil
}

// toolColor returns the fill of a tool's bars: crawlbench's clients in
// their strategy colours, the peers in greys (orange shades for tools
// peers does not know).
func toolColor(tool string, i int) color.Color {
	switch tool {
	case toolFanout, toolFastHTTP:
		return strategyColor(tool, i)
	case "wrk":
		return color.Gray{Y: 70}
	case "hey":
		return color.Gray{Y: 135}
	case "bombardier":
		return color.Gray{Y: 190}
	}
	return []color.Color{color.RGBA{0xE6, 0x9F, 0x00, 255}, color.RGBA{0xD5, 0x5E, 0x00, 255}, color.RGBA{0xCC, 0x79, 0xA7, 255}}[i%3]
}

// thousandsTicks are denseTicks labelled in thousands from 1000 up: 0,
// 20k, 40k.
type thousandsTicks struct{}

// Ticks implements plot.Ticker.
func (thousandsTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := denseTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" && math.Abs(t.Value) >= 1000 {
			ticks[i].Label = strconv.FormatFloat(roundSig(t.Value/1000, 6), 'g', 10, 64) + "k"
		}
	}
	return ticks
}

// formatRate formats a req/s bar label: 95k, 9.5k, 950.
func formatRate(v float64) string {
	switch {
	case v >= 9999.5:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 999.5:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// formatMs formats a latency bar label in milliseconds: 14, 2.1, 0.35.
func formatMs(v float64) string {
	switch {
	case v >= 9.95:
		return fmt.Sprintf("%.0f", v)
	case v >= 0.995:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// PeersChart draws the peers comparison as grouped bars, one group per
// connection count c (conns) and one bar per tool: throughput in req/s on
// the left, p99 latency in milliseconds on the right (p99 Y values in
// seconds); each bar the median of the rounds, its whisker their range,
// its value above it. Bars with X outside conns are an error, as is a
// throughput of 0 everywhere.
func PeersChart(conns []int, rps, p99 []Series) (*Chart, error) {
	if len(conns) == 0 || len(rps) == 0 || len(p99) == 0 {
		return nil, errors.New("plots: peers chart: no bars")
	}
	var ours, theirs []string
	for _, s := range rps {
		switch {
		case isOurTool(s.Strategy) && !slices.Contains(ours, s.Strategy):
			ours = append(ours, s.Strategy)
		case !isOurTool(s.Strategy) && !slices.Contains(theirs, s.Strategy):
			theirs = append(theirs, s.Strategy)
		}
	}
	title := "Closed loop at c connections: "
	switch {
	case len(ours) > 0 && len(theirs) > 0:
		title += "crawlbench's " + andList(ours) + " vs " + andList(theirs)
	case len(ours) > 0:
		title += "crawlbench's " + andList(ours)
	default:
		title += andList(theirs)
	}
	ch := &Chart{Title: title, Legend: newLegend()}
	var panels []*plot.Plot
	for j, group := range [][]Series{rps, p99} {
		title := []string{"throughput (higher is better)", "99th percentile latency (lower is better)"}[j]
		yLabel := []string{"requests per second (req/s)", "p99 latency (ms)"}[j]
		scale := []float64{1, 1e3}[j]
		format := []func(float64) string{formatRate, formatMs}[j]
		p := newPanel(title, "connections c (each tool's concurrency)", yLabel, false)
		ymax := 0.0
		width := 0.84 / float64(len(group))
		for i, s := range group {
			if err := checkPoints(s); err != nil {
				return nil, fmt.Errorf("plots: peers chart: %w", err)
			}
			pts := make([]Point, len(s.Points))
			for k, pt := range s.Points {
				if pt.X < 0 || int(pt.X) >= len(conns) || pt.X != math.Trunc(pt.X) {
					return nil, fmt.Errorf("plots: peers chart: series %q: x = %g is not an index in [0, %d)", s.Name, pt.X, len(conns))
				}
				if pt.Lo < 0 {
					return nil, fmt.Errorf("plots: peers chart: series %q: value %g < 0", s.Name, pt.Lo)
				}
				pts[k] = Point{X: pt.X, Y: pt.Y * scale, Lo: pt.Lo * scale, Hi: pt.Hi * scale}
				ymax = max(ymax, pts[k].Hi)
			}
			b := &barSet{
				pts:    pts,
				offset: (float64(i) - float64(len(group)-1)/2) * width,
				width:  width * 0.9,
				fill:   toolColor(s.Strategy, i),
				label:  textStyle(6.5, false, draw.XCenter, draw.YBottom),
				format: format,
			}
			p.Add(b)
			if j == 0 {
				ch.Legend.Add(s.Label(), b)
			}
		}
		if ymax <= 0 {
			if j == 0 {
				return nil, errors.New("plots: peers chart: every req/s is 0: did every request fail?")
			}
			ymax = 1
		}
		p.Y.Min, p.Y.Max = 0, ymax*1.1
		p.Y.Tick.Marker = denseTicks{}
		if j == 0 {
			p.Y.Tick.Marker = thousandsTicks{}
		}
		p.X.Min, p.X.Max = -0.5, float64(len(conns))-0.5
		ticks := make([]plot.Tick, len(conns))
		for i, c := range conns {
			ticks[i] = plot.Tick{Value: float64(i), Label: fmt.Sprintf("c = %d", c)}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Tick.Length = 0
		panels = append(panels, p)
	}
	ch.Panels = panels
	return ch, nil
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// footnote says where the peers chart's numbers come from.
func (d *PeersData) footnote() string {
	parts := []string{"source: " + filepath.Base(d.name)}
	if d.commit != "" {
		parts = append(parts, "commit "+d.commit)
	}
	if v := d.Config("peers-server"); v != "" {
		parts = append(parts, "server: "+v)
	}
	if dur, r := d.Config("peers-duration"), d.Config("peers-rounds"); dur != "" && r != "" {
		parts = append(parts, fmt.Sprintf("each tool runs %s per round, %s rounds, order rotating", dur, r))
	}
	for _, kv := range [][2]string{{resultset.KeyGOMAXPROCS, "GOMAXPROCS "}, {resultset.KeyPeersWrkThreads, "wrk threads "}} {
		if v := d.Config(kv[0]); v != "" {
			parts = append(parts, kv[1]+v)
		}
	}
	var versions []string
	for _, t := range []string{"wrk", "hey", "bombardier"} {
		if v := d.Config("peers-tool-" + t); v != "" {
			v, _, _ = strings.Cut(v, " Copyright")
			if !strings.HasPrefix(v, t) {
				v = t + " " + v
			}
			versions = append(versions, v)
		}
	}
	if len(versions) > 0 {
		parts = append(parts, "tools: "+strings.Join(versions, ", "))
	}
	lo, hi := d.Rounds()
	parts = append(parts, fmt.Sprintf("bars: median of %s, whiskers: min–max", runsText(lo, hi, "round")))
	return strings.Join(parts, " · ")
}

// PeersCharts renders the chart of a peers results file:
//
//	peers-throughput  req/s and p99 per c and tool, grouped bars
func PeersCharts(d *PeersData) (charts []NamedChart, notes []string, err error) {
	conns, rps, err := d.Bars(string(metricReqS))
	if err != nil {
		return nil, nil, err
	}
	_, p99, err := d.Bars(string(metricP99))
	if err != nil {
		return nil, nil, err
	}
	ch, err := PeersChart(conns, rps, p99)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%s)", err, d.name)
	}
	ch.Footnote = d.footnote()
	var tools []string
	for _, s := range rps {
		tools = append(tools, s.Strategy)
	}
	for _, want := range []string{toolFanout, toolFastHTTP, "wrk", "hey", "bombardier"} {
		if !slices.Contains(tools, want) {
			notes = append(notes, fmt.Sprintf("%s: no results of tool=%s: peers-throughput lacks its bars", d.name, want))
		}
	}
	return []NamedChart{{Base: "peers-throughput", Chart: ch}}, notes, nil
}
