package chart

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/crawlbench/crawlbench/bench/breakdown"
	"github.com/crawlbench/crawlbench/bench/resultset"
)

// BreakdownRow is one benchmark's overhead breakdown (-breakdown, package
// bench/breakdown), in ms per batch, medians over its runs.
type BreakdownRow struct {
	Name     string    // the benchmark, without "Benchmark" and -GOMAXPROCS
	Ideal    float64   // the model's batch time
	Excess   float64   // measured − ideal
	Parts    []float64 // in the order of breakdown.Parts()
	Residual float64   // Excess − Σ Parts; negative when parts overlap
}

// ReadBreakdown returns the results of a results file that carry the
// breakdown, in file order; none is not an error.
func ReadBreakdown(name string, data []byte) ([]BreakdownRow, error) {
	s := resultset.Parse(name, data)
	if err := s.ErrLine(); err != nil {
		return nil, fmt.Errorf("plots: %s: %w", name, err)
	}
	cells, err := s.Group(".fullname", "")
	if err != nil {
		return nil, fmt.Errorf("plots: %s: %w", name, err)
	}
	ms := func(c *resultset.Cell, unit string) (float64, bool) {
		stored, back := resultset.Unit(unit)
		sm, ok := c.Summary(stored)
		return sm.Center * back / 1e6, ok
	}
	var rows []BreakdownRow
	for _, c := range cells {
		ex, ok := ms(c, breakdown.ExcessMetric)
		if !ok {
			continue
		}
		ideal, ok := ms(c, "ideal-ns")
		if !ok || ideal <= 0 {
			return nil, fmt.Errorf("plots: %s: %s has %s but no ideal-ns above 0", name, c.Name, breakdown.ExcessMetric)
		}
		r := BreakdownRow{Name: trimProcs(c.Name), Ideal: ideal, Excess: ex}
		for _, p := range append(breakdown.Parts(), breakdown.ResidualMetric) {
			v, ok := ms(c, p)
			if !ok && !clientPart(p) {
				return nil, fmt.Errorf("plots: %s: %s has %s but no %s", name, c.Name, breakdown.ExcessMetric, p)
			}
			r.Parts = append(r.Parts, v)
		}
		r.Residual, r.Parts = r.Parts[len(r.Parts)-1], r.Parts[:len(r.Parts)-1]
		rows = append(rows, r)
	}
	return rows, nil
}

// clientPart reports whether part is one of the client's timeline parts,
// which results of the breakdown's first version (before them) lack, and
// client-gap, which results before the waves lack; such a file's residual
// holds them.
func clientPart(part string) bool {
	switch part {
	case breakdown.SendMetric, breakdown.ReturnMetric, breakdown.ReadMetric, breakdown.GapMetric:
		return true
	}
	return false
}

// trimProcs drops a -GOMAXPROCS suffix.
func trimProcs(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 && strings.Trim(name[i+1:], "0123456789") == "" && i+1 < len(name) {
		return name[:i]
	}
	return name
}

// percent returns r with its times in percent of its ideal.
func (r BreakdownRow) percent() BreakdownRow {
	f := 100 / r.Ideal
	out := BreakdownRow{Name: r.Name, Ideal: 100, Excess: r.Excess * f, Residual: r.Residual * f}
	for _, v := range r.Parts {
		out.Parts = append(out.Parts, v*f)
	}
	return out
}

// breakdownColors fill the parts, in the order of breakdown.Parts(); the
// residual is grey.
var breakdownColors = []color.Color{
	color.RGBA{0x00, 0x00, 0x00, 255}, // harness
	color.RGBA{0x00, 0x9E, 0x73, 255}, // connect
	color.RGBA{0xF0, 0xE4, 0x42, 255}, // client send
	color.RGBA{0x00, 0x72, 0xB2, 255}, // arrival
	color.RGBA{0x56, 0xB4, 0xE9, 255}, // server pre
	color.RGBA{0xE6, 0x9F, 0x00, 255}, // timer lateness
	color.RGBA{0xD5, 0x5E, 0x00, 255}, // server post
	color.RGBA{0x88, 0x22, 0x55, 255}, // return
	color.RGBA{0x99, 0x99, 0x33, 255}, // client gap (between waves)
	color.RGBA{0xCC, 0x79, 0xA7, 255}, // IPC
	color.RGBA{0x44, 0xAA, 0x99, 255}, // client read
}

// BreakdownChart draws "where the time above d goes": one horizontal bar
// per row, in percent of the row's ideal batch time (so rows of 50 ms and
// of 5 s share an axis), its parts stacked from 0, then the residual (grey; a negative
// residual, where the parts overlap, is a hatched stretch back from their
// end), and a black tick at the measured excess.
func BreakdownChart(rows []BreakdownRow, source string) (*Chart, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("plots: breakdown chart: no rows (run the benchmarks with -breakdown)")
	}
	if len(breakdownColors) < len(breakdown.Parts()) {
		return nil, fmt.Errorf("plots: breakdown chart: %d colours for %d parts", len(breakdownColors), len(breakdown.Parts()))
	}
	ch := &Chart{
		Title:    "Where the time above the ideal goes, % of the ideal batch time",
		Legend:   newLegend(),
		Footnote: source + " · parts: the phases of each batch's timeline, client's and server's (bench/breakdown) · residual = excess − parts, as measured",
	}
	for _, r := range rows {
		if !(r.Ideal > 0) {
			return nil, fmt.Errorf("plots: breakdown chart: %s: ideal %g ms, want > 0", r.Name, r.Ideal)
		}
	}
	p := newPanel("", "time above the ideal, % of the ideal batch time", "", true)
	s := &stackBars{rows: rows}
	p.Add(s)
	xmin, xmax, _, _ := s.DataRange()
	p.X.Min, p.X.Max = xmin, xmax*1.05
	p.X.Tick.Marker = linearTicks{}
	p.Y.Min, p.Y.Max = -0.6, float64(len(rows))-0.4
	ticks := make([]plot.Tick, len(rows))
	for i, r := range rows {
		ticks[i] = plot.Tick{Value: s.y(i), Label: r.Name}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Label.Font.Size = 7
	p.Y.Tick.Length = 0
	for i, name := range breakdown.Parts() {
		ch.Legend.Add(strings.TrimSuffix(strings.TrimPrefix(name, "bd-"), "-ns"), swatch{fill: breakdownColors[i]})
	}
	ch.Legend.Add("residual (> 0: unexplained)", swatch{fill: residualColor})
	ch.Legend.Add("residual < 0: parts overlap (hatched)", swatch{fill: residualColor, hatch: true})
	ch.Legend.Add("measured excess", swatch{tick: true})
	ch.Panels = []*plot.Plot{p}
	return ch, nil
}

var residualColor = color.Gray{Y: 190}

// stackBars is the plotter of BreakdownChart.
type stackBars struct{ rows []BreakdownRow }

// y is row i's position: the first row on top.
func (s *stackBars) y(i int) float64 { return float64(len(s.rows) - 1 - i) }

// Plot implements plot.Plotter.
func (s *stackBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	outline := draw.LineStyle{Color: color.Gray{Y: 40}, Width: vg.Points(0.4)}
	rect := func(x0, x1, y float64, fill color.Color, hatch bool) {
		y0, y1 := trY(y-0.35), trY(y+0.35)
		r := []vg.Point{{X: trX(x0), Y: y0}, {X: trX(x0), Y: y1}, {X: trX(x1), Y: y1}, {X: trX(x1), Y: y0}}
		if !hatch {
			c.FillPolygon(fill, c.ClipPolygonX(r))
		} else { // over the parts it overlaps, which stay visible
			for x := trX(x0); x < trX(x1); x += vg.Points(3) {
				c.StrokeLine2(outline, x, y0, x, y1)
			}
		}
		c.StrokeLines(outline, c.ClipLinesX(append(r, r[0]))...)
	}
	for i, r := range s.rows {
		y := s.y(i)
		r = r.percent()
		at := 0.0
		for k, v := range r.Parts {
			if v > 0 {
				rect(at, at+v, y, breakdownColors[k], false)
				at += v
			}
		}
		if r.Residual > 0 {
			rect(at, at+r.Residual, y, residualColor, false)
		} else if r.Residual < 0 {
			rect(at+r.Residual, at, y, residualColor, true)
		}
		x := trX(r.Excess)
		c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(1.6)}, x, trY(y-0.45), x, trY(y+0.45))
	}
}

// DataRange implements plot.DataRanger.
func (s *stackBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, r := range s.rows {
		r = r.percent()
		sum := 0.0
		for _, v := range r.Parts {
			sum += max(0, v)
		}
		xmax = max(xmax, sum, sum+r.Residual, r.Excess)
		xmin = min(xmin, r.Excess, sum+r.Residual)
	}
	if xmax <= xmin {
		xmax = xmin + 1
	}
	return xmin, xmax, -0.5, float64(len(s.rows)) - 0.5
}

// swatch is a legend thumbnail: a filled box, hatched or not, or a tick.
type swatch struct {
	fill  color.Color
	hatch bool
	tick  bool
}

// Thumbnail implements plot.Thumbnailer.
func (w swatch) Thumbnail(c *draw.Canvas) {
	if w.tick {
		x := (c.Min.X + c.Max.X) / 2
		c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(1.6)}, x, c.Min.Y, x, c.Max.Y)
		return
	}
	r := []vg.Point{c.Min, {X: c.Min.X, Y: c.Max.Y}, c.Max, {X: c.Max.X, Y: c.Min.Y}}
	if !w.hatch {
		c.FillPolygon(w.fill, r)
		return
	}
	ls := draw.LineStyle{Color: color.Gray{Y: 40}, Width: vg.Points(0.4)}
	for x := c.Min.X; x < c.Max.X; x += vg.Points(3) {
		c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
	}
	c.StrokeLines(ls, append(r, r[0]))
}

// BreakdownBase is the file name of the breakdown chart.
const BreakdownBase = "breakdown"

// breakdownInputs gathers the breakdown rows of ChartInputs' files.
type breakdownInputs struct {
	rows  []BreakdownRow
	names []string
}

// read adds the rows of the results file data, if it has any.
func (bi *breakdownInputs) read(name string, data []byte) error {
	if !strings.Contains(string(data), breakdown.ExcessMetric) {
		return nil
	}
	rows, err := ReadBreakdown(name, data)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		bi.rows = append(bi.rows, rows...)
		bi.names = append(bi.names, sourceLabel(name))
	}
	return nil
}

// chart adds the breakdown chart of every row read to out; without rows
// nothing (the breakdown is on request, so its absence is not noted).
func (bi *breakdownInputs) chart(out *Plotted, add func(string, []NamedChart) error) error {
	if len(bi.rows) == 0 {
		return nil
	}
	src := strings.Join(bi.names, ", ")
	ch, err := BreakdownChart(bi.rows, src)
	if err != nil {
		return err
	}
	return add(src, []NamedChart{{Base: BreakdownBase, Chart: ch}})
}
