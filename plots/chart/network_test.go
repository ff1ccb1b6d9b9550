package chart

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

func readNetworkDev(t *testing.T) *NetworkData {
	t.Helper()
	f, err := os.Open("testdata/network-dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ReadNetwork(Input{Name: "network-dev.txt", R: f})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNetworkAboveD checks the time-above-d series: the model's round
// trips per protocol and connection (h1 warm 1, h1 cold 2, TLS 1.3 cold 3),
// and every measured point at or above its model, since the emulated path
// is never early.
func TestNetworkAboveD(t *testing.T) {
	d := readNetworkDev(t)
	warm, cold, model, err := d.AboveD("fanout", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(warm) != 2 || len(cold) != 2 || len(model) != 4 {
		t.Fatalf("%d warm, %d cold, %d model series; want 2, 2, 4", len(warm), len(cold), len(model))
	}
	want := map[string]float64{"h1 warm model": 1, "h1 cold model": 2, "h1tls13 warm model": 1, "h1tls13 cold model": 3}
	byName := map[string]Series{}
	for _, s := range append(append(warm, cold...), model...) {
		byName[s.Name] = s
	}
	for name, rtts := range want {
		m, ok := byName[name]
		if !ok || len(m.Points) != 2 || m.Points[0].Y != rtts {
			t.Errorf("%s: %+v, want 2 points at %g RTTs", name, m, rtts)
			continue
		}
		meas := byName[strings.TrimSuffix(name, " model")]
		for i, p := range meas.Points {
			if p.X != m.Points[i].X || p.Lo < rtts*0.99 {
				t.Errorf("%s at RTT %g ms: %g RTTs above d (lowest run %g), below the model's %g", meas.Name, p.X, p.Y, p.Lo, rtts)
			}
		}
	}
	if _, _, _, err := d.AboveD("fanout", 100); err == nil {
		t.Error("AboveD at a c with no rows: want an error")
	}
	if _, _, _, err := d.AboveD("procs-fanout", 20); err == nil {
		t.Error("AboveD of a strategy with no rows: want an error")
	}
}

// TestNetworkCharts renders both charts of the sample and checks the
// streams series: three clients, strict at or above its model.
func TestNetworkCharts(t *testing.T) {
	d := readNetworkDev(t)
	measured, ideal, err := d.StreamsSeries()
	if err != nil {
		t.Fatal(err)
	}
	if len(measured) != 3 || len(ideal) != 3 {
		t.Fatalf("%d measured and %d ideal series, want 3 each", len(measured), len(ideal))
	}
	charts, err := NetworkCharts(d, "fanout", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 {
		t.Fatalf("%d charts, want 2", len(charts))
	}
	for _, c := range charts {
		var buf bytes.Buffer
		if err := c.Chart.WriteSVG(&buf); err != nil || buf.Len() == 0 {
			t.Errorf("%s: %v (%d bytes)", c.Base, err, buf.Len())
		}
	}
}

func TestReadNetworkErrors(t *testing.T) {
	if _, err := ReadNetwork(); err == nil {
		t.Error("no input: want an error")
	}
	noDelay := "BenchmarkNetwork/net=wan/proto=h1/strategy=fanout/conn=warm/c=1-2 1 100 ns/op 0 errors 90 ideal-ns 1 model-rtts\n"
	if _, err := ReadNetwork(Input{Name: "x", R: strings.NewReader(noDelay)}); err == nil || !strings.Contains(err.Error(), "delay") {
		t.Errorf("no delay line: %v", err)
	}
	noMetric := "delay: 50ms\nBenchmarkNetwork/net=wan/proto=h1/strategy=fanout/conn=warm/c=1-2 1 100 ns/op 0 errors 90 ideal-ns\n"
	if _, err := ReadNetwork(Input{Name: "x", R: strings.NewReader(noMetric)}); err == nil || !strings.Contains(err.Error(), "model-rtts") {
		t.Errorf("no model-rtts: %v", err)
	}
}

// TestChartFilesNetwork: ChartFiles (so plot, reproduce -draw and -redraw)
// draws a bench/network file's charts, byte for byte those of
// AllNetworkCharts, and refuses one whose rows lack a metric.
func TestChartFilesNetwork(t *testing.T) {
	p, err := ChartFiles("testdata/network-dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"network-above-d-fanout-c20", "network-streams"}
	if !slices.Equal(p.Bases(), want) {
		t.Fatalf("charts %q, want %q", p.Bases(), want)
	}
	direct, err := AllNetworkCharts(readNetworkDev(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range p.Charts {
		var got, exp bytes.Buffer
		if err := c.Chart.WriteSVG(&got); err != nil {
			t.Fatal(err)
		}
		if err := direct[i].Chart.WriteSVG(&exp); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), exp.Bytes()) {
			t.Errorf("%s: ChartFiles' SVG differs from AllNetworkCharts' (%d vs %d bytes)", c.Base, got.Len(), exp.Len())
		}
	}
	loop := "delay: 50ms\nBenchmarkNetwork/net=loopback/proto=h1/strategy=fanout/conn=warm/c=1-2 1 100 ns/op 0 errors 90 ideal-ns 1 model-rtts\n"
	if p, err := ChartInputs(Input{Name: "loop.txt", R: strings.NewReader(loop)}); err != nil || len(p.Charts) != 0 || !strings.Contains(strings.Join(p.Notes, "\n"), "skipping the network charts") {
		t.Errorf("a loopback-only network file: %v, %v; want no chart and a note", p, err)
	}
	bad := "delay: 50ms\nBenchmarkNetwork/net=wan/proto=h1/strategy=fanout/conn=warm/c=1-2 1 100 ns/op 0 errors 90 ideal-ns\n"
	if _, err := ChartInputs(Input{Name: "bad.txt", R: strings.NewReader(bad)}); err == nil || !strings.Contains(err.Error(), "model-rtts") {
		t.Errorf("a network row without model-rtts: %v, want an error naming it", err)
	}
}

// TestAllNetworkChartsPerC: a file with rows at two c (and two strategies)
// gives one time-above-d chart per strategy and c.
func TestAllNetworkChartsPerC(t *testing.T) {
	var in strings.Builder
	in.WriteString("delay: 50ms\n")
	for _, row := range []string{"fanout/conn=warm/c=10", "fanout/conn=warm/c=100", "fasthttp/conn=warm/c=10"} {
		in.WriteString("BenchmarkNetwork/net=wan/proto=h1/strategy=" + row + "-2 1 95000000 ns/op 0 errors 90000000 ideal-ns 1 model-rtts\n")
	}
	d, err := ReadNetwork(Input{Name: "x", R: strings.NewReader(in.String())})
	if err != nil {
		t.Fatal(err)
	}
	charts, err := AllNetworkCharts(d)
	if err != nil {
		t.Fatal(err)
	}
	var bases []string
	for _, c := range charts {
		bases = append(bases, c.Base)
	}
	want := []string{"network-above-d-fanout-c10", "network-above-d-fanout-c100", "network-above-d-fasthttp-c10"}
	if !slices.Equal(bases, want) {
		t.Errorf("charts %q, want %q", bases, want)
	}
}
