package chart

import (
	"fmt"
	"slices"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"

	"github.com/crawlbench/crawlbench/bench/histlog"
)

// spectrumMaxQ is the highest percentile a spectrum chart shows, 99.99 %.
const spectrumMaxQ = 0.9999

// SpectrumSeries returns h's percentile spectrum as a series: X is
// 1/(1−q) (2 at the median, 100 at p99, 10,000 at p99.99), Y the latency
// in seconds. Strategy and conn pick the series' colour and dashes.
func SpectrumSeries(name, strategy, conn string, h *hdrhistogram.Histogram) (Series, error) {
	sp := histlog.Spectrum(h, spectrumMaxQ)
	if len(sp) == 0 {
		return Series{}, fmt.Errorf("plots: spectrum %q: empty histogram", name)
	}
	s := Series{Name: name, Strategy: strategy, Conn: conn}
	for _, q := range sp {
		y := q.Latency.Seconds()
		s.Points = append(s.Points, Point{X: 1 / (1 - q.Q), Y: y, Lo: y, Hi: y})
	}
	return s, nil
}

// percentileTicks ticks a 1/(1−q) axis at 0 %, 50 %, 90 %, 99 %, … as far
// as the range goes.
type percentileTicks struct{}

// Ticks implements plot.Ticker.
func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for i, v := range []float64{1, 2, 10, 100, 1e3, 1e4, 1e5} {
		if v < lo || v > hi {
			continue
		}
		label := []string{"0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"}[i]
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}

// SpectrumChart draws latency against percentile, HdrHistogram style: x is
// 1/(1−q) on a log axis labelled 50 %, 90 %, 99 %, 99.9 %, 99.99 %; y is
// latency in milliseconds, on a linear axis unless the tail reaches ten
// times the fastest value (then log). The tail of every series ends
// at the highest percentile its sample supports (1 − 1/requests).
func SpectrumChart(title string, series []Series) (*Chart, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("plots: spectrum chart %q: no series", title)
	}
	ch := &Chart{Title: title, Legend: newLegend()}
	p := newPanel("latency by percentile", "percentile (log scale of 1/(1−p))", labelLatency, true)
	ext := newExtent()
	const ms = 1e3
	for i, s := range series {
		st := styleFor(s, i)
		st.glyph.Radius = 0 // tens of points per line: a line, not dots
		thumbs, err := addSeries(p, &ext, s, st, ms)
		if err != nil {
			return nil, fmt.Errorf("plots: spectrum chart %q: %w", title, err)
		}
		ch.Legend.Add(s.Label(), thumbs...)
	}
	if err := setAxis(&p.X, log10Axis, ext.xlo, ext.xhi); err != nil {
		return nil, fmt.Errorf("plots: spectrum chart %q: %w", title, err)
	}
	p.X.Min = 1
	p.X.Tick.Marker = percentileTicks{}
	yKind := linearAxis
	if ext.ylo > 0 && ext.yhi/ext.ylo > 10 {
		yKind = log10Axis // a tail ten times the median would flatten the rest
	}
	if err := setAxis(&p.Y, yKind, ext.ylo, ext.yhi); err != nil {
		return nil, fmt.Errorf("plots: spectrum chart %q: %w", title, err)
	}
	ch.Panels = []*plot.Plot{p}
	return ch, nil
}

// SpectrumCharts draws one spectrum chart per group of cells of a
// histogram log: cells whose names differ only in strategy= share a chart
// (e.g. every strategy of Seed/n=100/conn=warm), one line per strategy. Runs of a cell are merged first. footnote goes under
// every chart.
func SpectrumCharts(entries []histlog.Entry, footnote string) ([]NamedChart, error) {
	merged, order, err := histlog.Merged(entries)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	type group struct {
		key    string
		series []Series
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, cell := range order {
		parts := strings.Split(cell, "/")
		var keep []string
		var strategy, conn string
		for _, part := range parts {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "strategy":
				strategy = v
			case "conn":
				conn = v
				keep = append(keep, part) // warm and cold apart: one chart each
			default:
				keep = append(keep, part)
			}
		}
		key := strings.Join(keep, "/")
		g := byKey[key]
		if g == nil {
			g = &group{key: key}
			byKey[key] = g
			groups = append(groups, g)
		}
		name := strings.TrimSpace(strategy + " " + conn)
		if name == "" {
			name = cell
		}
		s, err := SpectrumSeries(name, strategy, conn, merged[cell])
		if err != nil {
			return nil, err
		}
		g.series = append(g.series, s)
	}
	var out []NamedChart
	for _, g := range groups {
		slices.SortStableFunc(g.series, func(a, b Series) int {
			return cmpInts(strategyRank(a.Strategy), strategyRank(b.Strategy), connRank(a.Conn), connRank(b.Conn))
		})
		ch, err := SpectrumChart("Latency spectrum, "+strings.ReplaceAll(g.key, "/", " "), g.series)
		if err != nil {
			return nil, err
		}
		ch.Footnote = footnote
		out = append(out, NamedChart{Base: "spectrum-" + fileSafe(g.key), Chart: ch})
	}
	return out, nil
}
