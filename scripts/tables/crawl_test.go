package main

import (
	"os"
	"strings"
	"testing"
)

func TestCrawlTable(t *testing.T) {
	b, err := os.ReadFile("testdata/crawl-dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, err := CrawlTable(source{name: "crawl-dev.txt", data: b})
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| c=64 m=4 |") {
			rows++
		}
	}
	if rows != 9 {
		t.Errorf("%d rows, want 3 strategies × 3 work:\n%s", rows, out)
	}
	for _, want := range []string{"GOMAXPROCS 2 ÷ 1", "| c=64 m=4 | 2ms | procs-fanout |", "÷ fanout (GOMAXPROCS 2)", "of roof"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// A file with a failed request is refused.
	bad := strings.Replace(string(b), "0 errors", "1 errors", 1)
	bad = strings.Replace(bad, "PASS\n", "    crawl_test.go:1: REQUESTS FAILED: 1 of 300 requests failed\nPASS\n", 1)
	if _, err := CrawlTable(source{name: "bad.txt", data: []byte(bad)}); err == nil {
		t.Error("a file with a failed request was tabled")
	}
}

// The Python crawlers get their own table: one row per work per page,
// asyncio and processes × asyncio side by side and their ratio; every
// cell shows both roof fractions.
func TestCrawlTablePython(t *testing.T) {
	b, err := os.ReadFile("testdata/crawl-py-dev.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, err := CrawlTable(source{name: "crawl-py-dev.txt", data: b})
	if err != nil {
		t.Fatal(err)
	}
	_, py, ok := strings.Cut(out, "Python crawlers")
	if !ok {
		t.Fatalf("no Python table:\n%s", out)
	}
	rows := 0
	for _, l := range strings.Split(py, "\n") {
		if strings.HasPrefix(l, "| c=64 m=4 |") {
			rows++
			if cells := strings.Split(l, "|"); len(cells) != 9 || !strings.HasSuffix(strings.TrimSpace(cells[7]), "×") || !strings.Contains(cells[4], " / ") {
				t.Errorf("row %q: want c, m, work, two rates with their roof fractions and a ratio", l)
			}
		}
	}
	if rows != 2 {
		t.Errorf("%d Python rows, want 2 (work 0 and 2ms):\n%s", rows, out)
	}
	goPart, _, _ := strings.Cut(out, "Python crawlers")
	if strings.Contains(goPart, "py-crawl") || !strings.Contains(goPart, "| c=64 m=4 | 2ms | procs-fanout |") {
		t.Errorf("the Go table holds a Python row or lacks procs-fanout:\n%s", goPart)
	}
}
