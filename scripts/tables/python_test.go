package main

import (
	"strings"
	"testing"
)

// pySeedFile is a tiny real BenchmarkSeed run with the Python rows:
// go test ./bench -run '^$' -bench Seed -delay 20ms -benchtime 1x -count 2.
const pySeedFile = "testdata/seed-py-d20ms.txt"

func TestSeedTablePythonColumn(t *testing.T) {
	for _, kind := range []string{kindSeed, kindSeedSum} {
		s, err := render(kind, "", []string{pySeedFile})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s, "Python, this machine") {
			t.Errorf("%s: no column Python, this machine:\n%s", kind, s)
		}
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(line, "| 100 | py-") || strings.HasPrefix(line, "| py-") {
				t.Errorf("%s: a Python strategy listed as a row of its own: %s", kind, line)
			}
		}
		// The seed's row 5 (aiohttp, session per request) beside its py twin and Go.
		want := "| 1.04 d (3.11 s) | py-aiohttp: cold 2.18 d (43.57 ms); 1.590 ±∞ / 2.178 ±∞ | 1.18 d (23.58 ms) |"
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %q:\n%s", kind, want, s)
		}
	}
	// A file without Python rows keeps its old layout: no Python column.
	s, err := render(kindSeed, "", []string{seedFile})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "Python, this machine") {
		t.Errorf("a file without Python rows got the Python column:\n%s", s)
	}
}

func TestPythonTable(t *testing.T) {
	s, err := render(kindPython, "", []string{pySeedFile})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"n = 100, d = 20ms",
		"| py-httpx | – (today's pick) | 104.8 ms ±∞ | 1.793 s ±∞ | 5.242 ±∞ / 89.630 ±∞ | – | 104.4 ms ±∞ | 138.1 ms ±∞ |",
		"| py-aiohttp | fanout | 31.8 ms ±∞ | 43.57 ms ±∞ | 1.590 ±∞ / 2.178 ±∞ | 1.179 ±∞ / 1.456 ±∞ |",
		"| py-aiohttp-uvloop |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("pytable lacks %q:\n%s", want, s)
		}
	}
	if _, err := render(kindPython, "", []string{seedFile}); err == nil || !strings.Contains(err.Error(), "no Python rows") {
		t.Errorf("pytable of a file without Python rows: err = %v, want one naming the missing rows", err)
	}
}
