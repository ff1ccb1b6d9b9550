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
		"| pitfall | net | proto | symptom | measured cost (bad; fix) | fix | measured gain |",
		"protocols h1 (HTTP/1.1 plain)",
		"| idle-pool (c = 100) | loopback | h1 |",
		"| fasthttp-maxconns (c = 1000) | wan | h1 |",
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

// pitfallsTLSFile is a tiny real run with TLS rows:
// go test ./bench/pitfalls -run '^$' -bench Pitfall -nets wan -protos h1,h1tls13 -pitfalls idle-pool,resolve-per-conn,no-timeout -benchtime 2x -count 2 -hang-bound 500ms -stall-timeout 50ms.
const pitfallsTLSFile = "testdata/pitfalls-tls-d10ms.txt"

// TestPitfallTableTLS: a file with plain and TLS rows gives a row per
// protocol, the plain one first, and names both protocols above the table.
func TestPitfallTableTLS(t *testing.T) {
	s, err := render(kindPitfalls, "", []string{pitfallsTLSFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + s)
	if got := strings.Count(s, "\n| ") - 1; got != 6 {
		t.Errorf("%d rows; want 6 (3 pitfalls × h1, h1tls13 on wan):\n%s", got, s)
	}
	for _, want := range []string{
		"h1tls13 (HTTP/1.1 over TLS 1.3, no resumption)",
		"| idle-pool (c = 100) | wan | h1 |",
		"| idle-pool (c = 100) | wan | h1tls13 |",
		"| resolve-per-conn (c = 100) | wan | h1tls13 |",
		"100 lookups (0)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if i, j := strings.Index(s, "| idle-pool (c = 100) | wan | h1 |"), strings.Index(s, "| idle-pool (c = 100) | wan | h1tls13 |"); i > j {
		t.Errorf("the TLS row comes before the plain one:\n%s", s)
	}
}
