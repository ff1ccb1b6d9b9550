package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const small = "../../testdata/small.txt"

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestWritesEveryChart(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCmd("-in", small, "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	paths := strings.Fields(stdout)
	if len(paths) != 14 {
		t.Errorf("%d paths written, want 7 charts × 2 formats: %q", len(paths), paths)
	}
	for _, want := range []string{"concurrency-latency-k64.svg", "concurrency-latency-k64.png", "concurrency-throughput-k64.png", "batch-wall-unlimited.svg", "seed-speedup-n100.png"} {
		p := filepath.Join(dir, want)
		if !slices.Contains(paths, p) {
			t.Errorf("stdout lacks %s", p)
		}
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, "1 failed requests") {
		t.Errorf("stderr %q: want the failed-request warning", stderr)
	}
}

func TestFormatSVGOnly(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCmd("-in", small, "-out", dir, "-format", "svg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, p := range strings.Fields(stdout) {
		if filepath.Ext(p) != ".svg" {
			t.Errorf("wrote %s with -format svg", p)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.png")); len(m) != 0 {
		t.Errorf("PNG files %q with -format svg", m)
	}
}

func TestSkipsAbsentChartsWithANote(t *testing.T) {
	in := filepath.Join(t.TempDir(), "seed.txt")
	data := "delay: 50ms\n" +
		"BenchmarkSeed/n=5/strategy=sequential/conn=warm-2\t1\t250000000 ns/op\t0 errors\t250000000 ideal-ns\t50000000 p50-ns\t51000000 p99-ns\t20 req/s\n" +
		"BenchmarkSeed/n=5/strategy=fanout/conn=warm-2\t1\t52000000 ns/op\t0 errors\t50000000 ideal-ns\t50000000 p50-ns\t51000000 p99-ns\t96 req/s\n"
	if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, stdout, stderr := runCmd("-in", in, "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := strings.Fields(stdout); len(got) != 2 || filepath.Base(got[0]) != "seed-speedup-n5.svg" {
		t.Errorf("wrote %q, want only seed-speedup-n5", got)
	}
	for _, want := range []string{"note: no BenchmarkConcurrency results", "note: no BenchmarkBatch results"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}

func TestBadFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing -in", []string{"-out", dir}, "plot: -in: missing"},
		{"unreadable -in", []string{"-in", filepath.Join(dir, "nope.txt"), "-out", dir}, "plot: -in " + filepath.Join(dir, "nope.txt") + ": cannot read: no such file or directory"},
		{"-in a directory", []string{"-in", dir, "-out", dir}, "is a directory"},
		{"-out a file", []string{"-in", small, "-out", file}, "plot: -out " + file + ": not a directory"},
		{"-out missing", []string{"-in", small, "-out", filepath.Join(dir, "nope")}, ": not a directory: no such file or directory"},
		{"-out empty", []string{"-in", small, "-out", ""}, "plot: -out: empty"},
		{"bad -format", []string{"-in", small, "-out", dir, "-format", "pdf"}, `plot: -format: format "pdf": want svg, png or both`},
		{"unknown flag", []string{"-bogus"}, "flag provided but not defined: -bogus"},
		{"stray argument", []string{"-in", small, "-out", dir, "extra"}, `unexpected argument "extra"`},
		{"-in twice", []string{"-in", small, "-in", small, "-out", dir}, "plot: -in " + small + ": given twice"},
		{"-in empty", []string{"-in", "", "-out", dir}, `invalid value "" for flag -in: empty: want a results file`},
		{"second -in missing", []string{"-in", small, "-in", filepath.Join(dir, "nope.txt"), "-out", dir}, "plot: -in " + filepath.Join(dir, "nope.txt") + ": cannot read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr %q: want one line containing %q", stderr, tc.want)
			}
		})
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("bad flags wrote %q", m)
	}
}

func TestBadInputIsAnErrorNotAPanic(t *testing.T) {
	for file, want := range map[string]string{
		"../../testdata/empty.txt":          "empty input",
		"../../testdata/malformed.txt":      "malformed.txt:6: parsing measurement",
		"../../testdata/zero.txt":           "metric ns/op is 0: want > 0",
		"../../testdata/missing-metric.txt": "metric p99-ns is missing",
	} {
		dir := t.TempDir()
		code, stdout, stderr := runCmd("-in", file, "-out", dir)
		if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "plot: ") || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and %q", file, code, stdout, stderr, want)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
			t.Errorf("%s: wrote %q", file, m)
		}
	}
}

// -h exits 0 like the other commands (issue 15, minor).
func TestHelp(t *testing.T) {
	code, _, stderr := runCmd("-h")
	if code != 0 || !strings.Contains(stderr, "usage: plot -in") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// -in /dev/zero is refused at once, not read until memory runs out
// (issue 15, minor).
func TestDeviceInputRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	code, _, stderr := runCmd("-in", "/dev/zero", "-out", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "a device, not a regular file") {
		t.Errorf("exit %d, stderr %q; want 2 and a device refused", code, stderr)
	}
}

func scaleFiles() []string {
	return []string{"../../testdata/scale-1k-dev.txt", "../../testdata/scale-10k-dev.txt", "../../testdata/scale-100k-dev.txt"}
}

const peersFile = "../../testdata/peers-dev.txt"

// Several -in: the scale levels are drawn together, the peers file on its
// own, and the charts of absent kinds are skipped with a note.
func TestScaleAndPeersFiles(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-out", dir}
	for _, f := range append(scaleFiles(), peersFile) {
		args = append(args, "-in", f)
	}
	code, stdout, stderr := runCmd(args...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var want []string
	for _, b := range []string{"scale-memory", "scale-overhead", "scale-cpu", "peers-throughput"} {
		want = append(want, filepath.Join(dir, b+".svg"), filepath.Join(dir, b+".png"))
	}
	if got := strings.Fields(stdout); !slices.Equal(got, want) {
		t.Errorf("wrote %q, want %q", got, want)
	}
	for _, p := range want {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if !strings.Contains(stderr, "note: no BenchmarkSeed, BenchmarkConcurrency or BenchmarkBatch results") || strings.Contains(stderr, "warning") {
		t.Errorf("stderr %q: want the note on the suite's charts and no warning", stderr)
	}
}

func TestBadScaleFileExits1(t *testing.T) {
	in := filepath.Join(t.TempDir(), "scale.txt")
	data := "BenchmarkScale/inflight=1000/strategy=fanout/conn=warm-2\t1\t1020000000 ns/op\t50 cpu-ms-per-1k\t0 errors\t20000 heap-per-req-B\t1000000000 ideal-ns\t1.02 overhead-x\n"
	if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, stdout, stderr := runCmd("-in", scaleFiles()[0], "-in", in, "-out", dir)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "plot: plots: "+in+":1: BenchmarkScale/inflight=1000/strategy=fanout/conn=warm-2: metric rss-per-req-B is missing") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("wrote %q", m)
	}
}

func TestTwoSuiteFilesCollide(t *testing.T) {
	other := filepath.Join(t.TempDir(), "copy.txt")
	b, err := os.ReadFile(small)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, stdout, stderr := runCmd("-in", small, "-in", other, "-out", dir)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "both give chart concurrency-latency-unlimited: plot them into separate directories") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
