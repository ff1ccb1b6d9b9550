package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The fixed size of every chart, and the resolution of its PNG
// (Width × DPI = 1200 pixels wide).
const (
	Width  = 10 * vg.Inch
	Height = 5.5 * vg.Inch
	DPI    = 120
)

// Chart is one figure: a title, one or more plot panels side by side, a
// legend in a column to the right of the panels (so it never hides data)
// and a footnote that says where the numbers come from.
type Chart struct {
	Title    string
	Panels   []*plot.Plot
	Legend   plot.Legend
	Footnote string
}

// pad is the margin around and between the parts of a chart.
const pad = 8 * vg.Length(1)

// sansFont returns Liberation Sans (built into gonum) at size.
func sansFont(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

// textStyle returns a black Liberation Sans style.
func textStyle(size vg.Length, bold bool, x text.XAlignment, y text.YAlignment) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    sansFont(size, bold),
		XAlign:  x,
		YAlign:  y,
		Handler: plot.DefaultTextHandler,
	}
}

// newLegend returns an empty legend in the charts' style.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle = textStyle(9, false, draw.XLeft, draw.YBottom)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = 26
	l.Padding = 3
	return l
}

// Draw draws the chart onto dc.
func (ch *Chart) Draw(dc draw.Canvas) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	c := draw.Crop(dc, pad, -pad, pad/2, -pad)

	if ch.Title != "" {
		sty := textStyle(13, true, draw.XCenter, draw.YTop)
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y}, ch.Title)
		c.Max.Y -= sty.Height(ch.Title) + pad
	}
	if ch.Footnote != "" {
		sty := textStyle(7.5, false, draw.XLeft, draw.YBottom)
		sty.Color = color.Gray{Y: 80}
		lines := wrap(ch.Footnote, " · ", c.Max.X-c.Min.X, sty)
		for i := len(lines) - 1; i >= 0; i-- {
			c.FillText(sty, vg.Point{X: c.Min.X, Y: c.Min.Y}, lines[i])
			c.Min.Y += sty.Height(lines[i])
		}
		c.Min.Y += pad / 2
	}
	if w := ch.Legend.Rectangle(c).Size().X; w > 0 {
		leg := c
		leg.Min.X = c.Max.X - w
		if len(ch.Panels) > 0 && ch.Panels[0].Title.Text != "" {
			// Start the legend level with the top of the data area.
			p := ch.Panels[0]
			leg.Max.Y -= p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding
		}
		ch.Legend.Draw(leg)
		c.Max.X -= w + 2*pad
	}
	n := len(ch.Panels)
	if n == 0 {
		return
	}
	gap := 2 * pad
	w := (c.Max.X - c.Min.X - gap*vg.Length(n-1)) / vg.Length(n)
	for i, p := range ch.Panels {
		pc := c
		pc.Min.X = c.Min.X + vg.Length(i)*(w+gap)
		pc.Max.X = pc.Min.X + w
		p.Draw(pc)
	}
}

// render draws the chart with the canvas made by newCanvas and writes it,
// turning a panic inside gonum into an error.
func (ch *Chart) render(w io.Writer, canvas vg.CanvasWriterTo) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: render %q: gonum panicked: %v", ch.Title, r)
		}
	}()
	ch.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return fmt.Errorf("plots: encode %q: %w", ch.Title, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// WriteSVG writes the chart as SVG of size Width × Height. Text refers to
// the Liberation Sans font by name; the fonts are not embedded.
func (ch *Chart) WriteSVG(w io.Writer) error {
	return ch.render(w, vgsvg.New(Width, Height))
}

// WritePNG writes the chart as a PNG of Width × Height at DPI.
func (ch *Chart) WritePNG(w io.Writer) error {
	c := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))
	return ch.render(w, vgimg.PngCanvas{Canvas: c})
}

// wrap splits s at sep into lines no wider than width in sty, as far as
// its parts allow.
func wrap(s, sep string, width vg.Length, sty text.Style) []string {
	var lines []string
	cur := ""
	for _, part := range strings.Split(s, sep) {
		switch {
		case cur == "":
			cur = part
		case sty.Width(cur+sep+part) <= width:
			cur += sep + part
		default:
			lines = append(lines, cur)
			cur = part
		}
	}
	return append(lines, cur)
}
