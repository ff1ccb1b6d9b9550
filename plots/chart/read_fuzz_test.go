package chart

import (
	"bytes"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// A results file cut short anywhere is an error naming the file, or (cut at
// a line boundary) a smaller but valid file; never a panic, never a value
// read from half a number.
func TestReadTruncated(t *testing.T) {
	full, err := os.ReadFile("testdata/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Read(strings.NewReader(string(full)), "small.txt")
	if err != nil {
		t.Fatal(err)
	}
	wantLo, _ := want.Runs()
	step := len(full)/150 | 1 // about 150 cuts, at varying offsets within lines
	for cut := 0; cut < len(full); cut += step {
		in := string(full[:cut])
		d, err := Read(strings.NewReader(in), "small.txt")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "plots: ") || !strings.Contains(err.Error(), "small.txt") {
				t.Fatalf("cut at %d: error %q does not name the file", cut, err)
			}
			continue
		}
		// Accepted: the data must be sound, and a cut inside a line said.
		checkData(t, d)
		if cut > 0 && full[cut-1] != '\n' && !slices.ContainsFunc(d.Warnings(), func(w string) bool { return strings.Contains(w, "cut short") }) {
			t.Fatalf("cut at %d, inside a line: accepted without a warning (%q)", cut, d.Warnings())
		}
		if lo, _ := d.Runs(); lo > wantLo {
			t.Fatalf("cut at %d: %d runs per configuration, more than the full file's %d", cut, lo, wantLo)
		}
	}
	for _, tc := range []struct{ name, in, want string }{
		{"mid value", "BenchmarkSeed/n=5/strategy=fanout/conn=warm-2\t1\t5200", "syntax error"},
		{"mid unit", "BenchmarkSeed/n=5/strategy=fanout/conn=warm-2\t1\t52000000 ns/op\t51000000 p5", "metric"},
		{"mid name", "BenchmarkSeed/n=5/strat", "no benchmark results"},
		{"header only", "delay: 50ms\ngoos: linux\n", "no benchmark results"},
	} {
		if _, err := Read(strings.NewReader(tc.in), "f.txt"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Read = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// Values that are not numbers, or not finite, or of the wrong sign are
// rejected naming the metric (more in TestReadErrors).
func TestReadRejectsBadValues(t *testing.T) {
	good := line("Seed/n=5/strategy=fanout/conn=warm-2", 52e6, 51e6, 53e6, 95, 0, 50e6)
	for _, tc := range []struct{ name, in, want string }{
		{"infinite", strings.Replace(good, "95 req/s", "+Inf req/s", 1), "metric req/s is +Inf: want a finite number"},
		{"negative wall", strings.Replace(good, "52000000 ns/op", "-5 ns/op", 1), "metric ns/op is -5e-09: want > 0"},
		{"duplicate metric", strings.Replace(good, "\n", "\t7 errors\n", 1), "metric errors appears twice"},
		{"word", strings.Replace(good, "95 req/s", "many req/s", 1), "syntax error"},
		{"no unit", strings.Replace(good, "95 req/s", "95", 1), "syntax error"},
		{"huge n", strings.Replace(good, "n=5", "n=99999999999999999999", 1), "n=99999999999999999999: want an integer ≥ 1"},
	} {
		if _, err := Read(strings.NewReader(tc.in), "f.txt"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Read = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// checkData runs every extraction on d and checks the invariants Read
// promises: finite positive values where they must be, runs ≥ 1.
func checkData(t *testing.T, d *Data) {
	t.Helper()
	if lo, hi := d.Runs(); lo < 1 || hi < lo {
		t.Fatalf("Runs() = %d, %d", lo, hi)
	}
	for _, fam := range []string{FamilySeed, FamilyConcurrency, FamilyBatch} {
		for _, r := range d.Rows(fam) {
			for unit, p := range r.Metrics {
				for _, v := range []float64{p.Y, p.Lo, p.Hi} {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("row %+v: %s is %v", r, unit, v)
					}
				}
				if p.Lo > p.Y || p.Y > p.Hi {
					t.Fatalf("row %+v: %s median %g outside %g..%g", r, unit, p.Y, p.Lo, p.Hi)
				}
			}
		}
	}
	for _, fam := range []string{FamilyConcurrency, FamilyBatch} {
		for _, srv := range d.Servers(fam) {
			_, _, _ = d.LatencyVsConcurrency(srv)
			_, _, _ = d.ThroughputVsConcurrency(srv)
			_, _, _ = d.WallVsN(srv)
		}
	}
	for _, n := range d.SeedNs() {
		_, _, _ = d.SeedSpeedups(n)
	}
}

// FuzzRead checks that Read never panics: any input is an error naming the
// input, or data whose every extraction works and holds finite values.
// Seeds are in testdata/fuzz/FuzzRead (the testdata files and variants).
func FuzzRead(f *testing.F) {
	for _, name := range []string{"small.txt", "malformed.txt", "zero.txt", "missing-metric.txt", "empty.txt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		// Small seeds keep the fuzzer fast (it minimises what it finds).
		if len(b) > 4<<10 {
			b = b[:bytes.LastIndexByte(b[:4<<10], '\n')+1]
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := Read(strings.NewReader(string(in)), "fuzz.txt")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "plots: ") {
				t.Fatalf("error %q does not start with plots:", err)
			}
			return
		}
		checkData(t, d)
	})
}
