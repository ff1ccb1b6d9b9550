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
	for _, want := range []string{"| Seed/n=5/strategy=fanout/conn=warm |", "| Seed/n=5/strategy=procs-fanout/conn=cold |", "ipc ms", "client-send ms", "return ms", "client-read ms", "residual ms", "bursts per batch"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if rows := strings.Count(got, "\n| Seed/"); rows != 4 {
		t.Errorf("%d rows, want 4:\n%s", rows, got)
	}
	plain, err := os.ReadFile("testdata/seed-slowserver-d20ms.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BreakdownTable([]source{{name: "seed.txt", data: plain}}); err == nil || !strings.Contains(err.Error(), "-breakdown") {
		t.Errorf("a file without the breakdown: err = %v, want one naming -breakdown", err)
	}
}
