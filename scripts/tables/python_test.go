package main

import (
	"os"
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

// pyScaleFile is a tiny real BenchmarkScale run with Python rows:
// go test ./bench/scale -run '^$' -bench Scale -scale 50,100 -delay 20ms
// -strategies py-aiohttp,py-procs-aiohttp,fasthttp,fanout -benchtime 1x -count 2.
const pyScaleFile = "testdata/scale-py-d20ms.txt"

func TestPyScaleTable(t *testing.T) {
	s, err := render(kindPyScale, "", []string{pyScaleFile})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"d = 20ms\n",
		"| in flight | conn | fanout | fasthttp | py-aiohttp | py-procs-aiohttp |",
		"| 100 | cold | 1.365 ±∞ | 1.257 ±∞ | 2.229 ±∞ | 1.669 ±∞ |",
		"| 50 | warm | 40.7 ms · 43.0 KiB | 24.6 ms · 23.2 KiB | 100.0 ms · 23.1 KiB | 100.0 ms · 144.2 KiB |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("pyscaletable lacks %q:\n%s", want, s)
		}
	}
	// warm before cold, 50 before 100.
	if i, j := strings.Index(s, "| 50 | cold |"), strings.Index(s, "| 100 | warm |"); i < 0 || j < i || strings.Index(s, "| 50 | warm |") > i {
		t.Errorf("levels out of order:\n%s", s)
	}
	full, err := render(kindScale, "", []string{pyScaleFile})
	if err != nil {
		t.Fatal(err)
	}
	// Python rows: no goroutines or Go heap, shown absent, never 0.
	if !strings.Contains(full, "| 50 | py-aiohttp | warm | 1.366 ±∞ | 23ms ±∞ | 23.1 KiB | – | – | 58 | 100.0 | 0 |") || !strings.Contains(full, "worker processes', read from /proc") {
		t.Errorf("scaletable of Python rows:\n%s", full)
	}
}

func TestFlaskTable(t *testing.T) {
	a, b := "testdata/seed-slowserver-d20ms.txt", "testdata/seed-flask-d20ms.txt"
	s, err := render(kindFlask, "", []string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| n | strategy | conn | time, slowserver | overhead-x, slowserver | time, flask | overhead-x, flask | time flask ÷ slowserver |",
		"| 5 | py-aiohttp | warm | 21.58 ms ±∞ | 1.079 ±∞ | 22.77 ms ±∞ | 1.139 ±∞ | 1.055 |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("flasktable lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range [][]string{{a}, {a, a}, {b, b + "x"}} {
		if _, err := render(kindFlask, "", bad); err == nil {
			t.Errorf("flasktable %v: no error", bad)
		}
	}
	// Two files against the same server compare nothing.
	if _, err := FlaskTable([]source{{name: "a", data: mustRead(t, a)}, {name: "b", data: mustRead(t, a)}}); err == nil || !strings.Contains(err.Error(), "want two servers") {
		t.Errorf("same server twice: err = %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
