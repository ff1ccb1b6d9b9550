package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"gonum.org/v1/plot"

	"github.com/crawlbench/crawlbench/bench/network"
	"github.com/crawlbench/crawlbench/bench/resultset"
)

// The families of bench/network.
const (
	FamilyNetwork = "Network"
	FamilyStreams = "Streams"
)

// metricModelRTTs is bench/network's round trips the model charges one
// request (set-up included).
const metricModelRTTs metric = "model-rtts"

// netCell is the runs of one bench/network row.
type netCell struct {
	family                                   string
	net, proto, strategy, conn, client, name string
	c                                        int
	rtt                                      time.Duration
	wall, ideal, rtts, errors                []float64
}

// NetworkData is the BenchmarkNetwork and BenchmarkStreams results of one
// or more results files. Make it with ReadNetwork.
type NetworkData struct {
	cells []*netCell
	delay time.Duration
}

// ReadNetwork reads the BenchmarkNetwork and BenchmarkStreams results of
// the inputs (`go test ./bench/network` output), pooling the runs of each
// row. It is an error if there is none, a row lacks a key (net, proto, c)
// or a metric (ns/op, ideal-ns, errors, model-rtts), or the files do not
// say the delay (their "delay:" line) or disagree on it.
func ReadNetwork(inputs ...Input) (*NetworkData, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("plots: ReadNetwork: no input")
	}
	d := &NetworkData{}
	byName := map[string]*netCell{}
	for i, in := range inputs {
		name := in.Name
		if name == "" {
			name = fmt.Sprintf("<input %d>", i+1)
		}
		if in.R == nil {
			return nil, fmt.Errorf("plots: %s: no reader", name)
		}
		_, err := scanResults(in.R, name, []string{FamilyNetwork, FamilyStreams}, func(res *benchfmt.Result) error {
			_, line := res.Pos()
			where := fmt.Sprintf("%s:%d: Benchmark%s", name, line, res.Name)
			delay, err := time.ParseDuration(res.GetConfig("delay"))
			if err != nil {
				return fmt.Errorf("plots: %s: no delay: line (%v)", where, err)
			}
			if d.delay != 0 && d.delay != delay {
				return fmt.Errorf("plots: %s: delay %v, but earlier results have %v", where, delay, d.delay)
			}
			d.delay = delay
			keys := map[string]string{}
			_, parts := res.Name.Parts()
			for _, p := range parts {
				for _, kv := range strings.Split(strings.TrimPrefix(string(p), "/"), "/") {
					if k, v, ok := strings.Cut(kv, "="); ok {
						keys[k] = v
					}
				}
			}
			cs := keys["c"]
			if i := strings.LastIndexByte(cs, '-'); i > 0 {
				cs = cs[:i] // the -GOMAXPROCS suffix
			}
			c, err := strconv.Atoi(cs)
			if err != nil || keys["net"] == "" || keys["proto"] == "" {
				return fmt.Errorf("plots: %s: want net=, proto= and c= keys", where)
			}
			rtt, err := network.NetRTT(keys["net"])
			if err != nil {
				return fmt.Errorf("plots: %s: %w", where, err)
			}
			vals, err := tidiedValues(res)
			if err != nil {
				return fmt.Errorf("plots: %s: %w", where, err)
			}
			for _, m := range []metric{metricWall, metricIdeal, metricErrors, metricModelRTTs} {
				if _, ok := vals[m.unit()]; !ok {
					return fmt.Errorf("plots: %s: no %s", where, m)
				}
			}
			key := res.Name.String()
			cell := byName[key]
			if cell == nil {
				cell = &netCell{family: string(res.Name.Base()), net: keys["net"], proto: keys["proto"], strategy: keys["strategy"],
					conn: keys["conn"], client: keys["client"], c: c, rtt: rtt, name: key}
				byName[key] = cell
				d.cells = append(d.cells, cell)
			}
			cell.wall = append(cell.wall, vals[metricWall.unit()])
			cell.ideal = append(cell.ideal, vals[metricIdeal.unit()])
			cell.rtts = append(cell.rtts, vals[metricModelRTTs.unit()])
			cell.errors = append(cell.errors, vals[metricErrors.unit()])
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(d.cells) == 0 {
		return nil, fmt.Errorf("plots: %s: no BenchmarkNetwork or BenchmarkStreams result", inputs[0].Name)
	}
	return d, nil
}

// point summarises f over the runs of c.
func (c *netCell) point(x float64, f func(i int) float64) Point {
	ys := make([]float64, len(c.wall))
	for i := range ys {
		ys[i] = f(i)
	}
	med, lo, hi := summarize(ys)
	return Point{X: x, Y: med, Lo: lo, Hi: hi}
}

// AboveD returns, for BenchmarkNetwork's rows of strategy at c over a
// non-zero RTT, the time one request spends above the server's delay d in units of
// RTT, against the RTT in ms: (batch time ÷ rounds − d) ÷ RTT, rounds being
// the model's (ideal ÷ (model-rtts × RTT + d)). One measured series per
// protocol and connection kind, and the model's (model-rtts) beside it;
// warm rows in warm, cold and resumed ones in cold.
func (d *NetworkData) AboveD(strategy string, c int) (warm, cold, model []Series, err error) {
	type sk struct{ proto, conn string }
	idx := map[sk]int{}
	var all []Series
	conc := c
	for _, c := range d.cells {
		if c.family != FamilyNetwork || c.strategy != strategy || c.c != conc || c.rtt <= 0 {
			continue
		}
		rtt := c.rtt.Seconds()
		dd := d.delay.Seconds()
		p := c.point(rtt*1e3, func(i int) float64 {
			rounds := math.Max(1, math.Round(c.ideal[i]/(c.rtts[0]*rtt+dd)))
			return (c.wall[i]/rounds - dd) / rtt
		})
		k := sk{c.proto, c.conn}
		j, ok := idx[k]
		if !ok {
			j = len(all)
			idx[k] = j
			all = append(all, Series{Name: c.proto + " " + c.conn, Conn: c.conn},
				Series{Name: c.proto + " " + c.conn + " model", Conn: c.conn})
		}
		all[j].Points = append(all[j].Points, p)
		all[j+1].Points = append(all[j+1].Points, Point{X: p.X, Y: c.rtts[0], Lo: c.rtts[0], Hi: c.rtts[0]})
		all[j].Failed += sum(c.errors)
	}
	if len(all) == 0 {
		return nil, nil, nil, fmt.Errorf("plots: no BenchmarkNetwork rows of strategy=%s c=%d over a non-zero RTT", strategy, c)
	}
	for i := 0; i < len(all); i += 2 {
		for _, s := range all[i : i+2] {
			slices.SortFunc(s.Points, func(a, b Point) int { return cmpFloat(a.X, b.X) })
		}
		if all[i].Conn == "warm" {
			warm = append(warm, all[i])
		} else {
			cold = append(cold, all[i])
		}
		model = append(model, all[i+1])
	}
	return warm, cold, model, nil
}

// StreamsSeries returns BenchmarkStreams' batch time (s) against c, one
// series per protocol and client, and the model's ideal beside each.
func (d *NetworkData) StreamsSeries() (measured, ideal []Series, err error) {
	idx := map[string]int{}
	for _, c := range d.cells {
		if c.family != FamilyStreams {
			continue
		}
		name := c.proto + " " + c.client
		j, ok := idx[name]
		if !ok {
			j = len(measured)
			idx[name] = j
			measured = append(measured, Series{Name: name})
			ideal = append(ideal, Series{Name: name + " model"})
		}
		measured[j].Points = append(measured[j].Points, c.point(float64(c.c), func(i int) float64 { return c.wall[i] }))
		ideal[j].Points = append(ideal[j].Points, c.point(float64(c.c), func(i int) float64 { return c.ideal[i] }))
		measured[j].Failed += sum(c.errors)
	}
	if len(measured) == 0 {
		return nil, nil, fmt.Errorf("plots: no BenchmarkStreams rows")
	}
	for _, g := range [][]Series{measured, ideal} {
		for _, s := range g {
			slices.SortFunc(s.Points, func(a, b Point) int { return cmpFloat(a.X, b.X) })
		}
	}
	return measured, ideal, nil
}

// netPalette colours the network charts' series by index (Okabe–Ito),
// since their series are protocols, not strategies.
var netPalette = [...]color.RGBA{
	{0x00, 0x72, 0xB2, 255}, {0xD5, 0x5E, 0x00, 255}, {0x00, 0x9E, 0x73, 255},
	{0xCC, 0x79, 0xA7, 255}, {0xE6, 0x9F, 0x00, 255}, {0x56, 0xB4, 0xE9, 255}, {0x00, 0x00, 0x00, 255},
}

// netStyle is styleFor (dashes by conn) in the i-th palette colour.
func netStyle(s Series, i int) seriesStyle {
	st := styleFor(s, i)
	st.line.Color = netPalette[i%len(netPalette)]
	st.glyph.Color = st.line.Color
	return st
}

// netIdealStyle is idealStyle in the i-th palette colour.
func netIdealStyle(s Series, i int) seriesStyle {
	st := idealStyle(s, i)
	st.line.Color = netPalette[i%len(netPalette)]
	return st
}

// aboveDKey is one time-above-d chart: a strategy at a c.
type aboveDKey struct {
	strategy string
	c        int
}

// aboveDKeys returns the strategies and c of d's BenchmarkNetwork rows over
// a non-zero RTT, sorted by strategy, then c.
func (d *NetworkData) aboveDKeys() []aboveDKey {
	var keys []aboveDKey
	for _, c := range d.cells {
		k := aboveDKey{c.strategy, c.c}
		if c.family == FamilyNetwork && c.rtt > 0 && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b aboveDKey) int {
		if a.strategy != b.strategy {
			return strings.Compare(a.strategy, b.strategy)
		}
		return a.c - b.c
	})
	return keys
}

// AllNetworkCharts draws every chart d has the data for: a time-above-d
// chart per strategy and c of its BenchmarkNetwork rows over a non-zero
// RTT, and the streams chart if it has BenchmarkStreams rows.
func AllNetworkCharts(d *NetworkData) ([]NamedChart, error) {
	var out []NamedChart
	for _, k := range d.aboveDKeys() {
		ch, err := d.aboveDChart(k.strategy, k.c)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	if ch, ok, err := d.streamsChart(); err != nil {
		return nil, err
	} else if ok {
		out = append(out, ch)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("plots: no network chart: no BenchmarkNetwork rows over a non-zero RTT and no BenchmarkStreams rows")
	}
	return out, nil
}

// networkFileCharts draws a bench/network results file (ok: b holds
// BenchmarkNetwork or BenchmarkStreams results; then err says whether it
// could be drawn): AllNetworkCharts, or a note when its rows give no chart
// (loopback only).
func networkFileCharts(b []byte, name string) (charts []NamedChart, notes []string, ok bool, err error) {
	for _, res := range resultset.Parse(name, b).Results {
		switch string(res.Name.Base()) {
		case FamilyNetwork, FamilyStreams:
			ok = true
		}
	}
	if !ok {
		return nil, nil, false, nil
	}
	d, err := ReadNetwork(Input{Name: name, R: bytes.NewReader(b)})
	if err != nil {
		return nil, nil, true, err
	}
	if _, _, serr := d.StreamsSeries(); len(d.aboveDKeys()) == 0 && serr != nil {
		return nil, []string{name + ": no BenchmarkNetwork rows over a non-zero RTT and no BenchmarkStreams rows: skipping the network charts"}, true, nil
	}
	charts, err = AllNetworkCharts(d)
	return charts, nil, true, err
}

// NetworkCharts draws the charts d has the data for: the time above d
// against RTT for strategy at c (warm and cold panels), and HTTP/1.1 against
// HTTP/2 as c grows past the stream limit.
func NetworkCharts(d *NetworkData, strategy string, c int) ([]NamedChart, error) {
	var out []NamedChart
	if ch, err := d.aboveDChart(strategy, c); err == nil {
		out = append(out, ch)
	}
	if ch, ok, err := d.streamsChart(); err != nil {
		return nil, err
	} else if ok {
		out = append(out, ch)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("plots: no network chart: neither BenchmarkNetwork rows of strategy=%s c=%d over a non-zero RTT nor BenchmarkStreams rows", strategy, c)
	}
	return out, nil
}

// aboveDChart is the time-above-d chart of strategy at c.
func (d *NetworkData) aboveDChart(strategy string, c int) (NamedChart, error) {
	warm, cold, model, err := d.AboveD(strategy, c)
	if err != nil {
		return NamedChart{}, err
	}
	{
		ch := &Chart{
			Title:    fmt.Sprintf("Time above the server's delay, in round trips, against RTT (%s, c = %d, d = %v)", strategy, c, d.delay),
			Legend:   newLegend(),
			Footnote: "(batch time ÷ rounds − d) ÷ RTT; dashed: the model's round trips (TCP 1, TLS 1.3 +1, TLS 1.2 +2, resumed TLS 1.2 +1, and the request's own).",
		}
		var models []Series
		for _, m := range model {
			if !slices.ContainsFunc(models, func(s Series) bool { return s.Points[0].Y == m.Points[0].Y }) {
				m.Name = fmt.Sprintf("model: %g RTT", m.Points[0].Y)
				models = append(models, m)
			}
		}
		for _, panel := range []struct {
			title string
			ss    []Series
		}{{"warm connections", warm}, {"cold and resumed connections", cold}} {
			if len(panel.ss) == 0 {
				continue
			}
			p := newPanel(panel.title, "RTT (ms, log scale)", "time above d per request (RTTs)", true)
			ext := newExtent()
			for _, s := range panel.ss {
				thumbs, err := addSeries(p, &ext, s, netStyle(s, protoIndex(s.Name)), 1)
				if err != nil {
					return NamedChart{}, fmt.Errorf("plots: above-d chart: %w", err)
				}
				ch.Legend.Add(s.Label(), thumbs...)
			}
			for i, m := range models {
				if _, err := addSeries(p, &ext, m, idealStyle(m, i), 1); err != nil {
					return NamedChart{}, fmt.Errorf("plots: above-d chart: %w", err)
				}
			}
			if err := setAxis(&p.X, log10Axis, ext.xlo, ext.xhi); err != nil {
				return NamedChart{}, fmt.Errorf("plots: above-d chart: %w", err)
			}
			if err := setZeroBasedAxis(&p.Y, ext.ylo, ext.yhi); err != nil {
				return NamedChart{}, fmt.Errorf("plots: above-d chart: %w", err)
			}
			ch.Panels = append(ch.Panels, p)
		}
		return NamedChart{Base: fmt.Sprintf("network-above-d-%s-c%d", fileSafe(strategy), c), Chart: ch}, nil
	}
}

// streamsChart is the HTTP/1.1 vs HTTP/2 chart (ok: d has BenchmarkStreams
// rows).
func (d *NetworkData) streamsChart() (NamedChart, bool, error) {
	measured, ideal, err := d.StreamsSeries()
	if err != nil {
		return NamedChart{}, false, nil
	}
	{
		ch := &Chart{
			Title:    fmt.Sprintf("HTTP/1.1 vs HTTP/2 as c grows past the stream limit (n = c, d = %v)", d.delay),
			Legend:   newLegend(),
			Footnote: "default: net/http dials another connection past the limit; strict: requests wait for a free stream on one connection. Dashed: the model.",
		}
		p := newPanel("wall time of one wave of c requests", "c (requests at once, log scale)", "batch time (s)", true)
		ext := newExtent()
		for i, s := range measured {
			thumbs, err := addSeries(p, &ext, s, netStyle(s, i), 1)
			if err != nil {
				return NamedChart{}, false, fmt.Errorf("plots: streams chart: %w", err)
			}
			ch.Legend.Add(s.Label(), thumbs...)
		}
		for i, s := range ideal {
			thumbs, err := addSeries(p, &ext, s, netIdealStyle(s, i), 1)
			if err != nil {
				return NamedChart{}, false, fmt.Errorf("plots: streams chart: %w", err)
			}
			ch.Legend.Add(s.Label(), thumbs...)
		}
		if err := setAxis(&p.X, log2Axis, ext.xlo, ext.xhi); err != nil {
			return NamedChart{}, false, fmt.Errorf("plots: streams chart: %w", err)
		}
		if err := setZeroBasedAxis(&p.Y, ext.ylo, ext.yhi); err != nil {
			return NamedChart{}, false, fmt.Errorf("plots: streams chart: %w", err)
		}
		ch.Panels = []*plot.Plot{p}
		return NamedChart{Base: "network-streams", Chart: ch}, true, nil
	}
}

// protoIndex is the palette index of a series named "PROTO CONN": the
// protocol's place in network.Protos, so that a protocol has one colour in
// both panels.
func protoIndex(name string) int {
	proto, _, _ := strings.Cut(name, " ")
	for i, p := range network.Protos() {
		if string(p) == proto {
			return i
		}
	}
	return len(netPalette) - 1
}
