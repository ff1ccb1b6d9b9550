package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// labelInflight is the x axis of the scale charts.
const labelInflight = "requests in flight at once (n = c, log scale)"

// levelLabel formats a number of requests in flight: 1k, 10k, 100k, 1.5k,
// 1M, 500.
func levelLabel(v float64) string {
	switch {
	case v >= 1e6 && math.Mod(v, 1e5) == 0:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3 && math.Mod(v, 100) == 0:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return formatTick(v)
}

// levelTicks ticks an axis at the levels of requests in flight that have
// data, labelled 1k, 10k, 100k.
type levelTicks []float64

// Ticks implements plot.Ticker.
func (l levelTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, v := range l {
		if v >= lo && v <= hi {
			ticks = append(ticks, plot.Tick{Value: v, Label: levelLabel(v)})
		}
	}
	return ticks
}

// levelsOf returns the distinct X values of the series, ascending.
func levelsOf(groups ...[]Series) []float64 {
	var out []float64
	for _, g := range groups {
		for _, s := range g {
			for _, p := range s.Points {
				if !slices.Contains(out, p.X) {
					out = append(out, p.X)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// setLevelAxis makes ax a log axis over the levels, ticked at each level.
func setLevelAxis(ax *plot.Axis, levels []float64) error {
	if len(levels) == 0 {
		return fmt.Errorf("axis %q: no data", ax.Label.Text)
	}
	if err := setAxis(ax, log10Axis, levels[0], levels[len(levels)-1]); err != nil {
		return err
	}
	ax.Tick.Marker = levelTicks(levels)
	return nil
}

// denseTicks labels a linear axis at steps of 1, 2 or 5 × 10^k, four to
// nine labels, with an unlabelled tick half-way.
type denseTicks struct{}

// Ticks implements plot.Ticker.
func (denseTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	mag := math.Pow10(int(math.Floor(math.Log10(hi - lo))))
	step := mag
	for _, m := range []float64{0.1, 0.2, 0.5, 1, 2} {
		if (hi-lo)/(m*mag) <= 9 {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	const eps = 1e-9 // 2.4/0.1 is 23.999…
	for k := math.Ceil(lo/step*2 - eps); k <= math.Floor(hi/step*2+eps); k++ {
		v := min(max(roundSig(k*step/2, 12), lo), hi)
		t := plot.Tick{Value: v}
		if math.Mod(k, 2) == 0 {
			t.Label = strconv.FormatFloat(roundSig(v, 6), 'g', 10, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// setZeroBasedAxis makes ax a linear axis from 0 (or below, for negative
// values) to a little above hi.
func setZeroBasedAxis(ax *plot.Axis, lo, hi float64) error {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return fmt.Errorf("axis %q: range [%g, %g] is not finite", ax.Label.Text, lo, hi)
	}
	lo, hi = min(lo, 0), max(hi, 0)
	if lo == hi {
		hi = 1
	}
	m := (hi - lo) * 0.06
	ax.Min, ax.Max = lo, hi+m
	if lo < 0 {
		ax.Min = lo - m
	}
	ax.Tick.Marker = denseTicks{}
	return nil
}

// setValueAxis sets the y axis of a one-panel scale chart: log when the
// values (with include) are positive and span more than a factor of
// logAbove, else linear, from 0 when include is 0, else from a little below
// min(lo, include).
func setValueAxis(ax *plot.Axis, lo, hi, include, logAbove float64) error {
	if include != 0 {
		lo, hi = min(lo, include), max(hi, include)
	}
	switch {
	case lo > 0 && hi/lo > logAbove:
		return setAxis(ax, log10Axis, lo, hi)
	case include == 0:
		return setZeroBasedAxis(ax, lo, hi)
	}
	if err := setAxis(ax, linearAxis, lo, hi); err != nil {
		return err
	}
	ax.Min = max(ax.Min, min(0, lo))
	ax.Tick.Marker = denseTicks{}
	return nil
}

// scaleStyle is styleFor with the untuned baseline (naive-httpget)
// emphasised: a thicker line and square marks.
func scaleStyle(s Series, i int) seriesStyle {
	st := styleFor(s, i)
	if isBaseline(s.Strategy) {
		st.line.Width = vg.Points(2.4)
		st.glyph.Shape = draw.BoxGlyph{} // filled
		if s.Conn == "cold" {
			st.glyph.Shape = draw.SquareGlyph{} // outlined
		}
		st.glyph.Radius = vg.Points(3.2)
	}
	return st
}

// scaleLabel is the legend text of a scale series: the baseline says so.
func scaleLabel(s Series) string {
	if isBaseline(s.Strategy) {
		s.Name += " (baseline)"
	}
	return s.Label()
}

// isBaseline reports whether the registry marks the strategy called name as
// an untuned baseline.
func isBaseline(name string) bool {
	d, ok := strategy.Lookup(name)
	return ok && d.Baseline
}

// yRange returns the smallest Lo and the largest Hi of the series, scaled,
// after checking their points.
func yRange(series []Series, scale float64) (lo, hi float64, err error) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		if err := checkPoints(s); err != nil {
			return 0, 0, err
		}
		for _, p := range s.Points {
			lo, hi = min(lo, p.Lo*scale), max(hi, p.Hi*scale)
		}
	}
	if len(series) == 0 {
		return 0, 0, errors.New("no series")
	}
	return lo, hi, nil
}

// ScaleMemoryChart draws the client's memory per request in flight against
// the number in flight (log x): resident memory (RSS) on the left, the Go
// heap on the right, on the same linear y axis in KiB from 0; one line per
// strategy and conn (warm solid, cold dotted). Series Y values are bytes
// per request.
func ScaleMemoryChart(rss, heap []Series) (*Chart, error) {
	if len(rss) == 0 || len(heap) == 0 {
		return nil, errors.New("plots: scale memory chart: no series")
	}
	const kib = 1.0 / 1024
	levels := levelsOf(rss, heap)
	ch := &Chart{
		Title:  "Client memory per request in flight, " + spanText(levels),
		Legend: newLegend(),
	}
	ext := newExtent()
	var panels []*plot.Plot
	for j, group := range [][]Series{rss, heap} {
		title := []string{"resident memory (RSS): (peak − idle) ÷ n", "Go heap: (peak − idle) ÷ n"}[j]
		p := newPanel(title, labelInflight, "client memory per request in flight (KiB)", true)
		for i, s := range group {
			thumbs, err := addSeries(p, &ext, s, scaleStyle(s, i), kib)
			if err != nil {
				return nil, fmt.Errorf("plots: scale memory chart: %w", err)
			}
			if j == 0 {
				ch.Legend.Add(scaleLabel(s), thumbs...)
			}
		}
		panels = append(panels, p)
	}
	for _, p := range panels {
		if err := setLevelAxis(&p.X, levels); err != nil {
			return nil, fmt.Errorf("plots: scale memory chart: %w", err)
		}
		if err := setZeroBasedAxis(&p.Y, ext.ylo, ext.yhi); err != nil {
			return nil, fmt.Errorf("plots: scale memory chart: %w", err)
		}
	}
	ch.Panels = panels
	return ch, nil
}

// ScaleOverheadChart draws overhead-x (batch wall time ÷ the ideal, one
// delay) against the number of requests in flight, one line per strategy
// and conn, the untuned baseline (naive-httpget) drawn heavier, and a
// dotted line at 1× (the ideal). The y axis is linear unless the values
// span more than a factor of 10.
func ScaleOverheadChart(series []Series) (*Chart, error) {
	return scaleLineChart(series, scaleLineSpec{
		what:     "scale overhead chart",
		title:    "Overhead at scale: batch wall time ÷ ideal, ",
		panel:    "measured ÷ ideal (one delay d); lower is better",
		yLabel:   "overhead (× the ideal)",
		include:  1,
		logAbove: 10,
		oneLine:  "1× = ideal: the batch takes one delay d",
	})
}

// ScaleCPUChart draws the client's CPU time per 1000 requests (user +
// system, summed over its processes) against the number of requests in
// flight, one line per strategy and conn. The y axis is linear from 0
// unless the values span more than a factor of 20.
func ScaleCPUChart(series []Series) (*Chart, error) {
	return scaleLineChart(series, scaleLineSpec{
		what:     "scale CPU chart",
		title:    "Client CPU per 1000 requests, ",
		panel:    "user + system CPU of the client's processes; lower is better",
		yLabel:   "client CPU (ms per 1000 requests)",
		include:  0,
		logAbove: 20,
	})
}

// scaleLineSpec describes a one-panel scale chart.
type scaleLineSpec struct {
	what, title, panel, yLabel string
	include, logAbove          float64 // see setValueAxis
	oneLine                    string  // legend of a dotted line at 1; "" for none
}

func scaleLineChart(series []Series, sp scaleLineSpec) (*Chart, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("plots: %s: no series", sp.what)
	}
	lo, hi, err := yRange(series, 1)
	if err != nil {
		return nil, fmt.Errorf("plots: %s: %w", sp.what, err)
	}
	levels := levelsOf(series)
	ch := &Chart{Title: sp.title + spanText(levels), Legend: newLegend()}
	p := newPanel(sp.panel, labelInflight, sp.yLabel, true)
	if err := setLevelAxis(&p.X, levels); err != nil {
		return nil, fmt.Errorf("plots: %s: %w", sp.what, err)
	}
	if err := setValueAxis(&p.Y, lo, hi, sp.include, sp.logAbove); err != nil {
		return nil, fmt.Errorf("plots: %s: %w", sp.what, err)
	}
	var one plot.Thumbnailer
	if sp.oneLine != "" {
		l, err := hline(p, 1, draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}})
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", sp.what, err)
		}
		one = l
	}
	ext := newExtent()
	for i, s := range series {
		thumbs, err := addSeries(p, &ext, s, scaleStyle(s, i), 1)
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", sp.what, err)
		}
		ch.Legend.Add(scaleLabel(s), thumbs...)
	}
	if one != nil {
		ch.Legend.Add(sp.oneLine, one)
	}
	ch.Panels = []*plot.Plot{p}
	return ch, nil
}

// missingLevels says which series lack a result at some levels, by
// strategy where every conn of the strategy lacks the same levels:
// "scale: no results at 100k in flight for fanout, fasthttp".
func missingLevels(series []Series, levels []int) []string {
	missing := make([]string, len(series))
	for i, s := range series {
		var m []string
		for _, n := range levels {
			if !slices.ContainsFunc(s.Points, func(p Point) bool { return p.X == float64(n) }) {
				m = append(m, levelLabel(float64(n)))
			}
		}
		missing[i] = strings.Join(m, ", ")
	}
	var texts []string
	who := map[string][]string{}
	for i, s := range series {
		if missing[i] == "" {
			continue
		}
		name := s.Strategy
		for j, t := range series {
			if t.Strategy == s.Strategy && missing[j] != missing[i] {
				name = s.Name
			}
		}
		if !slices.Contains(texts, missing[i]) {
			texts = append(texts, missing[i])
		}
		if !slices.Contains(who[missing[i]], name) {
			who[missing[i]] = append(who[missing[i]], name)
		}
	}
	var out []string
	for _, m := range texts {
		out = append(out, fmt.Sprintf("scale: no results at %s in flight for %s: their lines stop short", m, strings.Join(who[m], ", ")))
	}
	return out
}

// spanText returns "1k to 100k in flight", or "1k in flight".
func spanText(levels []float64) string {
	switch len(levels) {
	case 0:
		return "no data"
	case 1:
		return levelLabel(levels[0]) + " in flight"
	}
	return levelLabel(levels[0]) + " to " + levelLabel(levels[len(levels)-1]) + " in flight"
}

// ScaleCharts renders the charts of the BenchmarkScale results:
//
//	scale-memory    RSS and heap per request in flight vs requests in flight
//	scale-overhead  batch wall time ÷ ideal vs requests in flight
//	scale-cpu       client CPU per 1000 requests vs requests in flight
//
// notes says what the data lacks (a single level of requests in flight).
func ScaleCharts(d *ScaleData) (charts []NamedChart, notes []string, err error) {
	foot := d.footnote()
	if levels := d.Levels(); len(levels) == 1 {
		notes = append(notes, fmt.Sprintf("scale: only inflight=%d: the scale charts show one level (give the results file of each level)", levels[0]))
	}
	get := func(unit string) []Series {
		if err != nil {
			return nil
		}
		var s []Series
		s, err = d.VsInflight(unit)
		return s
	}
	rss, heap, over, cpu := get(string(metricRSSPerReq)), get(string(metricHeapPerRq)), get(string(metricOverhead)), get(string(metricCPUPer1k))
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, missingLevels(over, d.Levels())...)
	memFoot := foot
	if slices.ContainsFunc(rss, func(s Series) bool { return strings.HasPrefix(s.Strategy, "procs-") }) {
		memFoot += " · procs-*: memory summed over the worker processes; their idle RSS is subtracted, their idle heap is not"
	}
	hasPy := slices.ContainsFunc(over, func(s Series) bool { d, _ := strategy.Lookup(s.Strategy); return d.IsPython() })
	if hasPy {
		py := " · py-*: the seed's Python clients; their memory and CPU are their worker processes' (from /proc), and they have no Go heap"
		memFoot += py
		foot += py
	}
	for _, c := range []struct {
		base, foot string
		f          func() (*Chart, error)
	}{
		{"scale-memory", memFoot, func() (*Chart, error) { return ScaleMemoryChart(rss, heap) }},
		{"scale-overhead", foot, func() (*Chart, error) { return ScaleOverheadChart(over) }},
		{"scale-cpu", foot, func() (*Chart, error) { return ScaleCPUChart(cpu) }},
	} {
		ch, err := c.f()
		if err != nil {
			return nil, nil, err
		}
		ch.Footnote = c.foot
		if hasPy && c.base == "scale-overhead" {
			ch.Title = strings.Replace(ch.Title, "Overhead at scale:", "Overhead at scale, Python and Go:", 1)
		}
		charts = append(charts, NamedChart{Base: c.base, Chart: ch})
	}
	return charts, notes, nil
}
