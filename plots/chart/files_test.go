package chart

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestChartInputsOfEveryKind(t *testing.T) {
	paths := append([]string{"testdata/small.txt", peersDev}, scaleDevFiles()...)
	res, err := ChartFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"concurrency-latency-unlimited", "concurrency-throughput-unlimited",
		"concurrency-latency-k64", "concurrency-throughput-k64",
		"batch-wall-unlimited", "seed-speedup-n5", "seed-speedup-n100",
		"scale-memory", "scale-overhead", "scale-cpu", "peers-throughput",
	}
	if got := res.Bases(); !slices.Equal(got, want) {
		t.Errorf("charts %q, want %q", got, want)
	}
	for _, n := range res.Notes {
		if !strings.HasPrefix(n, "scale: no results at") {
			t.Errorf("note %q: every kind is present, only the scale levels some strategies lack may be noted", n)
		}
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "small.txt") || !strings.Contains(res.Warnings[0], "1 failed requests") {
		t.Errorf("warnings %q, want small.txt's failed request", res.Warnings)
	}
}

func TestChartInputsOneSuiteFileAsBefore(t *testing.T) {
	res, err := ChartFiles("testdata/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	charts, _ := smallCharts(t)
	var want []string
	for _, c := range charts {
		want = append(want, c.Base)
	}
	if got := res.Bases(); !slices.Equal(got, want) {
		t.Errorf("charts %q, want those of Charts: %q", got, want)
	}
	all := strings.Join(res.Notes, "\n")
	for _, w := range []string{"no BenchmarkScale results: skipping the scale-memory, scale-overhead and scale-cpu charts", "no BenchmarkPeers results: skipping the peers-throughput chart"} {
		if !strings.Contains(all, w) {
			t.Errorf("notes %q lack %q", res.Notes, w)
		}
	}
}

func TestChartInputsScaleOnly(t *testing.T) {
	res, err := ChartFiles(scaleDevFiles()[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Bases(); !slices.Equal(got, []string{"scale-memory", "scale-overhead", "scale-cpu"}) {
		t.Errorf("charts %q", got)
	}
	all := strings.Join(res.Notes, "\n")
	for _, w := range []string{"no BenchmarkSeed, BenchmarkConcurrency or BenchmarkBatch results", "no BenchmarkPeers results", "only inflight=1000"} {
		if !strings.Contains(all, w) {
			t.Errorf("notes %q lack %q", res.Notes, w)
		}
	}
}

// A file holding both suite and scale results feeds both chart sets; each
// reader says it ignored the other's results.
func TestChartInputsMixedFile(t *testing.T) {
	in := line("Seed/n=5/strategy=sequential/conn=warm-2", 250e6, 50e6, 51e6, 20, 0, 250e6) +
		line("Seed/n=5/strategy=fanout/conn=warm-2", 52e6, 50e6, 51e6, 96, 0, 50e6) +
		scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50)
	res, err := ChartInputs(Input{Name: "mixed.txt", R: strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Bases(); !slices.Equal(got, []string{"seed-speedup-n5", "scale-memory", "scale-overhead", "scale-cpu"}) {
		t.Errorf("charts %q", got)
	}
	w := strings.Join(res.Warnings, "\n")
	for _, want := range []string{"ignored 1 results of benchmarks other than Seed, Concurrency and Batch (Scale)", "ignored 2 results of benchmarks other than Scale (Seed)"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
}

func TestReadPointsScaleFilesElsewhere(t *testing.T) {
	b, err := os.ReadFile(scaleDevFiles()[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(strings.NewReader(string(b)), "s.txt"); err == nil || !strings.Contains(err.Error(), "read by ReadScale and ReadPeers") {
		t.Errorf("Read of a scale file: err = %v, want a pointer to ReadScale", err)
	}
}

func TestChartInputsErrors(t *testing.T) {
	small, err := os.ReadFile("testdata/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	scale := scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50)
	for _, tc := range []struct {
		name   string
		inputs []Input
		want   string
	}{
		{"none", nil, "plots: no results file"},
		{"nil reader", []Input{{Name: "x"}}, "plots: x: no reader"},
		{"two suite files", []Input{{Name: "a.txt", R: strings.NewReader(string(small))}, {Name: "b.txt", R: strings.NewReader(string(small))}},
			"plots: a.txt and b.txt both give chart concurrency-latency-unlimited: plot them into separate directories"},
		{"two peers files", []Input{{Name: "a.txt", R: strings.NewReader(peersLine(16, "wrk", 5, 5, 0))}, {Name: "b.txt", R: strings.NewReader(peersLine(16, "wrk", 5, 5, 0))}},
			"a.txt and b.txt both give chart peers-throughput"},
		// Not recognisably anything: Read's errors say what is wrong.
		{"empty", []Input{{Name: "e.txt", R: strings.NewReader("")}}, "plots: e.txt: empty input"},
		{"garbage", []Input{{Name: "g.txt", R: strings.NewReader("BenchmarkScale/inflight=1000 1 5x ns/op\n")}}, "g.txt:1: parsing measurement"},
		{"bad scale file", []Input{{Name: "s.txt", R: strings.NewReader(strings.Replace(scale, "1.02 overhead-x", "0 overhead-x", 1))}}, "metric overhead-x is 0: want > 0"},
		{"bad peers file", []Input{{Name: "p.txt", R: strings.NewReader(peersLine(16, "wrk", 0, 0, 9))}}, "every req/s is 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ChartInputs(tc.inputs...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ChartFiles(filepath.Join(t.TempDir(), "nope.txt")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: err = %v", err)
	}
}

// A scale or peers file cut short anywhere is an error naming the file, or
// data (with a warning when the cut is inside a line) that charts; never a
// panic.
func TestScaleAndPeersTruncated(t *testing.T) {
	for _, path := range []string{scaleDevFiles()[0], peersDev} {
		full, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		step := len(full)/60 | 1
		for cut := 0; cut < len(full); cut += step {
			in := Input{Name: "cut.txt", R: strings.NewReader(string(full[:cut]))}
			var warnings []string
			var charts []NamedChart
			if path == peersDev {
				d, err := ReadPeers(in.R, in.Name)
				if err == nil {
					warnings = d.Warnings()
					charts, _, err = PeersCharts(d)
				}
				if err != nil {
					if !strings.HasPrefix(err.Error(), "plots: ") || !strings.Contains(err.Error(), "cut.txt") {
						t.Fatalf("%s cut at %d: error %q does not name the file", path, cut, err)
					}
					continue
				}
			} else {
				d, err := ReadScale(in)
				if err == nil {
					warnings = d.Warnings()
					charts, _, err = ScaleCharts(d)
				}
				if err != nil {
					if !strings.HasPrefix(err.Error(), "plots: ") || !strings.Contains(err.Error(), "cut.txt") {
						t.Fatalf("%s cut at %d: error %q does not name the file", path, cut, err)
					}
					continue
				}
			}
			if len(charts) == 0 {
				t.Fatalf("%s cut at %d: accepted without charts", path, cut)
			}
			if full[cut-1] != '\n' && !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, "cut short") }) {
				t.Fatalf("%s cut at %d, inside a line: accepted without a warning (%q)", path, cut, warnings)
			}
		}
	}
}
