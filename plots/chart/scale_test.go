package chart

import (
	"bytes"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
)

// scaleDevFiles returns the development samples of BenchmarkScale output,
// one per level.
func scaleDevFiles() []string {
	return []string{"testdata/scale-1k-dev.txt", "testdata/scale-10k-dev.txt", "testdata/scale-100k-dev.txt"}
}

// fileInputs opens paths as Inputs named by their paths.
func fileInputs(t *testing.T, paths ...string) []Input {
	t.Helper()
	var out []Input
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Input{Name: p, R: bytes.NewReader(b)})
	}
	return out
}

func readScaleDev(t *testing.T) *ScaleData {
	t.Helper()
	d, err := ReadScale(fileInputs(t, scaleDevFiles()...)...)
	if err != nil {
		t.Fatalf("ReadScale: %v", err)
	}
	return d
}

// scaleLine returns a BenchmarkScale result line; times in nanoseconds,
// memory in bytes.
func scaleLine(name string, wallNs, idealNs, overhead, errs, rss, heap, cpu float64) string {
	return "BenchmarkScale/" + name + "\t1\t" + ftoa(wallNs) + " ns/op\t" + ftoa(cpu) + " cpu-ms-per-1k\t" +
		ftoa(errs) + " errors\t" + ftoa(heap) + " heap-per-req-B\t" + ftoa(idealNs) + " ideal-ns\t" +
		ftoa(overhead) + " overhead-x\t" + ftoa(rss) + " rss-per-req-B\t950 req/s\n"
}

func scaleIn(name, s string) Input { return Input{Name: name, R: strings.NewReader(s)} }

func TestReadScaleDevSamples(t *testing.T) {
	d := readScaleDev(t)
	if got := d.Levels(); !slices.Equal(got, []int{1000, 10000, 100000}) {
		t.Errorf("Levels = %v", got)
	}
	// Different delays per level are the scale benchmark's design, not an error.
	if d.Delay(1000) != time.Second || d.Delay(10000) != time.Second || d.Delay(100000) != 10*time.Second || d.Delay(5) != 0 {
		t.Errorf("delays %v %v %v %v, want 1s, 1s, 10s and 0 for an absent level", d.Delay(1000), d.Delay(10000), d.Delay(100000), d.Delay(5))
	}
	if lo, hi := d.Runs(); lo != 1 || hi != 1 {
		t.Errorf("Runs = %d, %d; the samples are -count 1", lo, hi)
	}
	if d.Config("gomaxprocs") != "2" || d.Config("scale") != "" {
		t.Errorf("Config: gomaxprocs %q (want 2), scale %q (differs per file: want \"\")", d.Config("gomaxprocs"), d.Config("scale"))
	}
	if w := d.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q, want none", w)
	}
	if got := d.Names(); !slices.Equal(got, scaleDevFiles()) {
		t.Errorf("Names = %q", got)
	}
	over, err := d.VsInflight("overhead-x")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range over {
		names = append(names, s.Name)
	}
	want := []string{"naive-httpget warm", "naive-httpget cold", "fanout warm", "fanout cold", "fasthttp warm", "fasthttp cold",
		"procs-fanout warm", "procs-fanout cold", "procs-fasthttp warm", "procs-fasthttp cold"}
	if !slices.Equal(names, want) {
		t.Errorf("series %q, want %q", names, want)
	}
	for _, s := range over {
		wantX := []float64{1000, 10000}
		switch s.Strategy {
		case "procs-fanout":
			wantX = []float64{100000}
		case "procs-fasthttp":
			wantX = []float64{1000, 10000, 100000}
		}
		var xs []float64
		for _, p := range s.Points {
			xs = append(xs, p.X)
		}
		if !slices.Equal(xs, wantX) {
			t.Errorf("%s: x %v, want %v", s.Name, xs, wantX)
		}
	}
	rows := d.Rows()
	if len(rows) != 20 || rows[0].Family != FamilyScale || rows[0].N != 1000 || rows[0].Runs != 1 {
		t.Errorf("Rows: %d rows, first %+v", len(rows), rows[0])
	}
	if _, ok := rows[0].Metrics["p99-sec"]; !ok {
		t.Errorf("row metrics %v lack p99-sec (tidied from p99-ns)", rows[0].Metrics)
	}
}

func TestScaleMedianMinMaxAcrossFiles(t *testing.T) {
	a := "delay: ignored-by-scale\n" +
		scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50) +
		scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.06e9, 1e9, 1.06, 2, 44000, 22000, 60) +
		scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.04e9, 1e9, 1.04, 0, 42000, 21000, 55)
	b := scaleLine("inflight=100000/strategy=fanout/conn=warm-2", 12e9, 10e9, 1.2, 0, 30000, 15000, 70)
	d, err := ReadScale(scaleIn("a.txt", a), scaleIn("b.txt", b))
	if err != nil {
		t.Fatal(err)
	}
	rss, err := d.VsInflight("rss-per-req-B")
	if err != nil {
		t.Fatal(err)
	}
	if len(rss) != 1 || len(rss[0].Points) != 2 {
		t.Fatalf("series %+v, want one of two points", rss)
	}
	if got, want := rss[0].Points[0], (Point{X: 1000, Y: 42000, Lo: 40000, Hi: 44000}); got != want {
		t.Errorf("1k: %+v, want %+v (median, min, max)", got, want)
	}
	if got := rss[0].Points[1]; got.X != 100000 || got.Y != 30000 {
		t.Errorf("100k: %+v", got)
	}
	if rss[0].Failed != 2 || rss[0].Label() != "fanout warm [2 failed]" {
		t.Errorf("Failed %v, Label %q", rss[0].Failed, rss[0].Label())
	}
	if d.Delay(1000) != time.Second || d.Delay(100000) != 10*time.Second {
		t.Errorf("delays %v, %v: want them from ideal-ns", d.Delay(1000), d.Delay(100000))
	}
	if !slices.ContainsFunc(d.Warnings(), func(w string) bool { return strings.Contains(w, "2 failed requests over 3 runs") }) {
		t.Errorf("warnings %q lack the failures", d.Warnings())
	}
	if foot := d.footnote(); !strings.Contains(foot, "server delay d = 1s at 1k, 10s at 100k") || !strings.Contains(foot, "median of 1–3 runs") ||
		!strings.Contains(foot, "sources: a.txt, b.txt") {
		t.Errorf("footnote %q", foot)
	}
	if _, err := d.VsInflight("conntrack"); err == nil || !strings.Contains(err.Error(), "no BenchmarkScale result reports conntrack") {
		t.Errorf("absent metric: err = %v", err)
	}
}

func TestScalePoolsRunsOfOneLevelWithAWarning(t *testing.T) {
	l := scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50)
	d, err := ReadScale(scaleIn("a.txt", "date: 1\n"+l), scaleIn("b.txt", "date: 2\n"+l))
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(d.Warnings(), "\n")
	if !strings.Contains(w, "pooled the runs of a.txt, b.txt") || !strings.Contains(w, "differ in date") {
		t.Errorf("warnings %q", w)
	}
	if lo, hi := d.Runs(); lo != 2 || hi != 2 {
		t.Errorf("Runs = %d, %d; want 2", lo, hi)
	}
}

func TestScaleFootnote(t *testing.T) {
	in := "crawlbench-commit-at-start: 0123456789abcdef0123\ncrawlbench-dirty-at-start: true\n" +
		"scale-skipped-inflight-100000: naive-httpget, fanout (one process would need about 100100 open files; RLIMIT_NOFILE is 20000)\n" +
		"gomaxprocs: 2\n" +
		scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50)
	d, err := ReadScale(scaleIn("dir/x.txt", in))
	if err != nil {
		t.Fatal(err)
	}
	foot := d.footnote()
	for _, want := range []string{"source: x.txt", "commit 0123456789ab (dirty)", "server delay d = 1s (", "GOMAXPROCS 2",
		"not run at 100k: naive-httpget, fanout (one process", "median of 1 run (-count)"} {
		if !strings.Contains(foot, want) {
			t.Errorf("footnote %q lacks %q", foot, want)
		}
	}
	_, notes, err := ScaleCharts(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "only inflight=1000") {
		t.Errorf("notes %q, want one about the single level", notes)
	}
}

func TestReadScaleErrors(t *testing.T) {
	good := scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50)
	other := scaleLine("inflight=1000/strategy=fasthttp/conn=warm-2", 2.04e9, 2e9, 1.02, 0, 40000, 20000, 50)
	for _, tc := range []struct {
		name   string
		inputs []Input
		want   string
	}{
		{"no input", nil, "ReadScale: no input"},
		{"nil reader", []Input{{Name: "x.txt"}}, "x.txt: no reader"},
		{"same name twice", []Input{scaleIn("x.txt", good), scaleIn("x.txt", good)}, "x.txt: given twice"},
		{"empty", []Input{scaleIn("x.txt", "\n \n")}, "x.txt: empty input"},
		{"header only", []Input{scaleIn("x.txt", "gomaxprocs: 2\n")}, "x.txt: no benchmark results"},
		{"other benchmarks only", []Input{scaleIn("x.txt", line("Seed/n=5/strategy=fanout/conn=warm-2", 5e7, 5e7, 5e7, 90, 0, 5e7))}, "none of the 1 benchmark results (Seed) is a BenchmarkScale result"},
		{"garbled", []Input{scaleIn("x.txt", good+"BenchmarkScale/inflight=1000/strategy=fanout/conn=cold-2\t1\t10x ns/op\n")}, "x.txt:2: parsing measurement"},
		{"cut inside a value", []Input{scaleIn("x.txt", good[:strings.Index(good, " ns/op")-3])}, "syntax error: x.txt:1: missing units"},
		{"no inflight", []Input{scaleIn("x.txt", strings.Replace(good, "inflight=1000/", "", 1))}, "missing sub-benchmark key inflight="},
		{"no strategy", []Input{scaleIn("x.txt", strings.Replace(good, "strategy=fanout/", "", 1))}, "missing sub-benchmark key strategy="},
		{"no conn", []Input{scaleIn("x.txt", strings.Replace(good, "/conn=warm", "", 1))}, "missing sub-benchmark key conn="},
		{"bad inflight", []Input{scaleIn("x.txt", strings.Replace(good, "inflight=1000", "inflight=0", 1))}, "inflight=0: want an integer ≥ 1"},
		{"zero wall", []Input{scaleIn("x.txt", strings.Replace(good, "1020000000 ns/op", "0 ns/op", 1))}, "metric ns/op is 0: want > 0"},
		{"zero overhead", []Input{scaleIn("x.txt", strings.Replace(good, "1.02 overhead-x", "0 overhead-x", 1))}, "metric overhead-x is 0: want > 0"},
		{"negative cpu", []Input{scaleIn("x.txt", strings.Replace(good, "50 cpu-ms-per-1k", "-5 cpu-ms-per-1k", 1))}, "metric cpu-ms-per-1k is -5: want ≥ 0"},
		{"missing rss", []Input{scaleIn("x.txt", strings.Replace(good, "\t40000 rss-per-req-B", "", 1))}, "metric rss-per-req-B is missing (BenchmarkScale reports ns/op, ideal-ns, overhead-x, errors, rss-per-req-B, cpu-ms-per-1k)"},
		{"NaN", []Input{scaleIn("x.txt", strings.Replace(good, "40000 rss-per-req-B", "NaN rss-per-req-B", 1))}, "metric rss-per-req-B is NaN: want a finite number"},
		{"two delays at one level", []Input{scaleIn("a.txt", good), scaleIn("b.txt", other)}, "b.txt:1: BenchmarkScale/inflight=1000/strategy=fasthttp/conn=warm-2: ideal-ns 2s, but other results at inflight=1000 (a.txt) have 1s"},
		{"second file bad", []Input{scaleIn("a.txt", good), scaleIn("b.txt", "")}, "b.txt: empty input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ReadScale(tc.inputs...)
			if err == nil {
				t.Fatalf("ReadScale = %v, nil; want an error containing %q", d.Levels(), tc.want)
			}
			if !strings.HasPrefix(err.Error(), "plots: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadScaleWarnsAboutOthersAndCutShort(t *testing.T) {
	good := scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50)
	in := line("Seed/n=5/strategy=fanout/conn=warm-2", 5e7, 5e7, 5e7, 90, 0, 5e7) + good + "BenchmarkScale/inflight=1000/strategy=fanout/conn=cold-2"
	d, err := ReadScale(scaleIn("x.txt", in))
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(d.Warnings(), "\n")
	for _, want := range []string{"x.txt: ignored 1 results of benchmarks other than Scale (Seed)", "x.txt: the input does not end with a newline"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
}

// Memory per request is a difference of peaks: 0 or below is drawn, on a
// linear axis that reaches below 0, not rejected.
func TestScaleNegativeMemoryIsDrawn(t *testing.T) {
	in := scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, -2048, 0, 50) +
		scaleLine("inflight=10000/strategy=fanout/conn=warm-2", 1.2e9, 1e9, 1.2, 0, 30000, 10000, 50)
	d, err := ReadScale(scaleIn("x.txt", in))
	if err != nil {
		t.Fatal(err)
	}
	charts, _, err := ScaleCharts(d)
	if err != nil {
		t.Fatal(err)
	}
	mem := charts[0].Chart
	if mem.Panels[0].Y.Min >= -2 || mem.Panels[0].Y.Max <= 30000.0/1024 {
		t.Errorf("y axis [%v, %v] KiB, want it to show -2 and 29.3", mem.Panels[0].Y.Min, mem.Panels[0].Y.Max)
	}
	for _, c := range charts {
		var buf bytes.Buffer
		if err := c.Chart.WriteSVG(&buf); err != nil {
			t.Errorf("%s: %v", c.Base, err)
		}
	}
}

func TestScaleChartsOfDevSamples(t *testing.T) {
	charts, notes, err := ScaleCharts(readScaleDev(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{
		"scale: no results at 100k in flight for naive-httpget, fanout, fasthttp: their lines stop short",
		"scale: no results at 1k, 10k in flight for procs-fanout: their lines stop short",
	}; !slices.Equal(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
	var bases []string
	for _, c := range charts {
		bases = append(bases, c.Base)
		if c.Chart.Title == "" || !strings.Contains(c.Chart.Footnote, "sources: scale-1k-dev.txt, scale-10k-dev.txt, scale-100k-dev.txt") ||
			!strings.Contains(c.Chart.Footnote, "d = 1s at 1k and 10k, 10s at 100k") {
			t.Errorf("%s: title %q, footnote %q", c.Base, c.Chart.Title, c.Chart.Footnote)
		}
		for _, p := range c.Chart.Panels {
			if p.X.Label.Text == "" || p.Y.Label.Text == "" {
				t.Errorf("%s: an axis has no label", c.Base)
			}
			var labels []string
			for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
				labels = append(labels, tk.Label)
			}
			if !slices.Equal(labels, []string{"1k", "10k", "100k"}) {
				t.Errorf("%s: x ticks %q, want 1k, 10k, 100k", c.Base, labels)
			}
		}
	}
	if want := []string{"scale-memory", "scale-overhead", "scale-cpu"}; !slices.Equal(bases, want) {
		t.Errorf("charts %q, want %q", bases, want)
	}
	if !strings.Contains(charts[0].Chart.Footnote, "their idle heap is not") || strings.Contains(charts[1].Chart.Footnote, "idle heap") {
		t.Error("the note on the workers' memory belongs to scale-memory only")
	}
	var svg bytes.Buffer
	if err := charts[1].Chart.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"naive-httpget warm (baseline)", "1× = ideal: the batch takes one delay d", ">100k<"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("scale-overhead SVG lacks %q", want)
		}
	}
}

func TestScaleChartErrors(t *testing.T) {
	ok := []Series{{Name: "fanout warm", Strategy: "fanout", Conn: "warm", Points: []Point{{X: 1000, Y: 1.1, Lo: 1, Hi: 1.2}}}}
	empty := []Series{{Name: "e"}}
	nan := []Series{{Name: "n", Points: []Point{{X: 1000, Y: math.NaN()}}}}
	zeroX := []Series{{Name: "z", Points: []Point{{X: 0, Y: 1, Lo: 1, Hi: 1}}}}
	for _, tc := range []struct {
		name string
		f    func() (*Chart, error)
		want string
	}{
		{"memory none", func() (*Chart, error) { return ScaleMemoryChart(nil, ok) }, "no series"},
		{"memory empty", func() (*Chart, error) { return ScaleMemoryChart(ok, empty) }, `series "e" has no points`},
		{"memory NaN", func() (*Chart, error) { return ScaleMemoryChart(nan, ok) }, "not finite"},
		{"memory x = 0", func() (*Chart, error) { return ScaleMemoryChart(zeroX, zeroX) }, "logarithmic: cannot show 0"},
		{"overhead none", func() (*Chart, error) { return ScaleOverheadChart(nil) }, "no series"},
		{"overhead empty", func() (*Chart, error) { return ScaleOverheadChart(empty) }, "has no points"},
		{"cpu NaN", func() (*Chart, error) { return ScaleCPUChart(nan) }, "not finite"},
		{"cpu x = 0", func() (*Chart, error) { return ScaleCPUChart(zeroX) }, "logarithmic: cannot show 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := tc.f()
			if err == nil {
				t.Fatalf("chart %q, nil error; want %q", ch.Title, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "plots: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// The y axis of the overhead chart always shows 1×; it turns logarithmic
// only when the values span more than a factor of 10.
func TestScaleOverheadAxis(t *testing.T) {
	mk := func(ys ...float64) []Series {
		s := Series{Name: "fanout warm", Strategy: "fanout", Conn: "warm"}
		for i, y := range ys {
			s.Points = append(s.Points, Point{X: math.Pow10(3 + i), Y: y, Lo: y, Hi: y})
		}
		return []Series{s}
	}
	for _, tc := range []struct {
		ys  []float64
		log bool
	}{
		{[]float64{1.2, 1.5, 2.3}, false},
		{[]float64{1.5, 3, 40}, true},
		{[]float64{1.1}, false}, // one point
	} {
		ch, err := ScaleOverheadChart(mk(tc.ys...))
		if err != nil {
			t.Fatal(err)
		}
		y := ch.Panels[0].Y
		if y.Min > 1 || y.Max < slices.Max(tc.ys) {
			t.Errorf("%v: y axis [%v, %v] does not show 1 and the data", tc.ys, y.Min, y.Max)
		}
		if _, got := y.Scale.(plot.LogScale); got != tc.log {
			t.Errorf("%v: log scale %v, want %v", tc.ys, got, tc.log)
		}
		var buf bytes.Buffer
		if err := ch.WritePNG(&buf); err != nil {
			t.Errorf("%v: %v", tc.ys, err)
		}
	}
}

func TestMissingLevels(t *testing.T) {
	pt := func(xs ...float64) []Point {
		var out []Point
		for _, x := range xs {
			out = append(out, Point{X: x, Y: 1, Lo: 1, Hi: 1})
		}
		return out
	}
	series := []Series{
		{Name: "fanout warm", Strategy: "fanout", Conn: "warm", Points: pt(1000, 10000)},
		{Name: "fanout cold", Strategy: "fanout", Conn: "cold", Points: pt(1000)},
		{Name: "fasthttp warm", Strategy: "fasthttp", Conn: "warm", Points: pt(1000, 10000, 100000)},
		{Name: "x warm", Strategy: "x", Conn: "warm", Points: pt(1000)},
	}
	got := missingLevels(series, []int{1000, 10000, 100000})
	want := []string{
		"scale: no results at 100k in flight for fanout warm: their lines stop short",
		"scale: no results at 10k, 100k in flight for fanout cold, x: their lines stop short",
	}
	if !slices.Equal(got, want) {
		t.Errorf("missingLevels = %q, want %q", got, want)
	}
}

func TestLevelLabel(t *testing.T) {
	for v, want := range map[float64]string{1000: "1k", 10000: "10k", 100000: "100k", 1500: "1.5k", 1e6: "1M", 2.5e6: "2.5M", 500: "500", 1234: "1234"} {
		if got := levelLabel(v); got != want {
			t.Errorf("levelLabel(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestDenseTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 65, []string{"0", "10", "20", "30", "40", "50", "60"}},
		{0, 22, []string{"0", "5", "10", "15", "20"}},
		{0.93, 2.4, []string{"1", "1.2", "1.4", "1.6", "1.8", "2", "2.2", "2.4"}},
		{-3, 33, []string{"0", "5", "10", "15", "20", "25", "30"}},
		{-12, 3, []string{"-12", "-10", "-8", "-6", "-4", "-2", "0", "2"}},
		{0, 108000, []string{"0", "20000", "40000", "60000", "80000", "100000"}},
	} {
		var labels []string
		for _, tk := range (denseTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Value < tc.lo || tk.Value > tc.hi {
				t.Errorf("[%v, %v]: tick %v out of range", tc.lo, tc.hi, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, tc.want) {
			t.Errorf("[%v, %v]: labels %q, want %q", tc.lo, tc.hi, labels, tc.want)
		}
	}
	if got := (denseTicks{}).Ticks(1, 1); got != nil {
		t.Errorf("empty range: %v", got)
	}
}

// FuzzReadScale checks that ReadScale never panics and that what it
// accepts can be charted.
func FuzzReadScale(f *testing.F) {
	for _, p := range scaleDevFiles() {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 3<<10)])
	}
	f.Add([]byte(scaleLine("inflight=1000/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, -4, 0, 0)))
	f.Add([]byte(scaleLine("inflight=7/strategy=x/conn=y/extra=1-4", 1, 1, 1e-300, 0, 1e300, -1e300, 1e-300)))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ReadScale(Input{Name: "fuzz.txt", R: bytes.NewReader(in)})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "plots: ") {
				t.Fatalf("error %q does not start with plots:", err)
			}
			return
		}
		charts, _, err := ScaleCharts(d)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "plots: ") {
				t.Fatalf("error %q does not start with plots:", err)
			}
			return
		}
		for _, c := range charts {
			var buf bytes.Buffer
			if err := c.Chart.WriteSVG(&buf); err != nil {
				t.Fatalf("%s: %v", c.Base, err)
			}
		}
	})
}

// A Python strategy's scale rows have no heap-per-req-B (no Go heap): they
// are read, drawn on the overhead chart titled for Python and Go, left off
// the heap panel, and the footnote says whose memory they show.
func TestScaleChartsPythonRows(t *testing.T) {
	var in string
	for _, n := range []string{"100", "1000"} {
		in += scaleLine("inflight="+n+"/strategy=fanout/conn=warm-2", 1.02e9, 1e9, 1.02, 0, 40000, 20000, 50)
		py := scaleLine("inflight="+n+"/strategy=py-aiohttp/conn=warm-2", 1.5e9, 1e9, 1.5, 0, 30000, 0, 300)
		in += strings.Replace(py, "\t0 heap-per-req-B", "", 1)
	}
	d, err := ReadScale(scaleIn("p.txt", in))
	if err != nil {
		t.Fatal(err)
	}
	heap, err := d.VsInflight(string(metricHeapPerRq))
	if err != nil || len(heap) != 1 || heap[0].Strategy != "fanout" {
		t.Fatalf("heap series %+v, %v: want fanout only", heap, err)
	}
	charts, _, err := ScaleCharts(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if !strings.Contains(c.Chart.Footnote, "py-*: the seed's Python clients") {
			t.Errorf("%s: footnote %q does not say whose memory a py-* row shows", c.Base, c.Chart.Footnote)
		}
		if c.Base == "scale-overhead" && !strings.Contains(c.Chart.Title, "Python and Go") {
			t.Errorf("overhead chart title %q", c.Chart.Title)
		}
	}
}
