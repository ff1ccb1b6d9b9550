package resultset

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite testdata/*.want from the current output")

// report is what a golden file holds for an input: every problem, one a
// line, then the cells' overhead-x summaries.
func report(s *Set) string {
	var b strings.Builder
	for _, p := range s.Problems {
		fmt.Fprintf(&b, "%s\t%s\n", p.Kind, p.Error())
	}
	cells, err := s.Group(".fullname", "")
	if err != nil {
		return err.Error()
	}
	for _, c := range cells {
		sum, ok := c.Summary("sec/op")
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "cell %s: %d runs, sec/op %.4g %s\n", c.Name, c.Runs(), sum.Center, sum.Spread())
	}
	return b.String()
}

// TestGolden parses each testdata input and compares every problem it
// reports (kind, line, words) with testdata/<input>.want. Each input is
// one defect of issue 15: a failure in run 2 of 3, an errors metric > 0,
// NaN, +Inf, an incomplete run (no PASS, or the marker), an empty, blank,
// binary, header-only or prose file, a wrong overhead-x, a second pkg:,
// -cpu 1,2, ms/op.
func TestGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/*.txt")
	bins, _ := filepath.Glob("testdata/*.bin")
	ins = append(ins, bins...)
	if len(ins) < 15 {
		t.Fatalf("found %d inputs, want the 15+ of testdata", len(ins))
	}
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			s, err := Open(in)
			if err != nil {
				t.Fatal(err)
			}
			got := report(s)
			want := strings.TrimSuffix(in, filepath.Ext(in)) + ".want"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(w) {
				t.Errorf("report differs from %s:\ngot:\n%s\nwant:\n%s", want, got, w)
			}
		})
	}
}

// TestKinds checks, beside the golden files, that each defect input
// refuses with the right kind and the good one with none.
func TestKinds(t *testing.T) {
	for in, want := range map[string]Kind{
		"fail-run2.txt":         Failed,
		"errors-metric.txt":     Errors,
		"nan.txt":               NonFinite,
		"inf.txt":               NonFinite,
		"incomplete.txt":        Incomplete,
		"incomplete-marker.txt": Incomplete,
		"empty.txt":             Unreadable,
		"blank.txt":             Unreadable,
		"binary.bin":            Unreadable,
		"header-only.txt":       Unreadable,
		"prose.txt":             Unreadable,
		"overhead.txt":          Overhead,
		"two-pkg.txt":           MixedPkg,
		"cpu12.txt":             MixedProcs,
	} {
		s, err := Open(filepath.Join("testdata", in))
		if err != nil {
			t.Fatal(err)
		}
		if !s.Has(want) || s.Err() == nil {
			t.Errorf("%s: problems %v, want a %s one", in, s.Problems, want)
		}
		if s.Err(want) != nil && want != Failed && want != Incomplete && want != Unreadable {
			t.Errorf("%s: tolerating %s still leaves %v", in, want, s.Err(want))
		}
	}
	s, err := Open("testdata/good.txt")
	if err != nil || s.Err() != nil {
		t.Fatalf("good.txt: %v, %v", err, s.Err())
	}
}

// A run that failed in run 2 of 3 is not reported as a syntax error
// (issue 15 defect 1): its --- FAIL line is the problem, and both good
// runs are kept.
func TestFailedRunIsNotASyntaxError(t *testing.T) {
	s, _ := Open("testdata/fail-run2.txt")
	if s.Has(Syntax) || !s.Has(Failed) || len(s.Results) != 2 {
		t.Errorf("problems %v, %d results; want Failed, no Syntax, 2 results", s.Problems, len(s.Results))
	}
	if !strings.Contains(s.Err().Error(), "fail-run2.txt:9: a benchmark failed") {
		t.Errorf("err %v: want the line of the --- FAIL", s.Err())
	}
}

// ms/op is normalised to sec/op, as ns/op is.
func TestTimeUnitsNormalised(t *testing.T) {
	s, _ := Open("testdata/msop.txt")
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Results[0].Value("sec/op"); !ok || v != 0.052 {
		t.Errorf("sec/op = %v, %v; want 0.052", v, ok)
	}
	if u, back := Unit("p99-ns"); u != "p99-sec" || back != 1e9 {
		t.Errorf("Unit(p99-ns) = %s, %g", u, back)
	}
}

// A syntax error unwraps to benchfmt's.
func TestSyntaxErrorUnwraps(t *testing.T) {
	s := Parse("f", []byte("BenchmarkX-2 1 abc ns/op\nPASS\n"))
	var se *benchfmt.SyntaxError
	if !errors.As(s.Err(), &se) || se.Line != 1 {
		t.Errorf("err %v: want a *benchfmt.SyntaxError at line 1", s.Err())
	}
}

// A line longer than benchfmt reads is named by its own number, without
// bufio.Scanner's words (issue 15, minor).
func TestLongLineNamed(t *testing.T) {
	data := "goos: linux\nBenchmarkX-2 1 5 ns/op\n" + strings.Repeat("x", MaxLine+1) + "\nPASS\n"
	err := Parse("long.txt", []byte(data)).Err()
	if err == nil || !strings.Contains(err.Error(), "long.txt:3: line is 65536 bytes") || strings.Contains(err.Error(), "bufio") {
		t.Errorf("err %v: want line 3 named, no bufio", err)
	}
}

// Only regular files are read, and only up to the cap: /dev/zero, a FIFO
// and a directory are refused at once (issue 15, minor).
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	paths := map[string]string{dir: "a directory"}
	if runtime.GOOS != "windows" {
		if err := unix.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		paths[fifo] = "a FIFO"
		paths["/dev/zero"] = "a device"
	}
	for p, want := range paths {
		if _, err := ReadFile(p, 0); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadFile(%s) = %v, want %q", p, err, want)
		}
	}
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big, 1<<20); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("ReadFile(2 MiB, cap 1 MiB) = %v", err)
	}
}

// Provenance reads the binary's keys before the runner's.
func TestProvenance(t *testing.T) {
	s := Parse("p", []byte(KeyCommitAtStart+": aaaa\n"+KeyDirtyAtStart+": true\n"+KeyRunnerGo+": go1.x\n"+KeyCount+": 6\nBenchmarkX-2 1 5 ns/op\nPASS\n"))
	p := s.Provenance()
	if p.Commit != "aaaa" || !p.Dirty || p.Go != "go1.x" || p.Count != 6 {
		t.Errorf("runner only: %+v", p)
	}
	s = Parse("p", []byte(KeyCommitAtStart+": aaaa\n"+KeyCommit+": bbbb\n"+KeyDirty+": false\n"+KeyDirtyAtStart+": true\nBenchmarkX-2 1 5 ns/op\nPASS\n"))
	if p := s.Provenance(); p.Commit != "bbbb" || p.Dirty {
		t.Errorf("binary wins: %+v", p)
	}
}

// Summaries are benchstat's: the median with a 95 % interval, ±∞ below
// six runs.
func TestSummarize(t *testing.T) {
	s := Summarize([]float64{3, 1, 2})
	if s.Center != 2 || s.Min != 1 || s.Max != 3 || s.N != 3 || s.Spread() != "±∞" {
		t.Errorf("3 runs: %+v %s", s, s.Spread())
	}
	s = Summarize([]float64{100, 101, 99, 100, 102, 98})
	if s.Center != 100 || s.Spread() != "±2%" {
		t.Errorf("6 runs: %+v %s", s, s.Spread())
	}
}

// An indented log line that looks like a configuration line is not one.
func TestIndentedLogIsNotConfig(t *testing.T) {
	s := Parse("f", []byte("pkg: a\nBenchmarkX-2 1 5 ns/op\n    pkg: b\nPASS\n"))
	if s.Has(MixedPkg) || s.Err() != nil {
		t.Errorf("problems %v, want none", s.Problems)
	}
	s = Parse("f", []byte("pkg: a\nBenchmarkX-2 1 5 ns/op\npkg: b\nBenchmarkX-2 1 5 ns/op\nPASS\n"))
	if !s.Has(MixedPkg) {
		t.Errorf("problems %v, want a second pkg:", s.Problems)
	}
}
