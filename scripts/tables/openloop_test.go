package main

import (
	"os"
	"strings"
	"testing"
)

// TestOpenLoopTable renders a short bench/openloop run: every section,
// ours beside vegeta at each rate, and the stall factors.
func TestOpenLoopTable(t *testing.T) {
	data, err := os.ReadFile("testdata/openloop-d50ms.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenLoopTable(source{name: "openloop.txt", data: data})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Pacer accuracy", "| 1000 | fasthttp |", "| 1000 | vegeta |", "| 5000 | vegeta |", "| 5000 | fanout |",
		"Stall (at 1s for 1s of 3s, c = 8; d = 50ms)", "| closed |", "| open |", "Open-loop p99 ÷ closed-loop p99",
		"Hockey stick", "| k8 | constant | 150 | 240 |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if _, err := OpenLoopTable(source{name: "x.txt", data: []byte("BenchmarkSeed/n=5 1 100 ns/op\n")}); err == nil {
		t.Error("a file without bench/openloop results: want an error")
	}
	failed := strings.Replace(string(data), "0 errors", "3 errors", 1)
	if _, err := OpenLoopTable(source{name: "f.txt", data: []byte(failed)}); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("failed requests: %v, want the file refused", err)
	}
}
