package chart

import (
	"errors"
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Axis labels shared by the charts.
const (
	labelConcurrency = "client concurrency c (requests in flight)"
	labelLatency     = "request latency (ms)"
)

// describeServer returns a chart title's name for a server= value.
func describeServer(server string) string {
	if k, ok := capacityOf(server); ok {
		return fmt.Sprintf("server %s (at most %d requests at a time)", server, k)
	}
	switch server {
	case "unlimited":
		return "server unlimited (no capacity limit)"
	case "uniform", "exp", "lognormal":
		return fmt.Sprintf("server %s (variable latency)", server)
	}
	return "server " + server
}

// LatencyChart draws the p50 and p99 request latency against concurrency
// at one server, in two panels (p50 left, p99 right) that share a log y
// axis in milliseconds; x is log2. Series Y values are in seconds.
func LatencyChart(server string, p50, p99 []Series) (*Chart, error) {
	if len(p50) == 0 || len(p99) == 0 {
		return nil, fmt.Errorf("plots: latency chart for server=%s: no series", server)
	}
	ch := &Chart{
		Title:  "Request latency vs concurrency, " + describeServer(server),
		Legend: newLegend(),
	}
	const ms = 1e3
	ext := newExtent()
	var panels []*plot.Plot
	for j, group := range [][]Series{p50, p99} {
		title := []string{"median latency (p50)", "99th percentile latency (p99)"}[j]
		p := newPanel(title, labelConcurrency, labelLatency, true)
		for i, s := range group {
			thumbs, err := addSeries(p, &ext, s, styleFor(s, i), ms)
			if err != nil {
				return nil, fmt.Errorf("plots: latency chart for server=%s: %w", server, err)
			}
			if j == 0 {
				ch.Legend.Add(s.Label(), thumbs...)
			}
		}
		panels = append(panels, p)
	}
	for _, p := range panels {
		if err := setAxis(&p.X, log2Axis, ext.xlo, ext.xhi); err != nil {
			return nil, fmt.Errorf("plots: latency chart for server=%s: %w", server, err)
		}
		p.X.Tick.Marker = log2Ticks{maxLabels: 6} // two panels side by side: half the width each
		if err := setAxis(&p.Y, log10Axis, ext.ylo, ext.yhi); err != nil {
			return nil, fmt.Errorf("plots: latency chart for server=%s: %w", server, err)
		}
	}
	ch.Panels = panels
	return ch, nil
}

// ThroughputChart draws throughput against concurrency at one server, on
// log–log axes (x log2), with the server's capacity k/d as a horizontal
// dashed line when capacityRPS > 0.
func ThroughputChart(server string, series []Series, capacityRPS float64) (*Chart, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("plots: throughput chart for server=%s: no series", server)
	}
	if capacityRPS < 0 || math.IsNaN(capacityRPS) || math.IsInf(capacityRPS, 0) {
		return nil, fmt.Errorf("plots: throughput chart for server=%s: capacity %g req/s: want ≥ 0 and finite", server, capacityRPS)
	}
	ch := &Chart{
		Title:  "Throughput vs concurrency, " + describeServer(server),
		Legend: newLegend(),
	}
	p := newPanel("successful requests per second (higher is better)", labelConcurrency, "throughput (req/s)", true)
	// The axes first, so that the capacity line can go under the data.
	ext := newExtent()
	for _, s := range series {
		if err := checkPoints(s); err != nil {
			return nil, fmt.Errorf("plots: throughput chart for server=%s: %w", server, err)
		}
		for _, pt := range s.Points {
			ext.addX(pt.X)
			ext.addY(pt.Lo)
			ext.addY(pt.Hi)
		}
	}
	if capacityRPS > 0 {
		ext.addY(capacityRPS)
	}
	if err := setAxis(&p.X, log2Axis, ext.xlo, ext.xhi); err != nil {
		return nil, fmt.Errorf("plots: throughput chart for server=%s: %w", server, err)
	}
	if err := setAxis(&p.Y, log10Axis, ext.ylo, ext.yhi); err != nil {
		return nil, fmt.Errorf("plots: throughput chart for server=%s: %w", server, err)
	}
	var capLine *plotter.Line
	if capacityRPS > 0 {
		var err error
		capLine, err = hline(p, capacityRPS, draw.LineStyle{
			Color:  color.RGBA{0xC0, 0x00, 0x00, 255},
			Width:  vg.Points(1.2),
			Dashes: []vg.Length{vg.Points(6), vg.Points(3)},
		})
		if err != nil {
			return nil, fmt.Errorf("plots: throughput chart for server=%s: %w", server, err)
		}
	}
	for i, s := range series {
		thumbs, err := addSeries(p, &ext, s, styleFor(s, i), 1)
		if err != nil {
			return nil, fmt.Errorf("plots: throughput chart for server=%s: %w", server, err)
		}
		ch.Legend.Add(s.Label(), thumbs...)
	}
	if capLine != nil {
		ch.Legend.Add(fmt.Sprintf("server capacity k/d = %s req/s", formatTick(roundSig(capacityRPS, 4))), capLine)
	}
	ch.Panels = []*plot.Plot{p}
	return ch, nil
}

// WallChart draws the wall time of one batch against the batch size n, on
// log–log axes in seconds, with the model's ideal curves dashed.
func WallChart(server string, measured, ideal []Series) (*Chart, error) {
	if len(measured) == 0 {
		return nil, fmt.Errorf("plots: batch wall-time chart for server=%s: no series", server)
	}
	ch := &Chart{
		Title:  "Batch wall time vs batch size, " + describeServer(server),
		Legend: newLegend(),
	}
	p := newPanel("wall time of one batch of n requests (lower is better)", "batch size n (requests)", "wall time per batch (s)", true)
	ext := newExtent()
	for i, s := range measured {
		thumbs, err := addSeries(p, &ext, s, styleFor(s, i), 1)
		if err != nil {
			return nil, fmt.Errorf("plots: batch wall-time chart for server=%s: %w", server, err)
		}
		ch.Legend.Add(s.Label(), thumbs...)
	}
	for i, s := range ideal {
		thumbs, err := addSeries(p, &ext, s, idealStyle(s, i), 1)
		if err != nil {
			return nil, fmt.Errorf("plots: batch wall-time chart for server=%s: %w", server, err)
		}
		ch.Legend.Add(s.Label(), thumbs...)
	}
	if err := setAxis(&p.X, log10Axis, ext.xlo, ext.xhi); err != nil {
		return nil, fmt.Errorf("plots: batch wall-time chart for server=%s: %w", server, err)
	}
	if err := setAxis(&p.Y, log10Axis, ext.ylo, ext.yhi); err != nil {
		return nil, fmt.Errorf("plots: batch wall-time chart for server=%s: %w", server, err)
	}
	ch.Panels = []*plot.Plot{p}
	return ch, nil
}

// SpeedupChart draws the seed's table as grouped bars: for each strategy,
// its speed-up over sequential in each bar series (Go warm, Go cold, the
// seed's Python figures), labelled with the value; error bars show the
// range over the runs. Bars with X outside strategies are an error.
func SpeedupChart(n int, strategies []string, bars []Series) (*Chart, error) {
	if len(strategies) == 0 || len(bars) == 0 {
		return nil, fmt.Errorf("plots: speed-up chart for n=%d: no bars", n)
	}
	ch := &Chart{
		Title:  fmt.Sprintf("Speed-up over sequential, batches of n = %d requests (Go: this suite; Python: the seed)", n),
		Legend: newLegend(),
	}
	if slices.ContainsFunc(bars, func(s Series) bool { return strings.HasPrefix(s.Name, PythonHere) }) {
		ch.Title = fmt.Sprintf("Speed-up over sequential, batches of n = %d requests (the seed's laptop; Python and Go on this machine)", n)
	}
	p := newPanel("sequential wall time ÷ strategy wall time (higher is better)", "strategy", "speed-up over sequential (×)", false)
	ymax := 0.0
	width := 0.8 / float64(len(bars))
	for i, s := range bars {
		if err := checkPoints(s); err != nil {
			return nil, fmt.Errorf("plots: speed-up chart for n=%d: %w", n, err)
		}
		for _, pt := range s.Points {
			if pt.X < 0 || int(pt.X) >= len(strategies) || pt.X != math.Trunc(pt.X) {
				return nil, fmt.Errorf("plots: speed-up chart for n=%d: series %q: x = %g is not a strategy index in [0, %d)", n, s.Name, pt.X, len(strategies))
			}
			if pt.Lo < 0 {
				return nil, fmt.Errorf("plots: speed-up chart for n=%d: series %q: speed-up %g < 0", n, s.Name, pt.Lo)
			}
			ymax = max(ymax, pt.Hi)
		}
		b := &barSet{
			pts:    s.Points,
			offset: (float64(i) - float64(len(bars)-1)/2) * width,
			width:  width * 0.92,
			fill:   barColor(s, i),
			label:  textStyle(7.5, false, draw.XCenter, draw.YBottom),
		}
		p.Add(b)
		ch.Legend.Add(s.Label(), b)
	}
	if ymax <= 0 {
		return nil, fmt.Errorf("plots: speed-up chart for n=%d: every speed-up is 0", n)
	}
	p.Y.Min, p.Y.Max = 0, ymax*1.1
	p.Y.Tick.Marker = linearTicks{}
	p.X.Min, p.X.Max = -0.5, float64(len(strategies))-0.5
	ticks := make([]plot.Tick, len(strategies))
	for i, s := range strategies {
		ticks[i] = plot.Tick{Value: float64(i), Label: s}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Tick.Length = 0
	l, err := hline(p, 1, draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}})
	if err != nil {
		return nil, fmt.Errorf("plots: speed-up chart for n=%d: %w", n, err)
	}
	ch.Legend.Add("1× = as fast as sequential", l)
	ch.Panels = []*plot.Plot{p}
	return ch, nil
}

// barColor returns the fill of a bar series: blues for Go (dark warm,
// light cold), orange for the seed's Python figures.
func barColor(s Series, i int) color.Color {
	switch {
	case strings.HasPrefix(s.Name, PythonHere):
		return color.RGBA{0xCC, 0x79, 0xA7, 255}
	case s.Strategy == "" && s.Conn == "" && strings.HasPrefix(s.Name, "Python"):
		return color.RGBA{0xE6, 0x9F, 0x00, 255}
	case s.Conn == "warm":
		return color.RGBA{0x00, 0x72, 0xB2, 255}
	case s.Conn == "cold":
		return color.RGBA{0x56, 0xB4, 0xE9, 255}
	}
	return color.Gray{Y: uint8(80 + 40*(i%4))}
}

// roundSig rounds v to sig significant digits.
func roundSig(v float64, sig int) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow10(sig - 1 - int(math.Floor(math.Log10(math.Abs(v)))))
	return math.Round(v*p) / p
}

// NamedChart is a chart and the base name of its files.
type NamedChart struct {
	Base  string // file name without extension, e.g. "concurrency-latency-k64"
	Chart *Chart
}

// Charts renders every chart d holds the data for:
//
//	concurrency-latency-SERVER     p50 and p99 latency vs c, per server (BenchmarkConcurrency)
//	concurrency-throughput-SERVER  req/s vs c with the k/d capacity line, per server
//	batch-wall-SERVER              wall time vs n with the model's ideal, per server (BenchmarkBatch)
//	seed-speedup-nN                speed-up over sequential, Go vs the seed's Python, per n (BenchmarkSeed)
//
// notes says which charts were skipped because their benchmarks are absent.
// An error means the data could not be drawn.
func Charts(d *Data) (charts []NamedChart, notes []string, err error) {
	foot := d.footnote()
	add := func(base string, ch *Chart, err error) error {
		if err != nil {
			return err
		}
		ch.Footnote = foot
		charts = append(charts, NamedChart{Base: base, Chart: ch})
		return nil
	}

	servers := d.Servers(FamilyConcurrency)
	if len(servers) == 0 {
		notes = append(notes, "no BenchmarkConcurrency results: skipping the concurrency-latency-* and concurrency-throughput-* charts")
	}
	for _, srv := range servers {
		p50, p99, err := d.LatencyVsConcurrency(srv)
		if err != nil {
			return nil, nil, err
		}
		ch, err := LatencyChart(srv, p50, p99)
		if err := add("concurrency-latency-"+fileSafe(srv), ch, err); err != nil {
			return nil, nil, err
		}
		tp, capacity, err := d.ThroughputVsConcurrency(srv)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := capacityOf(srv); ok && capacity == 0 {
			notes = append(notes, fmt.Sprintf("server=%s: no capacity-rps metric and no delay: line, so the throughput chart has no capacity line", srv))
		}
		ch, err = ThroughputChart(srv, tp, capacity)
		if err := add("concurrency-throughput-"+fileSafe(srv), ch, err); err != nil {
			return nil, nil, err
		}
	}

	servers = d.Servers(FamilyBatch)
	if len(servers) == 0 {
		notes = append(notes, "no BenchmarkBatch results: skipping the batch-wall-* charts")
	}
	for _, srv := range servers {
		measured, ideal, err := d.WallVsN(srv)
		if err != nil {
			return nil, nil, err
		}
		ch, err := WallChart(srv, measured, ideal)
		if err := add("batch-wall-"+fileSafe(srv), ch, err); err != nil {
			return nil, nil, err
		}
	}

	ns := d.SeedNs()
	if len(ns) == 0 {
		notes = append(notes, "no BenchmarkSeed results: skipping the seed-speedup-* charts")
	}
	for _, n := range ns {
		strategies, bars, err := d.SeedSpeedups(n)
		if err != nil {
			notes = append(notes, fmt.Sprintf("skipping seed-speedup-n%d: %v", n, err))
			continue
		}
		ch, err := SpeedupChart(n, strategies, bars)
		if err := add(fmt.Sprintf("seed-speedup-n%d", n), ch, err); err != nil {
			return nil, nil, err
		}
	}
	if len(charts) == 0 {
		return nil, notes, fmt.Errorf("plots: %s: %w", d.name, errNothingToPlot)
	}
	return charts, notes, nil
}

// fileSafe maps a server name to a file-name part: letters, digits, '-',
// '_' and '.' stay, anything else becomes '_'.
func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// footnote says where a chart's numbers come from.
func (d *Data) footnote() string {
	parts := []string{"source: " + filepath.Base(d.name)}
	if c := d.Config(resultset.KeyCommit); c != "" {
		if len(c) > 12 {
			c = c[:12]
		}
		if d.Config(resultset.KeyDirty) == "true" {
			c += " (dirty)"
		}
		parts = append(parts, "commit "+c)
	}
	if d.delay > 0 {
		parts = append(parts, "delay d = "+d.delay.String())
	}
	for _, kv := range [][2]string{{resultset.KeyGOMAXPROCS, "GOMAXPROCS "}, {resultset.KeyProcs, "worker processes P = "}, {resultset.KeyGo, ""}, {resultset.KeyCPU, "cpu: "}} {
		if v := d.Config(kv[0]); v != "" {
			parts = append(parts, kv[1]+v)
		}
	}
	lo, hi := d.Runs()
	runs := fmt.Sprint(lo)
	if hi != lo {
		runs = fmt.Sprintf("%d–%d", lo, hi)
	}
	parts = append(parts, fmt.Sprintf("points: median of %s runs, error bars: min–max", runs))
	return strings.Join(parts, " · ")
}

// errNothingToPlot is Charts' error for a file none of its charts can use.
var errNothingToPlot = errors.New("nothing to plot")
