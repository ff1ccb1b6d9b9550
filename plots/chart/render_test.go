package chart

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// smallCharts renders every chart of testdata/small.txt.
func smallCharts(t *testing.T) ([]NamedChart, []string) {
	t.Helper()
	charts, notes, err := Charts(readFile(t, "testdata/small.txt"))
	if err != nil {
		t.Fatalf("Charts: %v", err)
	}
	return charts, notes
}

func TestChartsOfSmall(t *testing.T) {
	charts, notes := smallCharts(t)
	var bases []string
	for _, c := range charts {
		bases = append(bases, c.Base)
	}
	want := []string{
		"concurrency-latency-unlimited", "concurrency-throughput-unlimited",
		"concurrency-latency-k64", "concurrency-throughput-k64",
		"batch-wall-unlimited",
		"seed-speedup-n5", "seed-speedup-n100",
	}
	if !slices.Equal(bases, want) {
		t.Errorf("charts %q, want %q", bases, want)
	}
	if len(notes) != 0 {
		t.Errorf("notes %q, want none: every family is present", notes)
	}
	for _, c := range charts {
		if c.Chart.Title == "" || !strings.Contains(c.Chart.Footnote, "source: small.txt") || !strings.Contains(c.Chart.Footnote, "median of 3 runs") {
			t.Errorf("%s: title %q, footnote %q", c.Base, c.Chart.Title, c.Chart.Footnote)
		}
		for _, p := range c.Chart.Panels {
			if p.X.Label.Text == "" || p.Y.Label.Text == "" {
				t.Errorf("%s: an axis has no label", c.Base)
			}
		}
	}
}

func TestChartsSkipsAbsentFamilies(t *testing.T) {
	d := readString(t, line("Seed/n=5/strategy=sequential/conn=warm-2", 250e6, 50e6, 51e6, 20, 0, 250e6)+
		line("Seed/n=5/strategy=fanout/conn=warm-2", 52e6, 50e6, 51e6, 96, 0, 50e6)+
		line("Seed/n=7/strategy=fanout/conn=warm-2", 52e6, 50e6, 51e6, 96, 0, 50e6))
	charts, notes, err := Charts(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 1 || charts[0].Base != "seed-speedup-n5" {
		t.Errorf("charts %+v, want only seed-speedup-n5", charts)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"no BenchmarkConcurrency results", "no BenchmarkBatch results", "skipping seed-speedup-n7"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	d = readString(t, line("Seed/n=7/strategy=fanout/conn=warm-2", 52e6, 50e6, 51e6, 96, 0, 50e6))
	if _, _, err := Charts(d); err == nil || !strings.Contains(err.Error(), "nothing to plot") {
		t.Errorf("err = %v, want nothing to plot", err)
	}
}

// devCharts renders the charts of the development samples: the three
// scale levels together, the peers file and the network file.
func devCharts(t *testing.T) []NamedChart {
	t.Helper()
	scale, _, err := ScaleCharts(readScaleDev(t))
	if err != nil {
		t.Fatalf("ScaleCharts: %v", err)
	}
	peers, _, err := PeersCharts(readPeersFile(t, peersDev))
	if err != nil {
		t.Fatalf("PeersCharts: %v", err)
	}
	network, err := AllNetworkCharts(readNetworkDev(t))
	if err != nil {
		t.Fatalf("AllNetworkCharts: %v", err)
	}
	return append(append(scale, peers...), network...)
}

// TestGolden compares the SVG of every chart of small.txt and of the
// development samples with testdata/golden. Run with -update to rewrite
// the golden files.
func TestGolden(t *testing.T) {
	charts, _ := smallCharts(t)
	charts = append(charts, devCharts(t)...)
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range charts {
		t.Run(c.Base, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.Chart.WriteSVG(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, c.Base+".svg")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from %s (%d vs %d bytes); if the change is intended, run go test ./plots -run Golden -update and review git diff",
					c.Base, path, buf.Len(), len(want))
			}
		})
	}
}

// TestDeterministic renders every chart twice, from two separate reads of
// the file, and wants identical bytes in both formats.
func TestDeterministic(t *testing.T) {
	first, _ := smallCharts(t)
	second, _ := smallCharts(t)
	first, second = append(first, devCharts(t)...), append(second, devCharts(t)...)
	for i := range first {
		for _, f := range []struct {
			name  string
			write func(*Chart, *bytes.Buffer) error
		}{
			{"svg", func(c *Chart, b *bytes.Buffer) error { return c.WriteSVG(b) }},
			{"png", func(c *Chart, b *bytes.Buffer) error { return c.WritePNG(b) }},
		} {
			var a, b bytes.Buffer
			if err := f.write(first[i].Chart, &a); err != nil {
				t.Fatal(err)
			}
			if err := f.write(second[i].Chart, &b); err != nil {
				t.Fatal(err)
			}
			if a.Len() == 0 || !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s.%s: two renderings differ (%d vs %d bytes)", first[i].Base, f.name, a.Len(), b.Len())
			}
		}
	}
}

func TestPNGSize(t *testing.T) {
	charts, _ := smallCharts(t)
	var buf bytes.Buffer
	if err := charts[0].Chart.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 660 {
		t.Errorf("PNG is %dx%d, want 1200x660 (Width, Height at DPI)", b.Dx(), b.Dy())
	}
}

func TestSVGUsesLiberationSans(t *testing.T) {
	charts, _ := smallCharts(t)
	i := slices.IndexFunc(charts, func(c NamedChart) bool { return c.Base == "concurrency-latency-k64" })
	var buf bytes.Buffer
	if err := charts[i].Chart.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	if !strings.Contains(svg, "font-family:Liberation Sans") || strings.Contains(svg, "Liberation Serif") {
		t.Error("SVG text is not all Liberation Sans")
	}
	// log2 tick labels, the failure count in the legend.
	for _, want := range []string{">1<", ">4<", ">64<", ">256<", "fasthttp warm [1 failed]"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG of %s lacks %q", charts[i].Base, want)
		}
	}
}

func TestLog2TickLabels(t *testing.T) {
	var labels []string
	for _, tk := range (log2Ticks{}).Ticks(0.8, 1300) {
		labels = append(labels, tk.Label)
	}
	want := []string{"1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024"}
	if !slices.Equal(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
	// A narrow panel: at most 6 labels, every second power, ticks at all.
	ticks := log2Ticks{maxLabels: 6}.Ticks(0.8, 1300)
	labels = labels[:0]
	for _, tk := range ticks {
		labels = append(labels, tk.Label)
	}
	want = []string{"1", "", "4", "", "16", "", "64", "", "256", "", "1024"}
	if !slices.Equal(labels, want) {
		t.Errorf("maxLabels 6: labels %q, want %q", labels, want)
	}
	// 1..8192 (-long): 14 powers, at most 12 labels by default.
	labels = labels[:0]
	for _, tk := range (log2Ticks{}).Ticks(0.8, 9000) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"1", "4", "16", "64", "256", "1024", "4096"}; !slices.Equal(labels, want) {
		t.Errorf("1..8192: labels %q, want %q", labels, want)
	}
}

func TestLog10TickLabels(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0.04, 3, []string{"0.05", "0.1", "0.2", "0.5", "1", "2"}},
		{40, 90, []string{"40", "50", "60", "70", "80", "90"}},
		{15, 1500, []string{"20", "50", "100", "200", "500", "1000"}},
		{0.5, 20000, []string{"1", "10", "100", "1000", "10000"}},
	} {
		var labels []string
		for _, tk := range (log10Ticks{}).Ticks(tc.lo, tc.hi) {
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
	// A range too short for two labels falls back to linear ticks, in range.
	ticks := (log10Ticks{}).Ticks(50.2, 51.3)
	n := 0
	for _, tk := range ticks {
		if tk.Value < 50.2 || tk.Value > 51.3 {
			t.Errorf("tick %v outside [50.2, 51.3]", tk.Value)
		}
		if tk.Label != "" {
			n++
		}
	}
	if n < 2 {
		t.Errorf("short range: %d labels, want ≥ 2", n)
	}
}

func pts(ys ...float64) []Point {
	var out []Point
	for i, y := range ys {
		out = append(out, Point{X: math.Exp2(float64(i)), Y: y, Lo: y, Hi: y})
	}
	return out
}

// TestDegenerateInputsAreErrors feeds the chart functions what makes gonum
// panic (log axes with zero values, empty series, NaN) and wants errors.
func TestDegenerateInputsAreErrors(t *testing.T) {
	ok := []Series{{Name: "fanout warm", Strategy: "fanout", Conn: "warm", Points: pts(0.05, 0.06)}}
	zero := []Series{{Name: "z", Points: pts(0.05, 0)}}
	empty := []Series{{Name: "e"}}
	nan := []Series{{Name: "n", Points: pts(0.05, math.NaN())}}
	badRange := []Series{{Name: "r", Points: []Point{{X: 1, Y: 5, Lo: 6, Hi: 7}}}}
	zeroX := []Series{{Name: "x0", Points: []Point{{X: 0, Y: 5, Lo: 5, Hi: 5}}}}
	for _, tc := range []struct {
		name string
		f    func() (*Chart, error)
		want string
	}{
		{"latency no series", func() (*Chart, error) { return LatencyChart("k8", nil, nil) }, "no series"},
		{"latency zero", func() (*Chart, error) { return LatencyChart("k8", ok, zero) }, "logarithmic: cannot show 0"},
		{"latency empty series", func() (*Chart, error) { return LatencyChart("k8", empty, ok) }, `series "e" has no points`},
		{"latency NaN", func() (*Chart, error) { return LatencyChart("k8", nan, ok) }, "not finite"},
		{"latency Lo > Y", func() (*Chart, error) { return LatencyChart("k8", badRange, ok) }, "want Lo ≤ Y ≤ Hi"},
		{"latency c = 0", func() (*Chart, error) { return LatencyChart("k8", zeroX, zeroX) }, "logarithmic: cannot show 0"},
		{"throughput zero", func() (*Chart, error) { return ThroughputChart("k8", zero, 0) }, "logarithmic: cannot show 0"},
		{"throughput bad capacity", func() (*Chart, error) { return ThroughputChart("k8", ok, math.Inf(1)) }, "capacity +Inf"},
		{"throughput empty", func() (*Chart, error) { return ThroughputChart("k8", empty, 100) }, "has no points"},
		{"wall none", func() (*Chart, error) { return WallChart("u", nil, nil) }, "no series"},
		{"wall zero ideal", func() (*Chart, error) { return WallChart("u", ok, zero) }, "logarithmic: cannot show 0"},
		{"speed-up none", func() (*Chart, error) { return SpeedupChart(5, nil, nil) }, "no bars"},
		{"speed-up x out of range", func() (*Chart, error) {
			return SpeedupChart(5, []string{"a"}, []Series{{Name: "Go warm", Points: []Point{{X: 3, Y: 1, Lo: 1, Hi: 1}}}})
		}, "x = 3 is not a strategy index"},
		{"speed-up all zero", func() (*Chart, error) {
			return SpeedupChart(5, []string{"a"}, []Series{{Name: "Go warm", Points: []Point{{X: 0}}}})
		}, "every speed-up is 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := tc.f()
			if err == nil {
				t.Fatalf("chart %q, nil error; want %q", ch.Title, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestSinglePointCharts draws charts whose axes span a single value, which
// gonum would otherwise widen to a range that includes 0.
func TestSinglePointCharts(t *testing.T) {
	one := []Series{{Name: "sequential warm", Strategy: "sequential", Conn: "warm", Points: []Point{{X: 1, Y: 0.05, Lo: 0.05, Hi: 0.05}}}}
	charts := []func() (*Chart, error){
		func() (*Chart, error) { return LatencyChart("k1", one, one) },
		func() (*Chart, error) { return ThroughputChart("k1", one, 20) },
		func() (*Chart, error) { return WallChart("u", one, one) },
		func() (*Chart, error) {
			return SpeedupChart(5, []string{"sequential"}, []Series{{Name: "Go warm", Conn: "warm", Points: []Point{{X: 0, Y: 1, Lo: 1, Hi: 1}}}})
		},
	}
	for i, f := range charts {
		ch, err := f()
		if err != nil {
			t.Fatalf("chart %d: %v", i, err)
		}
		var svg, img bytes.Buffer
		if err := ch.WriteSVG(&svg); err != nil {
			t.Errorf("chart %d: SVG: %v", i, err)
		}
		if err := ch.WritePNG(&img); err != nil {
			t.Errorf("chart %d: PNG: %v", i, err)
		}
	}
}

func TestRenderPanicBecomesError(t *testing.T) {
	ch, err := LatencyChart("k8", []Series{{Name: "a", Points: pts(0.05, 0.06)}}, []Series{{Name: "a", Points: pts(0.05, 0.06)}})
	if err != nil {
		t.Fatal(err)
	}
	ch.Panels[0].Y.Min = -1 // a log axis below 0: gonum panics
	var buf bytes.Buffer
	if err := ch.WriteSVG(&buf); err == nil || !strings.Contains(err.Error(), "gonum panicked") {
		t.Errorf("err = %v, want the panic as an error", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes of a failed chart", buf.Len())
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"svg": SVG, "png": PNG, "both": Both, " SVG ": SVG} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil || !strings.Contains(err.Error(), `format "pdf": want svg, png or both`) {
		t.Errorf("ParseFormat(pdf): err = %v", err)
	}
}

func TestSave(t *testing.T) {
	charts, _ := smallCharts(t)
	dir := t.TempDir()
	paths, err := Save(charts[0].Chart, dir, "x", Both)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "x.svg"), filepath.Join(dir, "x.png")}; !slices.Equal(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	paths, err = Save(charts[0].Chart, dir, "y", PNG)
	if err != nil || len(paths) != 1 || filepath.Ext(paths[0]) != ".png" {
		t.Errorf("PNG only: %q, %v", paths, err)
	}
	for _, tc := range []struct {
		dir, base string
		f         Format
		want      string
	}{
		{dir, "../evil", Both, "want a plain file name"},
		{dir, "z", 0, "invalid format"},
		{filepath.Join(dir, "missing"), "z", SVG, "no such file"},
	} {
		if _, err := Save(charts[0].Chart, tc.dir, tc.base, tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Save(%q, %q, %v): err = %v, want %q", tc.dir, tc.base, tc.f, err, tc.want)
		}
	}
}

func TestFileSafe(t *testing.T) {
	for in, want := range map[string]string{"k64": "k64", "../x": "_._x", "a b/c": "a_b_c", "": "_", ".hidden": "_hidden"} {
		if got := fileSafe(in); got != want {
			t.Errorf("fileSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
