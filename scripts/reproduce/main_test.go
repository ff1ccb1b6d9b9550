package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/scripts/resultsfile"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-count", "0"}, "-count 0: want 1..100"},
		{[]string{"-count", "101"}, "-count 101: want 1..100"},
		{[]string{"-count", "six"}, `invalid value "six" for flag -count`},
		{[]string{"-results", "/nonexistent"}, `-results "/nonexistent": not a directory`},
		{[]string{"-plots", "main.go"}, `-plots "main.go": not a directory`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-draw", "/tmp"}, "-draw: name the results files"},
		{[]string{"-draw", "/tmp", "-redraw", "x"}, "-draw, -redraw and -summary: give one"},
		{[]string{"-redraw", "-summary", "x"}, "-draw, -redraw and -summary: give one"},
		{[]string{"-summary", "/nonexistent"}, `-summary "/nonexistent": not a readable results file`},
		{[]string{"-draw", "/tmp", "/nonexistent"}, `-draw: "/nonexistent" is not a readable results file`},
		{[]string{"-fast"}, "flag provided but not defined: -fast"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tt.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("reproduce %q = %d, %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
}

func TestParsePlan(t *testing.T) {
	p, err := parsePlan([]byte("goos: linux\ncrawlbench-plan: BenchmarkA/x=1 1.5\ncrawlbench-plan: BenchmarkA/x=2 0.25\nBenchmarkA/x=1 1 5 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.names) != 2 || p.seconds["BenchmarkA/x=2"] != 0.25 {
		t.Errorf("plan = %+v", p)
	}
	for _, bad := range []string{"", "goos: linux\n", "crawlbench-plan: BenchmarkA\n", "crawlbench-plan: BenchmarkA x\n", "crawlbench-plan: BenchmarkA -1\n"} {
		if _, err := parsePlan([]byte(bad)); err == nil {
			t.Errorf("parsePlan(%q) accepted", bad)
		}
	}
}

func TestProgressWithoutPlan(t *testing.T) {
	var w bytes.Buffer
	p := newProgress(phasePlan{seconds: map[string]float64{}}, 3, &w, time.Now)
	p.line("BenchmarkScale/inflight=1000/strategy=fanout/conn=warm-2 3 1015000000 ns/op")
	if !strings.Contains(w.String(), "[1] Scale/inflight=1000/strategy=fanout/conn=warm") {
		t.Errorf("progress without a plan:\n%s", w.String())
	}
}

// TestQuickPhasesEveryFamily: the quick tour runs every benchmark package
// (and the peers), so every family is represented.
func TestQuickPhasesEveryFamily(t *testing.T) {
	want := map[string]bool{"./bench": false, "./bench/scale": false, "./bench/crawl": false, "./bench/network": false,
		"./bench/pitfalls": false, "./bench/openloop": false, "peers": false}
	for _, ph := range quickPhases() {
		switch {
		case ph.peers:
			want["peers"] = true
		case ph.pkg == "":
			want["./bench"] = true
		default:
			want[ph.pkg] = true
		}
	}
	for pkg, ok := range want {
		if !ok {
			t.Errorf("the quick tour has no phase of %s", pkg)
		}
	}
}

func TestFullPhases(t *testing.T) {
	var labels []string
	for _, ph := range fullPhases() {
		labels = append(labels, ph.label)
		if ph.peers != (ph.bench == "") {
			t.Errorf("phase %s: peers %v with bench %q", ph.label, ph.peers, ph.bench)
		}
	}
	if got := strings.Join(labels, ","); got != "seed-d3s,matrix-d50ms,scale-1k,scale-10k,scale-100k,peers,seed-d50ms-flask,batch-d50ms-flask,scale-py-100,scale-py-1k,scale-py-5k,scale-py-10k,"+
		"crawl-go,crawl-py,network-d50ms,network-py-d50ms,network-py-h2-d50ms,pitfalls,openloop,breakdown-seed-d50ms,breakdown-concurrency-d50ms,breakdown-scale-10k,server-share-d50ms" {
		t.Errorf("full phases = %s", got)
	}
}

func TestProgressETA(t *testing.T) {
	plan := phasePlan{names: []string{"BenchmarkA/x=1", "BenchmarkA/x=2"}, seconds: map[string]float64{"BenchmarkA/x=1": 1, "BenchmarkA/x=2": 3}}
	now := time.Unix(0, 0)
	var w bytes.Buffer
	p := newProgress(plan, 2, &w, func() time.Time { return now })
	if got := p.eta(); got != 8*time.Second {
		t.Fatalf("ETA before anything ran = %v, want the plan's 8s", got)
	}
	now = now.Add(2 * time.Second) // twice as slow as planned
	p.line("BenchmarkA/x=1-2   \t 1\t 123 ns/op\t 0 errors")
	if got := p.eta(); got != 14*time.Second {
		t.Errorf("ETA = %v, want 7 planned seconds × 2 = 14s", got)
	}
	p.line("BenchmarkOther-2 1 5 ns/op") // not in the plan: ignored
	p.line("--- FAIL: BenchmarkA/x=2")
	if !strings.Contains(w.String(), "[1/4] A/x=1") || !strings.Contains(w.String(), "--- FAIL") {
		t.Errorf("progress output:\n%s", w.String())
	}
	if p.done != 1 {
		t.Errorf("done = %d, want 1", p.done)
	}
}

// One small phase end to end: results file, benchstat summary, charts.
func TestRunPhase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on ./bench")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	o := options{count: 1, results: t.TempDir(), plots: t.TempDir()}
	ph := phase{label: "test", bench: "Seed/n=5/strategy=(sequential|fanout)/conn=warm", args: []string{"-delay", "5ms", "-benchtime", "1x"}, count: 1}
	var errb bytes.Buffer
	outs, err := runPhase(t.Context(), root, o, ph, &resultsfile.LockedWriter{W: &errb})
	if err != nil {
		t.Fatalf("runPhase: %v\n%s", err, errb.String())
	}
	if len(outs) < 3 {
		t.Fatalf("outputs %v, want a results file, a summary and charts", outs)
	}
	res, err := os.ReadFile(outs[0])
	if err != nil || !bytes.Contains(res, []byte("crawlbench-command: go test ./bench")) || !bytes.Contains(res, []byte("BenchmarkSeed/n=5/strategy=fanout/conn=warm")) {
		t.Errorf("results file %s: %v\n%s", outs[0], err, res)
	}
	sum, err := os.ReadFile(outs[1])
	if err != nil || !bytes.Contains(sum, []byte("go tool benchstat -filter .name:Seed")) {
		t.Errorf("summary %s: %v\n%s", outs[1], err, sum)
	}
	if !strings.HasSuffix(outs[2], ".svg") && !strings.HasSuffix(outs[2], ".png") {
		t.Errorf("no chart among %v", outs)
	}
	if !strings.Contains(errb.String(), "[2/2]") {
		t.Errorf("no progress on stderr:\n%s", errb.String())
	}
}

// The committed charts must be what the committed results files give, byte
// for byte: every plots/*/SOURCES names the files its directory was drawn
// from.
func TestCommittedPlotsMatchResults(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob(filepath.Join(root, "plots", "*", sourcesFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range dirs {
		dir := filepath.Dir(src)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			paths, err := readSources(root, src)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			outs, err := draw(root, tmp, io.Discard, paths...)
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) == 0 {
				t.Fatal("no chart drawn")
			}
			for _, out := range outs {
				want, err := os.ReadFile(filepath.Join(dir, filepath.Base(out)))
				if err != nil {
					t.Errorf("%s: %v (regenerate with go run ./plots/chart/cmd/plot or scripts/reproduce)", filepath.Base(out), err)
					continue
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from what %s gives", filepath.Base(out), strings.Join(paths, ", "))
				}
			}
		})
	}
}

// -summary validates the file through bench/resultset before benchstat
// sees it (issue 15 defects 1, 4, 5): a failed run, NaN, an empty, binary
// or header-only file is refused and no summary is written.
func TestSummaryRefusesBadFiles(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "bench", "resultset", "testdata")
	for _, name := range []string{"fail-run2.txt", "errors-metric.txt", "nan.txt", "inf.txt", "empty.txt", "binary.bin", "header-only.txt", "prose.txt", "incomplete.txt"} {
		dir := t.TempDir()
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(dir, name)
		if err := os.WriteFile(in, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := run(t.Context(), []string{"-summary", in}, &out, &errb)
		left, _ := filepath.Glob(filepath.Join(dir, "*benchstat*"))
		if code != 1 || !strings.Contains(errb.String(), "refusing") && !strings.Contains(errb.String(), name) || len(left) > 0 {
			t.Errorf("%s: exit %d, stderr %q, summaries %v; want 1, a refusal and no summary", name, code, errb.String(), left)
		}
	}
}

// Run twice on one file, -summary rewrites one summary, never -benchstat-2
// (issue 15 defect 4).
func TestSummaryIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool benchstat")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "bench", "resultset", "testdata", "good.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := range 2 {
		var out, errb bytes.Buffer
		if code := run(t.Context(), []string{"-summary", in}, &out, &errb); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i+1, code, errb.String())
		}
		sum, err := os.ReadFile(strings.TrimSpace(out.String()))
		if err != nil || !bytes.Contains(sum, []byte("go tool benchstat -filter .name:Seed")) {
			t.Fatalf("run %d: summary %v\n%s", i+1, err, sum)
		}
		if i == 1 && !bytes.Equal(sum, first) {
			t.Errorf("second summary differs")
		}
		first = sum
	}
	all, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(all) != 2 {
		t.Errorf("files %v, want good.txt and good-benchstat.txt only", all)
	}
}

// TestSummaryOtherFamilies: a file of another family (here a crawl run)
// gets benchstat's own table, not an error, so every quick-tour phase has
// a summary.
func TestSummaryOtherFamilies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool benchstat")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "plots", "chart", "testdata", "crawl-dev.txt"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "crawl.txt")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"-summary", in}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	sum, err := os.ReadFile(strings.TrimSpace(out.String()))
	if err != nil || !bytes.Contains(sum, []byte("go tool benchstat "+in)) || !bytes.Contains(sum, []byte("Crawl/")) {
		t.Fatalf("summary %v\n%s", err, sum)
	}
}
