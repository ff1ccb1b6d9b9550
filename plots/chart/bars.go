package chart

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// barSet draws one series of a grouped bar chart: a bar from 0 to Y at
// X + offset (in data units), a whisker from Lo to Hi when they differ, and
// the value above the bar.
type barSet struct {
	pts    []Point
	offset float64 // from the group centre, data units
	width  float64 // data units
	fill   color.Color
	label  text.Style
	format func(float64) string // the value label; nil: formatSpeedup
}

var (
	_ plot.Plotter     = (*barSet)(nil)
	_ plot.DataRanger  = (*barSet)(nil)
	_ plot.Thumbnailer = (*barSet)(nil)
)

// Plot implements plot.Plotter.
func (b *barSet) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	outline := draw.LineStyle{Color: color.Gray{Y: 40}, Width: vg.Points(0.5)}
	whisker := draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	for _, pt := range b.pts {
		x0 := trX(pt.X + b.offset - b.width/2)
		x1 := trX(pt.X + b.offset + b.width/2)
		y0, y1 := trY(0), trY(pt.Y)
		rect := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(b.fill, c.ClipPolygonY(rect))
		c.StrokeLines(outline, c.ClipLinesY(append(rect, rect[0]))...)
		xm := (x0 + x1) / 2
		top := y1
		if pt.Hi > pt.Lo {
			lo, hi := trY(pt.Lo), trY(pt.Hi)
			cw := (x1 - x0) / 4
			c.StrokeLine2(whisker, xm, lo, xm, hi)
			c.StrokeLine2(whisker, xm-cw, lo, xm+cw, lo)
			c.StrokeLine2(whisker, xm-cw, hi, xm+cw, hi)
			top = max(top, hi)
		}
		format := b.format
		if format == nil {
			format = formatSpeedup
		}
		lbl, st := format(pt.Y), b.label
		if st.Width(lbl) > x1-x0+vg.Points(1) {
			// Too wide for its bar: stand it on end, reading upwards, so
			// the labels of neighbouring bars do not run into each other.
			st.Rotation = math.Pi / 2
			st.XAlign = text.XLeft
			st.YAlign = text.YCenter
		}
		c.FillText(st, vg.Point{X: xm, Y: top + vg.Points(2)}, lbl)
	}
}

// DataRange implements plot.DataRanger.
func (b *barSet) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for _, pt := range b.pts {
		xmin = min(xmin, pt.X+b.offset-b.width/2)
		xmax = max(xmax, pt.X+b.offset+b.width/2)
		ymax = max(ymax, pt.Hi)
	}
	return xmin, xmax, ymin, ymax
}

// Thumbnail implements plot.Thumbnailer: a filled square.
func (b *barSet) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	x0 := (c.Min.X+c.Max.X)/2 - h/2
	rect := []vg.Point{{X: x0, Y: c.Min.Y}, {X: x0, Y: c.Max.Y}, {X: x0 + h, Y: c.Max.Y}, {X: x0 + h, Y: c.Min.Y}}
	c.FillPolygon(b.fill, rect)
}

// formatSpeedup formats a speed-up for a bar label: 0.87×, 1.0×, 6.3×, 98×.
func formatSpeedup(v float64) string {
	switch {
	case v >= 10:
		return fmt.Sprintf("%.0f×", v)
	case v >= 0.95:
		return fmt.Sprintf("%.1f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}
