package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/bench/breakdown"
)

// TestBreakdownChart reads a -breakdown run and draws its chart, whose
// rows keep the residual as measured.
func TestBreakdownChart(t *testing.T) {
	data, err := os.ReadFile("testdata/breakdown-d5ms.txt")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReadBreakdown("breakdown-d5ms.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 6: %+v", len(rows), rows)
	}
	gap := slices.Index(breakdown.Parts(), breakdown.GapMetric)
	for _, r := range rows {
		if len(r.Parts) != len(breakdown.Parts()) {
			t.Errorf("%s: %d parts, want %d", r.Name, len(r.Parts), len(breakdown.Parts()))
			continue
		}
		// Only the sequential client has waves, hence gaps between them.
		if seq := strings.Contains(r.Name, "strategy=sequential"); seq != (r.Parts[gap] > 0) {
			t.Errorf("%s: client-gap %v ms, want > 0: %v", r.Name, r.Parts[gap], seq)
		}
	}
	// A file from before the client gap (no bd-client-gap-ns) is read, its
	// gap 0 (its residual holds it).
	old := regexp.MustCompile(`\s+\S+ bd-client-gap-ns`).ReplaceAll(data, nil)
	if rows, err := ReadBreakdown("old.txt", old); err != nil || len(rows) != 6 {
		t.Errorf("a file without client-gap: %d rows, err %v; want 6, nil", len(rows), err)
	}
	var bi breakdownInputs
	if err := bi.read("breakdown-d5ms.txt", data); err != nil {
		t.Fatal(err)
	}
	out := &Plotted{}
	if err := bi.chart(out, func(_ string, c []NamedChart) error { out.Charts = append(out.Charts, c...); return nil }); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range out.Charts {
		if c.Base == BreakdownBase {
			found = true
			var svg bytes.Buffer
			if err := c.Chart.WriteSVG(&svg); err != nil || svg.Len() == 0 {
				t.Errorf("WriteSVG: %v (%d bytes)", err, svg.Len())
			}
		}
	}
	if !found {
		t.Errorf("ChartInputs gave no %s chart", BreakdownBase)
	}
	if _, err := BreakdownChart(nil, "none"); err == nil {
		t.Error("BreakdownChart(nil) did not fail")
	}
}

// TestChartInputsBreakdownOnly: a -breakdown run of a few warm Seed rows
// (no sequential row, so no speed-up bars) still draws its breakdown chart
// instead of failing with "nothing to plot".
func TestChartInputsBreakdownOnly(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "breakdown-quick.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ChartInputs(Input{Name: "results/breakdown-quick.txt", R: bytes.NewReader(b)})
	if err != nil {
		t.Fatalf("ChartInputs: %v", err)
	}
	var bases []string
	for _, c := range p.Charts {
		bases = append(bases, c.Base)
	}
	if !slices.Contains(bases, "breakdown") {
		t.Errorf("charts %v: want the breakdown chart", bases)
	}
}

// TestChartInputsPitfallsNoChart: a BenchmarkPitfall file draws nothing
// and says so in a note, instead of failing as an unknown benchmark.
func TestChartInputsPitfallsNoChart(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "scripts", "tables", "testdata", "pitfalls-d10ms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ChartInputs(Input{Name: "pitfalls.txt", R: bytes.NewReader(b)})
	if err != nil {
		t.Fatalf("ChartInputs: %v", err)
	}
	if len(p.Charts) != 0 || !strings.Contains(strings.Join(p.Notes, "\n"), "BenchmarkPitfall has no chart") {
		t.Errorf("charts %d, notes %q; want none and a note", len(p.Charts), p.Notes)
	}
}
