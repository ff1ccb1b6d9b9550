package chart

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
)

// line returns a benchmark result line with the suite's metrics; wallNs and
// the latencies are in nanoseconds.
func line(name string, wallNs, p50, p99, reqs, errs, ideal float64) string {
	return "Benchmark" + name + "\t1\t" +
		ftoa(wallNs) + " ns/op\t" + ftoa(errs) + " errors\t" + ftoa(ideal) + " ideal-ns\t" +
		ftoa(p50) + " p50-ns\t" + ftoa(p99) + " p99-ns\t" + ftoa(reqs) + " req/s\n"
}

func ftoa(f float64) string { return strings.TrimSpace(formatTick(f)) }

func readString(t *testing.T, s string) *Data {
	t.Helper()
	d, err := Read(strings.NewReader(s), "test.txt")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return d
}

func readFile(t *testing.T, path string) *Data {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Read(f, path)
	if err != nil {
		t.Fatalf("Read(%s): %v", path, err)
	}
	return d
}

func TestMetricUnitsAreTidiedLikeBenchfmt(t *testing.T) {
	// benchfmt rewrites an "ns" token in the numerator to "sec" and scales
	// the value by 1e-9; other units stay as written.
	for m, want := range map[metric]string{
		metricWall: "sec/op", metricP50: "p50-sec", metricP99: "p99-sec", metricIdeal: "ideal-sec",
		metricReqS: "req/s", metricErrors: "errors", metricCapacity: "capacity-rps",
	} {
		if got := m.unit(); got != want {
			t.Errorf("metric %s: unit %q, want %q", m, got, want)
		}
	}
	// Check against what the reader actually does with a result line.
	r := benchfmt.NewReader(strings.NewReader(line("Seed/n=5/strategy=fanout/conn=warm-2", 52e6, 51e6, 53e6, 95.5, 0, 50e6)), "x")
	if !r.Scan() {
		t.Fatal("no record")
	}
	res, ok := r.Result().(*benchfmt.Result)
	if !ok {
		t.Fatalf("record %T, want *benchfmt.Result", r.Result())
	}
	for unit, want := range map[string]float64{"sec/op": 0.052, "p50-sec": 0.051, "p99-sec": 0.053, "ideal-sec": 0.05, "req/s": 95.5} {
		got, ok := res.Value(unit)
		if !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("Value(%q) = %v, %v; want %v", unit, got, ok, want)
		}
	}
	// The quirk Read works around: a 0 keeps its written unit.
	r = benchfmt.NewReader(strings.NewReader("BenchmarkX-2\t1\t5 ns/op\t0 p50-ns\n"), "x")
	r.Scan()
	res = r.Result().(*benchfmt.Result)
	if _, ok := res.Value("p50-ns"); !ok {
		t.Log("benchfmt now tidies the unit of 0 values too; the workaround in resultValues is harmless but no longer needed")
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		in          []float64
		med, lo, hi float64
	}{
		{[]float64{5}, 5, 5, 5},
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{10, 10, 1, 10, 10, 100}, 10, 1, 100},
	} {
		in := slices.Clone(tc.in)
		med, lo, hi := summarize(in)
		if med != tc.med || lo != tc.lo || hi != tc.hi {
			t.Errorf("summarize(%v) = %v, %v, %v; want %v, %v, %v", tc.in, med, lo, hi, tc.med, tc.lo, tc.hi)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("summarize reordered its input: %v", in)
		}
	}
}

func TestLatencyMedianMinMaxAndGrouping(t *testing.T) {
	in := "delay: 50ms\n" +
		line("Concurrency/server=k8/strategy=fanout/conn=warm/c=4-2", 1e9, 50e6, 60e6, 80, 0, 1e9) +
		line("Concurrency/server=k8/strategy=fanout/conn=warm/c=4-2", 1e9, 54e6, 70e6, 80, 0, 1e9) +
		line("Concurrency/server=k8/strategy=fanout/conn=warm/c=4-2", 1e9, 52e6, 65e6, 80, 2, 1e9) +
		line("Concurrency/server=k8/strategy=fanout/conn=warm/c=1-2", 4e9, 51e6, 55e6, 20, 0, 4e9) +
		line("Concurrency/server=k8/strategy=fanout/conn=cold/c=1-2", 4e9, 53e6, 58e6, 19, 0, 4e9) +
		line("Concurrency/server=k8/strategy=sequential/conn=warm/c=1-2", 4e9, 50e6, 52e6, 20, 0, 4e9) +
		line("Concurrency/server=unlimited/strategy=fanout/conn=warm/c=1-2", 4e9, 50e6, 52e6, 20, 0, 4e9)
	d := readString(t, in)
	if got := d.Servers(FamilyConcurrency); !slices.Equal(got, []string{"unlimited", "k8"}) {
		t.Errorf("Servers = %v, want [unlimited k8]", got)
	}
	p50, p99, err := d.LatencyVsConcurrency("k8")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range p50 {
		names = append(names, s.Name)
	}
	if want := []string{"sequential warm", "fanout warm", "fanout cold"}; !slices.Equal(names, want) {
		t.Fatalf("series %q, want %q (strategy order, then warm before cold)", names, want)
	}
	fw := p50[1]
	if len(fw.Points) != 2 || fw.Points[0].X != 1 || fw.Points[1].X != 4 {
		t.Fatalf("fanout warm points %+v, want x = 1, 4 in order", fw.Points)
	}
	want := Point{X: 4, Y: 0.052, Lo: 0.050, Hi: 0.054}
	if got := fw.Points[1]; !near(got, want) {
		t.Errorf("p50 at c=4: %+v, want %+v (median, min, max in seconds)", got, want)
	}
	if got, want := p99[1].Points[1], (Point{X: 4, Y: 0.065, Lo: 0.060, Hi: 0.070}); !near(got, want) {
		t.Errorf("p99 at c=4: %+v, want %+v", got, want)
	}
	if fw.Failed != 2 || fw.Label() != "fanout warm [2 failed]" {
		t.Errorf("Failed = %v, Label = %q; want 2 and the count in the label", fw.Failed, fw.Label())
	}
	if p50[0].Failed != 0 || p50[0].Label() != "sequential warm" {
		t.Errorf("sequential: Failed %v, Label %q", p50[0].Failed, p50[0].Label())
	}
	if !slices.ContainsFunc(d.Warnings(), func(w string) bool { return strings.Contains(w, "2 failed requests over 3 runs") }) {
		t.Errorf("warnings %q lack the failed requests", d.Warnings())
	}
	if _, _, err := d.LatencyVsConcurrency("k64"); err == nil || !strings.Contains(err.Error(), "server=k64 (have: unlimited, k8)") {
		t.Errorf("absent server: err = %v, want one listing the servers present", err)
	}
}

func near(a, b Point) bool {
	eq := func(x, y float64) bool { return math.Abs(x-y) <= 1e-12*math.Max(1, math.Abs(y)) }
	return eq(a.X, b.X) && eq(a.Y, b.Y) && eq(a.Lo, b.Lo) && eq(a.Hi, b.Hi)
}

func TestUnknownSubBenchmarkKeysKeepSeriesApart(t *testing.T) {
	in := line("Concurrency/server=k8/strategy=procs-fanout/conn=warm/c=4/procs=2-2", 1e9, 50e6, 60e6, 80, 0, 1e9) +
		line("Concurrency/server=k8/strategy=procs-fanout/conn=warm/c=4/procs=8-2", 1e9, 70e6, 90e6, 80, 0, 1e9)
	d := readString(t, in)
	p50, _, err := d.LatencyVsConcurrency("k8")
	if err != nil {
		t.Fatal(err)
	}
	if len(p50) != 2 || p50[0].Name != "procs-fanout warm procs=2" || p50[1].Name != "procs-fanout warm procs=8" {
		t.Fatalf("series %+v: want two, told apart by procs=", p50)
	}
}

func TestGomaxprocsVariantsAreSeparateSeries(t *testing.T) {
	in := line("Concurrency/server=k8/strategy=fanout/conn=warm/c=4-2", 1e9, 50e6, 60e6, 80, 0, 1e9) +
		line("Concurrency/server=k8/strategy=fanout/conn=warm/c=4-8", 1e9, 70e6, 90e6, 80, 0, 1e9)
	p50, _, err := readString(t, in).LatencyVsConcurrency("k8")
	if err != nil {
		t.Fatal(err)
	}
	if len(p50) != 2 || p50[0].Name != "fanout warm gomaxprocs=2" || p50[1].Name != "fanout warm gomaxprocs=8" {
		t.Fatalf("series %+v: want two, told apart by GOMAXPROCS", p50)
	}
}

func TestDifferingConfigurationWarns(t *testing.T) {
	in := "crawlbench-commit: aaa\n" + line("Seed/n=5/strategy=sequential/conn=warm-2", 250e6, 50e6, 51e6, 20, 0, 250e6) +
		"crawlbench-commit: bbb\n" + line("Seed/n=5/strategy=sequential/conn=warm-2", 251e6, 50e6, 51e6, 20, 0, 250e6)
	d := readString(t, in)
	w := strings.Join(d.Warnings(), "\n")
	if !strings.Contains(w, "differ in crawlbench-commit") {
		t.Errorf("warnings %q: want one naming crawlbench-commit", w)
	}
	if d.Config("crawlbench-commit") != "" {
		t.Errorf("Config(crawlbench-commit) = %q for mixed values, want \"\"", d.Config("crawlbench-commit"))
	}
}

func TestReadSmall(t *testing.T) {
	d := readFile(t, "testdata/small.txt")
	if d.Delay() != 50*time.Millisecond {
		t.Errorf("Delay = %v, want 50ms", d.Delay())
	}
	if d.Config("gomaxprocs") != "2" || d.Config("crawlbench-commit") != "testdata" {
		t.Errorf("Config: gomaxprocs %q, commit %q", d.Config("gomaxprocs"), d.Config("crawlbench-commit"))
	}
	if lo, hi := d.Runs(); lo != 3 || hi != 3 {
		t.Errorf("Runs = %d, %d; want 3, 3", lo, hi)
	}
	if got := d.SeedNs(); !slices.Equal(got, []int{5, 100}) {
		t.Errorf("SeedNs = %v", got)
	}
	if got := d.Servers(FamilyBatch); !slices.Equal(got, []string{"unlimited"}) {
		t.Errorf("batch servers = %v", got)
	}
	if len(d.Warnings()) != 1 || !strings.Contains(d.Warnings()[0], "fasthttp/conn=warm/c=256-2: 1 failed requests over 3 runs") {
		t.Errorf("Warnings = %q, want exactly the one failed request", d.Warnings())
	}
}

func TestThroughputCapacity(t *testing.T) {
	base := line("Concurrency/server=k64/strategy=fanout/conn=warm/c=4-2", 1e9, 50e6, 60e6, 80, 0, 1e9)
	for _, tc := range []struct {
		name, in, server string
		want             float64
	}{
		{"from delay and k", "delay: 50ms\n" + base, "k64", 1280},
		{"from the metric", "delay: 50ms\n" + strings.TrimSuffix(base, "\n") + "\t1000 capacity-rps\n", "k64", 1000},
		{"no delay line", base, "k64", 0},
		{"unlimited", "delay: 50ms\n" + strings.ReplaceAll(base, "k64", "unlimited"), "unlimited", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, capacity, err := readString(t, tc.in).ThroughputVsConcurrency(tc.server)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(capacity-tc.want) > 1e-9 {
				t.Errorf("capacity = %v, want %v", capacity, tc.want)
			}
			if len(s) != 1 || s[0].Points[0].Y != 80 {
				t.Errorf("series %+v, want one at 80 req/s", s)
			}
		})
	}
}

func TestWallVsNMergesIdenticalIdeals(t *testing.T) {
	in := line("Batch/server=unlimited/strategy=sequential/conn=warm/n=10-2", 0.51e9, 50e6, 51e6, 20, 0, 0.5e9) +
		line("Batch/server=unlimited/strategy=sequential/conn=warm/n=20-2", 1.01e9, 50e6, 51e6, 20, 0, 1e9) +
		line("Batch/server=unlimited/strategy=fanout/conn=warm/n=10-2", 52e6, 50e6, 51e6, 190, 0, 50e6) +
		line("Batch/server=unlimited/strategy=fanout/conn=warm/n=20-2", 53e6, 50e6, 51e6, 380, 0, 50e6) +
		line("Batch/server=unlimited/strategy=fasthttp/conn=warm/n=10-2", 52e6, 50e6, 51e6, 190, 0, 50e6) +
		line("Batch/server=unlimited/strategy=fasthttp/conn=warm/n=20-2", 53e6, 50e6, 51e6, 380, 0, 50e6) +
		line("Batch/server=unlimited/strategy=fanout/conn=cold/n=10-2", 55e6, 50e6, 51e6, 190, 0, 50e6) +
		line("Batch/server=unlimited/strategy=fanout/conn=cold/n=20-2", 56e6, 50e6, 51e6, 380, 0, 50e6)
	measured, ideal, err := readString(t, in).WallVsN("unlimited")
	if err != nil {
		t.Fatal(err)
	}
	if len(measured) != 4 {
		t.Errorf("%d measured series, want 4", len(measured))
	}
	if len(ideal) != 2 || ideal[0].Name != "model ideal: sequential" || ideal[1].Name != "model ideal: fanout, fasthttp" {
		t.Fatalf("ideal series %+v: want sequential and one shared by fanout and fasthttp", ideal)
	}
	if got := ideal[0].Points; len(got) != 2 || got[0] != (Point{10, 0.5, 0.5, 0.5}) || got[1] != (Point{20, 1, 1, 1}) {
		t.Errorf("sequential ideal %+v, want 0.5 s at n=10, 1 s at n=20", got)
	}
}

func TestSeedSpeedups(t *testing.T) {
	in := line("Seed/n=100/strategy=sequential/conn=warm-2", 5e9, 50e6, 51e6, 20, 0, 5e9) +
		line("Seed/n=100/strategy=sequential/conn=warm-2", 6e9, 50e6, 51e6, 20, 0, 5e9) +
		line("Seed/n=100/strategy=sequential/conn=warm-2", 4e9, 50e6, 51e6, 20, 0, 5e9) +
		line("Seed/n=100/strategy=fanout/conn=warm-2", 50e6, 50e6, 51e6, 2000, 0, 50e6) +
		line("Seed/n=100/strategy=fanout/conn=warm-2", 100e6, 50e6, 51e6, 1000, 0, 50e6) +
		line("Seed/n=100/strategy=fanout/conn=warm-2", 40e6, 50e6, 51e6, 2500, 0, 50e6) +
		line("Seed/n=100/strategy=pool-even/conn=warm-2", 0.65e9, 50e6, 51e6, 150, 0, 0.65e9)
	strategies, bars, err := readString(t, in).SeedSpeedups(100)
	if err != nil {
		t.Fatal(err)
	}
	// Python rows at n=100 map to sequential, fanout, pool-chunked and
	// procs-fanout; pool-even has no twin.
	if want := []string{"sequential", "fanout", "pool-even", "pool-chunked", "procs-fanout"}; !slices.Equal(strategies, want) {
		t.Fatalf("strategies %q, want %q", strategies, want)
	}
	if len(bars) != 2 || bars[0].Name != "Go warm" || !strings.HasPrefix(bars[1].Name, "Python seed") {
		t.Fatalf("bars %+v: want Go warm and the seed", bars)
	}
	goBars := bars[0].Points
	if len(goBars) != 3 {
		t.Fatalf("Go bars %+v, want 3", goBars)
	}
	// fanout: median 5 s ÷ median 50 ms = 100; range 4/0.1 = 40 .. 6/0.04 = 150.
	if want := (Point{X: 1, Y: 100, Lo: 40, Hi: 150}); !near(goBars[1], want) {
		t.Errorf("fanout bar %+v, want %+v", goBars[1], want)
	}
	if goBars[0].Y != 1 || goBars[2].X != 2 {
		t.Errorf("sequential bar %+v (want 1×), pool-even bar %+v (want x = 2)", goBars[0], goBars[2])
	}
	py := map[float64]float64{}
	for _, p := range bars[1].Points {
		py[p.X] = p.Y
	}
	for x, want := range map[float64]float64{0: 1, 1: 305.17 / 3.11, 3: 305.17 / 48.17, 4: 305.17 / 3.12} {
		if math.Abs(py[x]-want) > 1e-9 {
			t.Errorf("Python bar at %v (%s) = %v, want %v", x, strategies[int(x)], py[x], want)
		}
	}
	if _, ok := py[2]; ok {
		t.Error("pool-even got a Python bar; the seed has no twin")
	}
}

func TestSeedSpeedupsNeedsASequentialBaseline(t *testing.T) {
	d := readString(t, line("Seed/n=5/strategy=fanout/conn=warm-2", 50e6, 50e6, 51e6, 100, 0, 50e6))
	if _, _, err := d.SeedSpeedups(5); err == nil || !strings.Contains(err.Error(), "strategy=sequential at n=5") {
		t.Errorf("err = %v, want one asking for the sequential baseline", err)
	}
	if _, _, err := d.SeedSpeedups(100); err == nil || !strings.Contains(err.Error(), "no BenchmarkSeed results for n=100 (have n: 5)") {
		t.Errorf("err = %v, want one listing the n present", err)
	}
}

func TestSeedFiguresQuoteSEED(t *testing.T) {
	// The published figures of SEED.md's table, by row.
	want := map[int]float64{1: 15.05, 3: 15.13, 4: 3.02, 5: 3.11, 6: 305.17, 7: 48.17, 8: 3.12}
	got := map[int]float64{}
	for _, f := range SeedFigures() {
		got[f.Row] = f.Seconds
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for row, s := range want {
		if got[row] != s {
			t.Errorf("row %d: %v s, want %v s", row, got[row], s)
		}
	}
	SeedFigures()[0].Seconds = 0
	if SeedFigures()[0].Seconds == 0 {
		t.Error("SeedFigures returned shared state")
	}
}

func TestReadErrors(t *testing.T) {
	good := line("Seed/n=5/strategy=fanout/conn=warm-2", 52e6, 51e6, 53e6, 95, 0, 50e6)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "test.txt: empty input"},
		{"white space", " \n\t\n", "test.txt: empty input"},
		{"no benchmarks", "goos: linux\nPASS\nok  \tpkg\t1.2s\n", "test.txt: no benchmark results"},
		{"other benchmarks", "BenchmarkFoo-2\t10\t100 ns/op\n", "none of the 1 benchmark results (Foo) is a crawlbench benchmark"},
		{"syntax error", "BenchmarkSeed/n=5/strategy=fanout/conn=warm-2\t10\tabc ns/op\n", "syntax error: test.txt:1: parsing measurement"},
		{"failed benchmark", "BenchmarkSeed/n=5/strategy=fanout/conn=warm-2   \t--- FAIL: BenchmarkSeed/n=5/strategy=fanout/conn=warm-2\n", "test.txt:1: a benchmark failed: BenchmarkSeed/n=5/strategy=fanout/conn=warm-2"},
		{"missing metric", strings.Replace(good, "\t53000000 p99-ns", "", 1), "test.txt:1: BenchmarkSeed/n=5/strategy=fanout/conn=warm-2: metric p99-ns is missing"},
		{"missing ns/op", strings.Replace(good, "52000000 ns/op\t", "", 1), "metric ns/op is missing"},
		{"zero", strings.Replace(good, "51000000 p50-ns", "0 p50-ns", 1), "metric p50-ns is 0: want > 0"},
		{"zero with errors", strings.Replace(strings.Replace(good, "95 req/s", "0 req/s", 1), "0 errors", "5 errors", 1), "metric req/s is 0: want > 0 (errors = 5: did every request fail?)"},
		{"negative errors", strings.Replace(good, "0 errors", "-1 errors", 1), "metric errors is -1: want ≥ 0"},
		{"NaN", strings.Replace(good, "95 req/s", "NaN req/s", 1), "metric req/s is NaN: want a finite number"},
		{"missing key", strings.Replace(good, "/conn=warm", "", 1), "missing sub-benchmark key conn="},
		{"missing c", line("Concurrency/server=k8/strategy=fanout/conn=warm-2", 1e9, 5e7, 6e7, 80, 0, 1e9), "missing sub-benchmark key c= (BenchmarkConcurrency needs it)"},
		{"bad c", line("Concurrency/server=k8/strategy=fanout/conn=warm/c=0-2", 1e9, 5e7, 6e7, 80, 0, 1e9), "c=0: want an integer ≥ 1"},
		{"bad n", strings.Replace(good, "n=5", "n=five", 1), "n=five: want an integer ≥ 1"},
		{"mixed delays", "delay: 50ms\n" + good + "delay: 3s\n" + good, `results mix delays "50ms", "3s"`},
		{"bad delay", "delay: soon\n" + good, `config line "delay: soon": want a positive duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Read(strings.NewReader(tc.in), "test.txt")
			if err == nil {
				t.Fatalf("Read = %v, nil; want an error containing %q", d, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadSyntaxErrorUnwraps(t *testing.T) {
	_, err := Read(strings.NewReader("BenchmarkX 1 x ns/op\n"), "f")
	var se *benchfmt.SyntaxError
	if !errors.As(err, &se) || se.Line != 1 {
		t.Errorf("err = %v; want a *benchfmt.SyntaxError at line 1", err)
	}
}

func TestReadTestdataErrorFiles(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/empty.txt":          "testdata/empty.txt: empty input",
		"testdata/malformed.txt":      "syntax error: testdata/malformed.txt:6: parsing measurement",
		"testdata/zero.txt":           "testdata/zero.txt:5: BenchmarkSeed/n=5/strategy=sequential/conn=warm-2: metric ns/op is 0: want > 0",
		"testdata/missing-metric.txt": "testdata/missing-metric.txt:5: BenchmarkSeed/n=5/strategy=sequential/conn=warm-2: metric p99-ns is missing",
	} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Read(f, file)
		f.Close()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%s): err = %v, want it to contain %q", file, err, want)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadIOError(t *testing.T) {
	_, err := Read(failingReader{}, "f")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v, want the I/O error", err)
	}
}

// With the seed's Python clients in the file: three bars per strategy,
// the seed, Python here (÷ py-sequential) and Go here (÷ sequential), both
// cold; the py-* rows are not strategies of their own.
func TestSeedSpeedupsPythonHere(t *testing.T) {
	in := line("Seed/n=100/strategy=sequential/conn=warm-2", 4e9, 50e6, 51e6, 20, 0, 5e9) +
		line("Seed/n=100/strategy=sequential/conn=cold-2", 5e9, 50e6, 51e6, 20, 0, 5e9) +
		line("Seed/n=100/strategy=fanout/conn=warm-2", 40e6, 50e6, 51e6, 2500, 0, 50e6) +
		line("Seed/n=100/strategy=fanout/conn=cold-2", 50e6, 50e6, 51e6, 2000, 0, 50e6) +
		line("Seed/n=100/strategy=py-sequential/conn=cold-2", 6e9, 50e6, 51e6, 16, 0, 5e9) +
		line("Seed/n=100/strategy=py-aiohttp/conn=cold-2", 120e6, 50e6, 51e6, 800, 0, 50e6) +
		line("Seed/n=100/strategy=py-httpx/conn=cold-2", 300e6, 50e6, 51e6, 300, 0, 50e6)
	strategies, bars, err := readString(t, in).SeedSpeedups(100)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(strategies, func(s string) bool { return strings.HasPrefix(s, "py-") }) {
		t.Fatalf("strategies %q include Python rows", strategies)
	}
	if len(bars) != 3 || !strings.HasPrefix(bars[0].Name, "Python seed") || !strings.HasPrefix(bars[1].Name, PythonHere+", cold") || !strings.HasPrefix(bars[2].Name, "Go, this machine, cold") {
		t.Fatalf("bars %+v: want the seed, Python here and Go here", bars)
	}
	fanout := float64(slices.Index(strategies, "fanout"))
	want := map[int]Point{
		1: {X: fanout, Y: 6e9 / 120e6, Lo: 6e9 / 120e6, Hi: 6e9 / 120e6}, // py-aiohttp ÷ py-sequential, not ÷ Go's sequential
		2: {X: fanout, Y: 5e9 / 50e6, Lo: 5e9 / 50e6, Hi: 5e9 / 50e6},    // cold, not warm
	}
	for i, w := range want {
		var got *Point
		for j := range bars[i].Points {
			if bars[i].Points[j].X == fanout {
				got = &bars[i].Points[j]
			}
		}
		if got == nil || !near(*got, w) {
			t.Errorf("%s at fanout = %+v, want %+v", bars[i].Name, got, w)
		}
	}
	if len(bars[1].Points) != 2 {
		t.Errorf("Python here bars %+v: want sequential and fanout only (py-httpx twins no Go strategy)", bars[1].Points)
	}
}
