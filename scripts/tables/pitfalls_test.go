package main

import (
	"strings"
	"testing"
)

// pitfallsFile is a tiny real BenchmarkPitfall run:
// go test ./bench/pitfalls -run '^$' -bench Pitfall -benchtime 2x -count 2 -hang-bound 500ms -stall-timeout 50ms.
const pitfallsFile = "testdata/pitfalls-d10ms.txt"

func TestPitfallTable(t *testing.T) {
	s, err := render(kindPitfalls, "", []string{pitfallsFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + s)
	if got := strings.Count(s, "\n| ") - 1; got != 12 { // less the header
		t.Errorf("%d rows; want 12 (6 pitfalls × loopback, wan):\n%s", got, s)
	}
	for _, want := range []string{
		"| pitfall | net | symptom | measured cost (bad; fix) | fix | measured gain |",
		"| idle-pool (c = 100) | loopback |",
		"| fasthttp-maxconns (c = 1000) | wan |",
		"488 failed: no free connections (0)",
		"100 hung until the bound (0)",
		"100 lookups (0)",
		"sooner (sec/op)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}
