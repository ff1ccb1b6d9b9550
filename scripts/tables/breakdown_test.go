package main

import (
	"os"
	"strings"
	"testing"
)

// TestBreakdownTable renders a -breakdown run's rows, and refuses a file
// without any.
func TestBreakdownTable(t *testing.T) {
	data, err := os.ReadFile("testdata/breakdown-d5ms.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := BreakdownTable([]source{{name: "breakdown-d5ms.txt", data: data}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Seed/n=5/strategy=fanout/conn=warm |", "| Seed/n=5/strategy=procs-fanout/conn=cold |", "ipc ms", "client-send ms", "return ms", "client-read ms", "client-gap ms", "residual ms", "bursts per batch", "client waves per batch", "| Seed/n=5/strategy=sequential/conn=warm |"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if rows := strings.Count(got, "\n| Seed/"); rows != 6 {
		t.Errorf("%d rows, want 6:\n%s", rows, got)
	}
	// A row's cells match the header's columns.
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "| Seed/") && strings.Count(line, "|") != strings.Count(strings.SplitN(got, "\n", 4)[2], "|") {
			t.Errorf("row %q: %d cells, header %d", line, strings.Count(line, "|"), strings.Count(strings.SplitN(got, "\n", 4)[2], "|"))
		}
	}
	plain, err := os.ReadFile("testdata/seed-slowserver-d20ms.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BreakdownTable([]source{{name: "seed.txt", data: plain}}); err == nil || !strings.Contains(err.Error(), "-breakdown") {
		t.Errorf("a file without the breakdown: err = %v, want one naming -breakdown", err)
	}
}
