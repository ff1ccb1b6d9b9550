package chart

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// newPanel returns a plot with the charts' fonts, a title, axis labels and
// a light grid (horizontal lines only, unless verticalGrid).
func newPanel(title, xLabel, yLabel string, verticalGrid bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle = textStyle(11, false, draw.XCenter, draw.YTop)
	p.Title.Padding = 4
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = sansFont(10, false)
		ax.Tick.Label.Font = sansFont(9, false)
	}
	p.Legend.TextStyle.Font = sansFont(9, false)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 215}
	if !verticalGrid {
		grid.Vertical.Color = nil
	}
	grid.Horizontal.Color = color.Gray{Y: 215}
	p.Add(grid)
	return p
}

// axisKind is how an axis maps values.
type axisKind int

const (
	linearAxis axisKind = iota
	log2Axis            // log scale, ticks at powers of two
	log10Axis           // log scale, ticks at 1-2-5 × powers of ten
)

// setAxis sets the scale, ticks and range of ax so that [lo, hi] shows
// with a margin. It returns an error, instead of letting gonum panic, when
// a log axis would have to show a value ≤ 0 or the range is not finite.
func setAxis(ax *plot.Axis, kind axisKind, lo, hi float64) error {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return fmt.Errorf("axis %q: range [%g, %g] is not finite", ax.Label.Text, lo, hi)
	}
	if lo > hi {
		return fmt.Errorf("axis %q: no data", ax.Label.Text)
	}
	switch kind {
	case linearAxis:
		if lo == hi {
			lo, hi = lo-1, hi+1
		}
		m := (hi - lo) * 0.05
		ax.Min, ax.Max = lo-m, hi+m
		ax.Tick.Marker = linearTicks{}
	default:
		if lo <= 0 {
			return fmt.Errorf("axis %q is logarithmic: cannot show %g (want > 0)", ax.Label.Text, lo)
		}
		f := math.Pow(hi/lo, 0.06) // a margin of 6% of the span on each side
		f = max(f, 1.15)
		ax.Min, ax.Max = lo/f, hi*f
		ax.Scale = plot.LogScale{}
		if kind == log2Axis {
			ax.Tick.Marker = log2Ticks{}
		} else {
			ax.Tick.Marker = log10Ticks{}
		}
	}
	return nil
}

// formatTick formats a tick value without float noise: 0.3, 1024, 5000.
func formatTick(v float64) string {
	return strconv.FormatFloat(v, 'g', 10, 64)
}

// linearTicks are gonum's default ticks, labelled without trailing zeros
// (0, 2.5, 5 rather than 0.00, 2.50, 5.00).
type linearTicks struct{}

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return nil
	}
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = formatTick(ticks[i].Value)
		}
	}
	return ticks
}

// log2Ticks ticks the powers of two in range (1, 2, 4, … 1024) and labels
// at most maxLabels of them (0: 12), every second or third one when there
// are more: a narrow panel cannot hold eleven labels side by side.
type log2Ticks struct{ maxLabels int }

// Ticks implements plot.Ticker.
func (lt log2Ticks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	first := math.Ceil(math.Log2(lo) - 1e-9)
	last := math.Floor(math.Log2(hi) + 1e-9)
	if last < first {
		return log10Ticks{}.Ticks(lo, hi)
	}
	maxLabels := lt.maxLabels
	if maxLabels <= 0 {
		maxLabels = 12
	}
	step := math.Ceil((last - first + 1) / float64(maxLabels))
	var ticks []plot.Tick
	for k := first; k <= last; k++ {
		t := plot.Tick{Value: math.Exp2(k)}
		if math.Mod(k-first, step) == 0 {
			t.Label = formatTick(t.Value)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// log10Ticks ticks a log axis at m × 10^k. It labels 10^k alone over more
// than three decades, 1, 2 and 5 over more than 1.2, 1, 2, 3, 5 and 7 over
// more than 0.5, every m over less, and
// falls back to linear ticks over a range too short to hold two labels.
type log10Ticks struct{}

// Ticks implements plot.Ticker.
func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	decades := math.Log10(hi / lo)
	labelled := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	switch {
	case decades > 3:
		labelled = []int{1}
	case decades > 1.2:
		labelled = []int{1, 2, 5}
	case decades > 0.5:
		labelled = []int{1, 2, 3, 5, 7}
	}
	var ticks []plot.Tick
	labels := 0
	for k := int(math.Floor(math.Log10(lo))); k <= int(math.Ceil(math.Log10(hi))); k++ {
		for m := 1; m <= 9; m++ {
			v, err := strconv.ParseFloat(formatTick(float64(m)*math.Pow10(k)), 64)
			if err != nil || v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = formatTick(v)
				labels++
			}
			ticks = append(ticks, t)
		}
	}
	if labels >= 2 {
		return ticks
	}
	// Too short a range for the scheme: linear ticks, but only those in
	// range (gonum's log scale panics on values ≤ 0).
	var lin []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value >= lo && t.Value <= hi {
			lin = append(lin, t)
		}
	}
	return lin
}

// seriesStyle is how one series is drawn.
type seriesStyle struct {
	line  draw.LineStyle
	glyph draw.GlyphStyle // Radius 0: no glyphs
}

// strategyColor returns the colour of a strategy, the same in every chart
// (Okabe–Ito palette). Unknown strategies get grey shades.
func strategyColor(name string, i int) color.Color {
	if d, ok := strategy.Lookup(name); ok {
		return d.Color
	}
	return color.Gray{Y: uint8(60 + 30*(i%5))}
}

// styleFor returns the style of a measured series: the strategy's colour;
// warm connections solid with filled dots, cold ones dotted with rings.
func styleFor(s Series, i int) seriesStyle {
	c := strategyColor(s.Strategy, i)
	st := seriesStyle{
		line:  draw.LineStyle{Color: c, Width: vg.Points(1.4)},
		glyph: draw.GlyphStyle{Color: c, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}},
	}
	if s.Conn == "cold" {
		st.line.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
		st.glyph.Shape = draw.RingGlyph{}
		st.glyph.Radius = vg.Points(3)
	} else if s.Conn != "warm" && s.Conn != "" {
		st.line.Dashes = []vg.Length{vg.Points(4), vg.Points(2), vg.Points(1), vg.Points(2)}
		st.glyph.Shape = draw.TriangleGlyph{}
	}
	return st
}

// idealStyle is the style of a model-ideal curve: dashed, no glyphs.
func idealStyle(s Series, i int) seriesStyle {
	return seriesStyle{line: draw.LineStyle{
		Color:  strategyColor(s.Strategy, i),
		Width:  vg.Points(1),
		Dashes: []vg.Length{vg.Points(6), vg.Points(3)},
	}}
}

// errPoints adapts Points, scaled, to gonum's XYer and YErrorer.
type errPoints struct {
	pts   []Point
	scale float64
}

func (e errPoints) Len() int { return len(e.pts) }
func (e errPoints) XY(i int) (float64, float64) {
	return e.pts[i].X, e.pts[i].Y * e.scale
}
func (e errPoints) YError(i int) (float64, float64) {
	p := e.pts[i]
	return (p.Y - p.Lo) * e.scale, (p.Hi - p.Y) * e.scale
}

// checkPoints returns an error if s has no points or a value that is not
// finite, or Lo ≤ Y ≤ Hi fails.
func checkPoints(s Series) error {
	if len(s.Points) == 0 {
		return fmt.Errorf("series %q has no points", s.Name)
	}
	for _, p := range s.Points {
		for _, v := range []float64{p.X, p.Y, p.Lo, p.Hi} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("series %q: point %+v is not finite", s.Name, p)
			}
		}
		if p.Lo > p.Y || p.Y > p.Hi {
			return fmt.Errorf("series %q: point %+v: want Lo ≤ Y ≤ Hi", s.Name, p)
		}
	}
	return nil
}

// extent tracks the range of the values a panel shows.
type extent struct{ xlo, xhi, ylo, yhi float64 }

func newExtent() extent { return extent{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)} }

func (e *extent) addX(v float64) { e.xlo, e.xhi = min(e.xlo, v), max(e.xhi, v) }
func (e *extent) addY(v float64) { e.ylo, e.yhi = min(e.ylo, v), max(e.yhi, v) }

// addSeries draws s on p with style st, its Y values multiplied by scale,
// with error bars where the runs differ. It returns the thumbnails for the
// legend.
func addSeries(p *plot.Plot, ext *extent, s Series, st seriesStyle, scale float64) ([]plot.Thumbnailer, error) {
	if err := checkPoints(s); err != nil {
		return nil, err
	}
	ep := errPoints{pts: s.Points, scale: scale}
	xys, err := plotter.CopyXYs(ep)
	if err != nil {
		return nil, fmt.Errorf("series %q: %w", s.Name, err)
	}
	for _, pt := range s.Points {
		ext.addX(pt.X)
		ext.addY(pt.Lo * scale)
		ext.addY(pt.Hi * scale)
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("series %q: %w", s.Name, err)
	}
	line.LineStyle = st.line
	thumbs := []plot.Thumbnailer{line}
	p.Add(line)
	if st.glyph.Radius > 0 {
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, fmt.Errorf("series %q: %w", s.Name, err)
		}
		sc.GlyphStyle = st.glyph
		p.Add(sc)
		thumbs = append(thumbs, sc)
	}
	var spread []Point
	for _, pt := range s.Points {
		if pt.Hi > pt.Lo {
			spread = append(spread, pt)
		}
	}
	if len(spread) > 0 {
		eb, err := plotter.NewYErrorBars(errPoints{pts: spread, scale: scale})
		if err != nil {
			return nil, fmt.Errorf("series %q: %w", s.Name, err)
		}
		eb.LineStyle = draw.LineStyle{Color: st.line.Color, Width: vg.Points(0.8)}
		eb.CapWidth = vg.Points(5)
		p.Add(eb)
	}
	return thumbs, nil
}

// hline draws a horizontal line at y across the x range of p.
func hline(p *plot.Plot, y float64, sty draw.LineStyle) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}})
	if err != nil {
		return nil, err
	}
	l.LineStyle = sty
	p.Add(l)
	return l, nil
}
