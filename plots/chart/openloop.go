package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/crawlbench/crawlbench/bench/histlog"
	"github.com/crawlbench/crawlbench/bench/resultset"
)

// The families of bench/openloop.
const (
	FamilyOpenLoop = "OpenLoop"
	FamilyStall    = "Stall"
	FamilyPacer    = "Pacer"
)

// openCell is one sub-benchmark of a bench/openloop file: its keys and,
// per metric (written unit, e.g. "p99-ns", values in ns or as written),
// one value per run.
type openCell struct {
	name string
	keys map[string]string
	vals map[string][]float64
}

// OpenLoopData is a bench/openloop results file: its cells in file order.
type OpenLoopData struct {
	name     string
	cells    []*openCell
	warnings []string
}

// Warnings returns what the reader noticed but did not reject.
func (d *OpenLoopData) Warnings() []string { return slices.Clone(d.warnings) }

// ReadOpenLoop reads the BenchmarkOpenLoop, BenchmarkStall and
// BenchmarkPacer results of a bench/openloop results file, refusing what
// every reader refuses (see scanResults); failed requests are kept and
// shown in the legends.
func ReadOpenLoop(r io.Reader, name string) (*OpenLoopData, error) {
	d := &OpenLoopData{name: name}
	byName := map[string]*openCell{}
	families := []string{FamilyOpenLoop, FamilyStall, FamilyPacer}
	sc, err := scanResults(r, name, families, func(res *benchfmt.Result) error {
		full := string(res.Name.Full())
		if i := strings.LastIndexByte(full, '-'); i > 0 {
			if _, err := strconv.Atoi(full[i+1:]); err == nil {
				full = full[:i] // the -GOMAXPROCS suffix
			}
		}
		c := byName[full]
		if c == nil {
			c = &openCell{name: full, keys: map[string]string{}, vals: map[string][]float64{}}
			parts := strings.Split(full, "/")
			c.keys["family"] = parts[0]
			for _, p := range parts[1:] {
				k, v, _ := strings.Cut(p, "=")
				c.keys[k] = v
			}
			byName[full] = c
			d.cells = append(d.cells, c)
		}
		for _, v := range res.Values {
			u, x := v.OrigUnit, v.OrigValue
			if u == "" {
				u, x = v.Unit, v.Value
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("plots: %s: Benchmark%s: %s is %v", name, full, u, x)
			}
			c.vals[u] = append(c.vals[u], x)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.warnings = sc.warnings(name, families)
	return d, nil
}

// openLoopCharts draws a bench/openloop results file (ok: b holds
// BenchmarkOpenLoop, Stall or Pacer results; then err says whether it
// could be drawn): its hockey-stick charts and the reader's warnings.
func openLoopCharts(b []byte, name string) (charts []NamedChart, warnings []string, ok bool, err error) {
	for _, res := range resultset.Parse(name, b).Results {
		switch string(res.Name.Base()) {
		case FamilyOpenLoop, FamilyStall, FamilyPacer:
			ok = true
		}
	}
	if !ok {
		return nil, nil, false, nil
	}
	d, err := ReadOpenLoop(bytes.NewReader(b), name)
	if err != nil {
		return nil, nil, true, err
	}
	charts, err = d.HockeyCharts()
	return charts, d.Warnings(), true, err
}

// point returns the median (and range) of metric over c's runs, scaled.
func (c *openCell) point(x float64, metric string, scale float64) (Point, bool) {
	vs := c.vals[metric]
	if len(vs) == 0 {
		return Point{}, false
	}
	med, lo, hi := summarize(vs)
	return Point{X: x, Y: med * scale, Lo: lo * scale, Hi: hi * scale}, true
}

// failed returns the failed requests over c's runs.
func (c *openCell) failed() float64 { return sum(c.vals["errors"]) }

// HockeyCharts draws, per server and arrival process, the latency hockey
// stick: p50, p99 and p99.9 (corrected) against the offered rate, one
// line per strategy, the exact FIFO model dashed, and the knee k/d marked.
func (d *OpenLoopData) HockeyCharts() ([]NamedChart, error) {
	type group struct {
		server, arrival string
		cells           []*openCell
	}
	var groups []*group
	for _, c := range d.cells {
		if c.keys["family"] != FamilyOpenLoop {
			continue
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.server == c.keys["server"] && g.arrival == c.keys["arrival"] })
		if i < 0 {
			groups = append(groups, &group{server: c.keys["server"], arrival: c.keys["arrival"]})
			i = len(groups) - 1
		}
		groups[i].cells = append(groups[i].cells, c)
	}
	var out []NamedChart
	for _, g := range groups {
		ch, err := d.hockey(g.server, g.arrival, g.cells)
		if err != nil {
			return nil, err
		}
		out = append(out, NamedChart{Base: "openloop-hockey-" + fileSafe(g.server) + "-" + fileSafe(g.arrival), Chart: ch})
	}
	return out, nil
}

func (d *OpenLoopData) hockey(server, arrival string, cells []*openCell) (*Chart, error) {
	const ms = 1e3 / 1e9 // ns → ms
	ch := &Chart{
		Title:    fmt.Sprintf("Latency vs offered rate (open loop, %s arrivals), %s", arrival, describeServer(server)),
		Legend:   newLegend(),
		Footnote: "corrected latency (from each request's intended send time) · model dashed: exact FIFO queue over the same schedule · " + sourceLabel(d.name),
	}
	capacity := 0.0
	for _, c := range cells {
		if v := c.vals["capacity-rps"]; len(v) > 0 {
			capacity = v[0]
		}
	}
	var strategies []string
	for _, c := range cells {
		if !slices.Contains(strategies, c.keys["strategy"]) {
			strategies = append(strategies, c.keys["strategy"])
		}
	}
	ext := newExtent()
	var panels []*plot.Plot
	for j, pct := range []string{"p50", "p99", "p99.9"} {
		p := newPanel(pct, "offered rate (req/s)", labelLatency, true)
		var model Series
		for i, st := range strategies {
			s := Series{Name: st, Strategy: st}
			for _, c := range cells {
				if c.keys["strategy"] != st {
					continue
				}
				x := median(c.vals["target-req/s"])
				pt, ok := c.point(x, pct+"-ns", ms)
				if !ok {
					return nil, fmt.Errorf("plots: %s: Benchmark%s: no %s-ns", d.name, c.name, pct)
				}
				s.Points = append(s.Points, pt)
				s.Failed += c.failed()
				if i == 0 {
					if mp, ok := c.point(x, "model-"+pct+"-ns", ms); ok {
						model.Points = append(model.Points, mp)
					}
				}
			}
			slices.SortFunc(s.Points, func(a, b Point) int { return cmpFloat(a.X, b.X) })
			thumbs, err := addSeries(p, &ext, s, styleFor(s, i), 1)
			if err != nil {
				return nil, fmt.Errorf("plots: hockey chart %s: %w", server, err)
			}
			if j == 0 {
				ch.Legend.Add(s.Label(), thumbs...)
			}
		}
		if len(model.Points) > 0 {
			model.Name = "model (FIFO queue)"
			slices.SortFunc(model.Points, func(a, b Point) int { return cmpFloat(a.X, b.X) })
			st := seriesStyle{line: draw.LineStyle{Color: color.Black, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}}
			thumbs, err := addSeries(p, &ext, model, st, 1)
			if err != nil {
				return nil, fmt.Errorf("plots: hockey chart %s: %w", server, err)
			}
			if j == 0 {
				ch.Legend.Add(model.Name, thumbs...)
			}
		}
		panels = append(panels, p)
	}
	if capacity > 0 {
		ext.addX(capacity)
	}
	for _, p := range panels {
		if err := setAxis(&p.X, linearAxis, ext.xlo, ext.xhi); err != nil {
			return nil, fmt.Errorf("plots: hockey chart %s: %w", server, err)
		}
		if err := setAxis(&p.Y, log10Axis, ext.ylo, ext.yhi); err != nil {
			return nil, fmt.Errorf("plots: hockey chart %s: %w", server, err)
		}
		if capacity > 0 {
			knee, err := plotter.NewLine(plotter.XYs{{X: capacity, Y: p.Y.Min}, {X: capacity, Y: p.Y.Max}})
			if err != nil {
				return nil, fmt.Errorf("plots: hockey chart %s: %w", server, err)
			}
			knee.LineStyle = draw.LineStyle{Color: color.RGBA{0xC0, 0, 0, 255}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
			p.Add(knee)
			if p == panels[0] {
				ch.Legend.Add(fmt.Sprintf("knee k/d = %s req/s", formatTick(roundSig(capacity, 4))), knee)
			}
		}
	}
	ch.Panels = panels
	return ch, nil
}

// median is the median of xs (0 for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	m, _, _ := summarize(xs)
	return m
}

// StallSpectrum draws the stall experiment's percentile spectra from the
// histogram log of a bench/openloop run: closed and open loop, each
// corrected (solid) and uncorrected (dashed), and model.Stall's
// prediction (hist=model…, dotted grey) where the log holds it.
func StallSpectrum(entries []histlog.Entry, footnote string) (*NamedChart, error) {
	var stall []histlog.Entry
	for _, e := range entries {
		if strings.HasPrefix(e.Cell, FamilyStall+"/") {
			stall = append(stall, e)
		}
	}
	if len(stall) == 0 {
		return nil, nil
	}
	merged, order, err := histlog.Merged(stall)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	ch := &Chart{Title: "Stall: latency spectrum, closed vs open loop, corrected vs uncorrected", Legend: newLegend(), Footnote: footnote}
	p := newPanel("server paused for a known window (SIGSTOP), same mean rate", "percentile (log scale of 1/(1−p))", labelLatency, true)
	ext := newExtent()
	for _, cell := range order {
		loop, kind := "", ""
		for _, part := range strings.Split(cell, "/") {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "loop":
				loop = v
			case "hist":
				kind = v
			}
		}
		s, err := SpectrumSeries(loop+" loop, "+strings.ReplaceAll(kind, "-", " "), "", "", merged[cell])
		if err != nil {
			return nil, err
		}
		c := color.Color(color.RGBA{0x00, 0x72, 0xB2, 255}) // open: blue
		if loop == "closed" {
			c = color.RGBA{0xD5, 0x5E, 0x00, 255} // closed: vermillion
		}
		st := seriesStyle{line: draw.LineStyle{Color: c, Width: vg.Points(1.6)}}
		switch {
		case kind == "uncorrected":
			st.line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		case strings.HasPrefix(kind, "model"): // model.Stall's prediction: thin, dotted
			st.line.Width = vg.Points(1)
			st.line.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
			st.line.Color = color.Gray{Y: 40}
			if loop == "closed" {
				st.line.Color = color.Gray{Y: 130}
			}
		}
		thumbs, err := addSeries(p, &ext, s, st, 1e3)
		if err != nil {
			return nil, fmt.Errorf("plots: stall spectrum: %w", err)
		}
		ch.Legend.Add(s.Label(), thumbs...)
	}
	if err := setAxis(&p.X, log10Axis, ext.xlo, ext.xhi); err != nil {
		return nil, fmt.Errorf("plots: stall spectrum: %w", err)
	}
	p.X.Min = 1
	p.X.Tick.Marker = percentileTicks{}
	if err := setAxis(&p.Y, log10Axis, ext.ylo, ext.yhi); err != nil {
		return nil, fmt.Errorf("plots: stall spectrum: %w", err)
	}
	ch.Panels = []*plot.Plot{p}
	return &NamedChart{Base: "openloop-stall-spectrum", Chart: ch}, nil
}
