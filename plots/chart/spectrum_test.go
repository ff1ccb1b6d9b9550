package chart

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/crawlbench/crawlbench/bench/histlog"
)

// spectrumHist returns a histogram of n latencies from d up to d + spread.
func spectrumHist(t *testing.T, n int, d, spread time.Duration) *hdrhistogram.Histogram {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour), 3)
	for i := range n {
		if err := h.RecordValue(int64(d) + int64(spread)*int64(i)/int64(n)); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// TestSpectrumCharts groups a log's cells into one chart per cell name
// without strategy and conn, merges runs, and labels the percentile axis.
func TestSpectrumCharts(t *testing.T) {
	d := 50 * time.Millisecond
	entries := []histlog.Entry{
		{Cell: "Seed/n=100/strategy=fanout/conn=warm", Hist: spectrumHist(t, 100, d, time.Millisecond)},
		{Cell: "Seed/n=100/strategy=sequential/conn=warm", Hist: spectrumHist(t, 100, d, 2*time.Millisecond)},
		{Cell: "Seed/n=100/strategy=fanout/conn=warm", Hist: spectrumHist(t, 100, d, 3*time.Millisecond)},
		{Cell: "Seed/n=5/strategy=fanout/conn=cold", Hist: spectrumHist(t, 5, d, time.Millisecond)},
	}
	charts, err := SpectrumCharts(entries, "from test")
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 || charts[0].Base != "spectrum-Seed_n_100_conn_warm" || charts[1].Base != "spectrum-Seed_n_5_conn_cold" {
		t.Fatalf("charts %v", charts)
	}
	// Two lines in the n=100 chart, sequential first (the registry's order);
	// fanout's two runs merged: 200 requests, so its tail reaches 1 − 1/200.
	var buf bytes.Buffer
	if err := charts[0].Chart.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"50%", "99%", "sequential warm", "fanout warm", "from test"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Index(svg, "sequential warm") > strings.Index(svg, "fanout warm") {
		t.Error("legend: fanout before sequential")
	}
	s, err := SpectrumSeries("x", "fanout", "warm", spectrumHist(t, 200, d, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if last := s.Points[len(s.Points)-1]; last.X < 199 || last.X > 201 {
		t.Errorf("last x %g, want 200 (1/(1 − (1 − 1/200)))", last.X)
	}
	if _, err := SpectrumSeries("empty", "", "", hdrhistogram.New(1, 10, 3)); err == nil {
		t.Error("empty histogram: no error")
	}
}
