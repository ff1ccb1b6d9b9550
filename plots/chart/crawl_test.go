package chart

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// A small BenchmarkCrawl file gives one Go roofline chart with a line per
// strategy and GOMAXPROCS, both roofs, and renders.
func TestCrawlCharts(t *testing.T) {
	f, err := os.Open("testdata/crawl-dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ReadCrawl(f, "crawl-dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Cells) != 18 {
		t.Fatalf("%d cells, want 3 strategies × 3 work × 2 GOMAXPROCS", len(d.Cells))
	}
	for _, c := range d.Cells {
		if len(c.PagesPerS) != 2 || c.IORoof <= 0 || c.CPURoof <= 0 || c.Cores < 1 {
			t.Errorf("cell %+v: want 2 runs, both roofs and cores", c)
		}
	}
	charts, err := CrawlCharts(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 1 || charts[0].Base != "crawl-roofline-go-c64-m4" {
		t.Fatalf("charts %v", charts)
	}
	var svg bytes.Buffer
	if err := charts[0].Chart.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"IO roof", "CPU roof, 1 core", "CPU roof, 2 core", "fanout, GOMAXPROCS 1", "procs-fanout, GOMAXPROCS 2"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("the SVG does not say %q", want)
		}
	}
}

func TestReadCrawlRejectsOtherFiles(t *testing.T) {
	if _, err := ReadCrawl(strings.NewReader("BenchmarkSeed/n=5-2 1 100 ns/op\n"), "seed.txt"); err == nil {
		t.Error("a file without BenchmarkCrawl results was read")
	}
}

// ChartInputs draws a BenchmarkCrawl file's roofline charts, one per
// language; a Python crawler's line is not labelled with a GOMAXPROCS.
func TestChartInputsCrawl(t *testing.T) {
	b, err := os.ReadFile("testdata/crawl-py-dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ChartInputs(Input{Name: "crawl-py-dev.txt", R: bytes.NewReader(b)})
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]*Chart{}
	for _, c := range p.Charts {
		bases[c.Base] = c.Chart
	}
	if len(bases) != 2 || bases["crawl-roofline-go-c64-m4"] == nil || bases["crawl-roofline-python-c64-m4"] == nil {
		t.Fatalf("charts %v, want the Go and the Python roofline", p.Bases())
	}
	var svg bytes.Buffer
	if err := bases["crawl-roofline-python-c64-m4"].WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	if s := svg.String(); !strings.Contains(s, "py-crawl-procs-asyncio") || strings.Contains(s, "py-crawl-asyncio, GOMAXPROCS") || !strings.Contains(s, "CPU roof, 2 core") {
		t.Errorf("the Python chart lacks its lines or CPU roofs, or labels a GOMAXPROCS")
	}
}
