package chart

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/histlog"
	"github.com/crawlbench/crawlbench/clients"
)

func TestHockeyCharts(t *testing.T) {
	b, err := os.ReadFile("testdata/openloop.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadOpenLoop(bytes.NewReader(b), "openloop.txt")
	if err != nil {
		t.Fatal(err)
	}
	charts, err := d.HockeyCharts()
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 1 || charts[0].Base != "openloop-hockey-k8-constant" {
		t.Fatalf("charts %v, want openloop-hockey-k8-constant", charts)
	}
	ch := charts[0].Chart
	if len(ch.Panels) != 3 {
		t.Fatalf("%d panels, want p50, p99, p99.9", len(ch.Panels))
	}
	var svg bytes.Buffer
	if err := ch.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"knee k/d = 160 req/s", "model (FIFO queue)", "fanout", "procs-fanout"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// A file without bench/openloop results is refused, naming the families.
	if _, err := ReadOpenLoop(strings.NewReader("BenchmarkSeed/n=5 1 100 ns/op\n"), "x.txt"); err == nil || !strings.Contains(err.Error(), "BenchmarkOpenLoop") {
		t.Errorf("ReadOpenLoop(Seed) = %v, want an error naming BenchmarkOpenLoop", err)
	}
}

func TestStallSpectrum(t *testing.T) {
	hist := func(lat ...time.Duration) histlog.Entry {
		h := clients.NewHistogram()
		for _, l := range lat {
			_ = h.RecordValue(int64(l))
		}
		return histlog.Entry{Hist: h}
	}
	var entries []histlog.Entry
	for _, c := range []string{"Stall/loop=closed/strategy=fanout/hist=corrected", "Stall/loop=closed/strategy=fanout/hist=uncorrected",
		"Stall/loop=open/strategy=fanout/arrival=constant/hist=corrected", "Stall/loop=closed/strategy=fanout/hist=model-uncorrected", "Seed/n=5/strategy=fanout/conn=warm"} {
		e := hist(50*time.Millisecond, 60*time.Millisecond, time.Second)
		e.Cell = c
		entries = append(entries, e)
	}
	nc, err := StallSpectrum(entries, "note")
	if err != nil || nc == nil {
		t.Fatalf("StallSpectrum = %v, %v", nc, err)
	}
	var svg bytes.Buffer
	if err := nc.Chart.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"closed loop, corrected", "closed loop, uncorrected", "open loop, corrected", "closed loop, model uncorrected"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Contains(svg.String(), "Seed") {
		t.Error("a Seed cell was drawn")
	}
	if nc, err := StallSpectrum(entries[4:], ""); nc != nil || err != nil {
		t.Errorf("no Stall cells: %v, %v; want nothing", nc, err)
	}
}

// TestChartFilesOpenLoop: ChartFiles draws a bench/openloop file's hockey
// sticks, and the stall spectrum from the .hlog beside it.
func TestChartFilesOpenLoop(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/openloop.txt")
	if err != nil {
		t.Fatal(err)
	}
	path := dir + "/r.txt"
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	w, f, err := histlog.Create(histlog.PathFor(path))
	if err != nil {
		t.Fatal(err)
	}
	h := clients.NewHistogram()
	_ = h.RecordValue(int64(50 * time.Millisecond))
	for _, c := range []string{"Stall/loop=closed/strategy=fanout/hist=uncorrected", "Stall/loop=open/strategy=fanout/arrival=constant/hist=corrected"} {
		if err := w.Write(c, h); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	out, err := ChartFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.Bases(), ","); got != "openloop-hockey-k8-constant,openloop-stall-spectrum" {
		t.Errorf("charts %s, want the hockey stick and the stall spectrum", got)
	}
}
