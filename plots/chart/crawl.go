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
	"time"

	"golang.org/x/perf/benchfmt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// FamilyCrawl is the family of bench/crawl's BenchmarkCrawl.
const FamilyCrawl = "Crawl"

// CrawlCell is one case of BenchmarkCrawl over its -count runs.
type CrawlCell struct {
	Strategy   string
	GOMAXPROCS int // the gomaxprocs= key
	Work       time.Duration
	C, M       int
	PagesPerS  []float64 // one per run
	Overhead   []float64
	IORoof     float64 // pages/s, the model's
	CPURoof    float64
	Errors     float64 // summed over runs
	// Cores is the cores the model gave the crawler (CPU roof × CPU per
	// page), 0 when unknown.
	Cores  float64
	python bool
}

// CrawlData is a BenchmarkCrawl results file.
type CrawlData struct {
	name     string
	Cells    []*CrawlCell
	warnings []string
}

// ReadCrawl reads the BenchmarkCrawl results of a results file.
func ReadCrawl(r io.Reader, name string) (*CrawlData, error) {
	d := &CrawlData{name: name}
	byKey := map[string]*CrawlCell{}
	s, err := scanResults(r, name, []string{FamilyCrawl}, func(res *benchfmt.Result) error {
		keys := map[string]string{}
		_, parts := res.Name.Parts()
		for _, p := range parts {
			k, v, ok := strings.Cut(strings.TrimPrefix(string(p), "/"), "=")
			if ok {
				keys[k] = v
			}
		}
		vals, err := tidiedValues(res)
		if err != nil {
			return fmt.Errorf("plots: %s: %s: %w", name, res.Name.Full(), err)
		}
		c := &CrawlCell{Strategy: keys["strategy"]}
		if c.Work, err = parseWork(keys["work"]); err != nil {
			return fmt.Errorf("plots: %s: %s: %w", name, res.Name.Full(), err)
		}
		for _, f := range []struct {
			key string
			dst *int
		}{{"gomaxprocs", &c.GOMAXPROCS}, {"c", &c.C}, {"m", &c.M}} {
			if *f.dst, err = strconv.Atoi(keys[f.key]); err != nil {
				return fmt.Errorf("plots: %s: %s: key %s=%q: want an integer", name, res.Name.Full(), f.key, keys[f.key])
			}
		}
		pps, ok := vals["pages/s"]
		if !ok || c.Strategy == "" {
			return fmt.Errorf("plots: %s: %s: want a strategy= key and a pages/s metric", name, res.Name.Full())
		}
		id := fmt.Sprintf("%s|%d|%v|%d|%d", c.Strategy, c.GOMAXPROCS, c.Work, c.C, c.M)
		if old, ok := byKey[id]; ok {
			c = old
		} else {
			byKey[id] = c
			d.Cells = append(d.Cells, c)
			desc, known := strategy.Lookup(c.Strategy)
			c.python = known && desc.RunsPython()
		}
		c.PagesPerS = append(c.PagesPerS, pps)
		c.Overhead = append(c.Overhead, vals["overhead-x"])
		c.IORoof, c.CPURoof = vals["io-roof-pages/s"], vals["cpu-roof-pages/s"]
		c.Errors += vals["errors"]
		if cpu := vals["model-cpu-per-page-sec"]; cpu > 0 {
			c.Cores = math.Round(c.CPURoof * cpu)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.warnings = s.warnings(name, []string{FamilyCrawl})
	return d, nil
}

// crawlFileCharts is ChartInputs' reader of a bench/crawl file: ok when b
// holds BenchmarkCrawl results, and then its roofline charts.
func crawlFileCharts(b []byte, name string) (charts []NamedChart, warnings []string, ok bool, err error) {
	for _, res := range resultset.Parse(name, b).Results {
		if string(res.Name.Base()) == FamilyCrawl {
			ok = true
			break
		}
	}
	if !ok {
		return nil, nil, false, nil
	}
	d, err := ReadCrawl(bytes.NewReader(b), name)
	if err != nil {
		return nil, nil, true, err
	}
	charts, err = CrawlCharts(d)
	return charts, d.Warnings(), true, err
}

// Warnings returns what reading noticed but did not reject.
func (d *CrawlData) Warnings() []string { return slices.Clone(d.warnings) }

// parseWork reads a work= key: 0, 500us, 2ms.
func parseWork(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	w, err := time.ParseDuration(s)
	if err != nil || w < 0 {
		return 0, fmt.Errorf("key work=%q: want 0 or a duration such as 500us", s)
	}
	return w, nil
}

// CrawlCharts draws, per language (Go, Python) and (c, m), pages/s against
// the work per page for each strategy and GOMAXPROCS, with the IO roof
// (dashed red) and the CPU roof of each core count (dashed grey). Bases are
// crawl-roofline-go-c64-m4 and crawl-roofline-python-….
func CrawlCharts(d *CrawlData) ([]NamedChart, error) {
	var out []NamedChart
	for _, lang := range []struct {
		name   string
		python bool
	}{{"Go", false}, {"Python", true}} {
		type cm struct{ c, m int }
		var groups []cm
		for _, c := range d.Cells {
			if c.python == lang.python && !slices.Contains(groups, cm{c.C, c.M}) {
				groups = append(groups, cm{c.C, c.M})
			}
		}
		for _, g := range groups {
			var cells []*CrawlCell
			for _, c := range d.Cells {
				if c.python == lang.python && c.C == g.c && c.M == g.m {
					cells = append(cells, c)
				}
			}
			ch, err := crawlChart(lang.name, g.c, g.m, cells)
			if err != nil {
				return nil, fmt.Errorf("plots: %s: %w", d.name, err)
			}
			ch.Footnote = fmt.Sprintf("source: %s; points are medians over the runs, bars the min and max; roofs from bench/model.Crawl", sourceLabel(d.name))
			out = append(out, NamedChart{Base: fmt.Sprintf("crawl-roofline-%s-c%d-m%d", strings.ToLower(lang.name), g.c, g.m), Chart: ch})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("plots: %s: no BenchmarkCrawl results", d.name)
	}
	return out, nil
}

func crawlChart(lang string, c, m int, cells []*CrawlCell) (*Chart, error) {
	ch := &Chart{Title: fmt.Sprintf("Crawl throughput vs CPU work per page, %s crawlers (c = %d, m = %d)", lang, c, m), Legend: newLegend()}
	p := newPanel("pages per second (higher is better) under the IO and CPU roofs", "CPU work per page (ms)", "pages/s (log scale)", true)
	type lineID struct {
		strategy string
		procs    int
	}
	var ids []lineID
	lines := map[lineID][]Point{}
	pyLines := map[lineID]bool{}
	ioRoof := 0.0
	cpuRoofs := map[float64][]Point{} // one curve per number of cores the model gave a crawler
	var failed float64
	ext := newExtent()
	for _, cl := range cells {
		id := lineID{cl.Strategy, cl.GOMAXPROCS}
		if _, ok := lines[id]; !ok {
			ids = append(ids, id)
		}
		pyLines[id] = cl.python
		med, lo, hi := summarize(cl.PagesPerS)
		x := cl.Work.Seconds() * 1e3
		lines[id] = append(lines[id], Point{X: x, Y: med, Lo: lo, Hi: hi})
		ioRoof = max(ioRoof, cl.IORoof)
		failed += cl.Errors
		if cl.CPURoof > 0 && cl.Cores > 0 {
			pts := cpuRoofs[cl.Cores]
			if !slices.ContainsFunc(pts, func(p Point) bool { return p.X == x }) {
				pts = append(pts, Point{X: x, Y: cl.CPURoof, Lo: cl.CPURoof, Hi: cl.CPURoof})
			}
			cpuRoofs[cl.Cores] = pts
		}
	}
	var series []Series
	for _, id := range ids {
		pts := lines[id]
		slices.SortFunc(pts, func(a, b Point) int { return cmpFloat(a.X, b.X) })
		// GOMAXPROCS 1 is drawn dotted with rings (the "cold" style),
		// more solid with dots.
		label := fmt.Sprintf("%s, GOMAXPROCS %d", id.strategy, id.procs)
		if pyLines[id] {
			label = id.strategy // GOMAXPROCS does not apply to a Python crawler
		}
		series = append(series, Series{Name: label, Strategy: id.strategy,
			Conn: map[bool]string{true: "warm", false: "cold"}[id.procs > 1 || pyLines[id]], Points: pts})
		for _, pt := range pts {
			ext.addX(pt.X)
			ext.addY(pt.Lo)
			ext.addY(pt.Hi)
		}
	}
	if ioRoof > 0 {
		ext.addY(ioRoof)
	}
	if err := setAxis(&p.X, linearAxis, ext.xlo, ext.xhi); err != nil {
		return nil, err
	}
	if err := setAxis(&p.Y, log10Axis, ext.ylo, ext.yhi); err != nil {
		return nil, err
	}
	if ioRoof > 0 {
		l, err := hline(p, ioRoof, draw.LineStyle{Color: color.RGBA{0xC0, 0, 0, 255}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}})
		if err != nil {
			return nil, err
		}
		ch.Legend.Add(fmt.Sprintf("IO roof min(c, m·H, k·H)/d = %s pages/s", formatTick(roundSig(ioRoof, 3))), l)
	}
	keys := make([]float64, 0, len(cpuRoofs))
	for k := range cpuRoofs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		pts := cpuRoofs[k]
		slices.SortFunc(pts, func(a, b Point) int { return cmpFloat(a.X, b.X) })
		var xys plotter.XYs
		for _, pt := range pts {
			if pt.Y >= p.Y.Min && pt.Y <= p.Y.Max*10 {
				xys = append(xys, plotter.XY{X: pt.X, Y: math.Min(pt.Y, p.Y.Max)})
			}
		}
		if len(xys) < 2 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: color.Gray{Y: uint8(90 + 50*i)}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
		p.Add(l)
		ch.Legend.Add(fmt.Sprintf("CPU roof, %g core(s): cores/(parse + work)", k), l)
	}
	for i, s := range series {
		thumbs, err := addSeries(p, &ext, s, styleFor(s, i), 1)
		if err != nil {
			return nil, err
		}
		ch.Legend.Add(s.Label(), thumbs...)
	}
	if failed > 0 {
		ch.Title += fmt.Sprintf(" [%g requests failed]", failed)
	}
	ch.Panels = []*plot.Plot{p}
	return ch, nil
}
