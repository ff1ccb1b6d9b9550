package chart

import (
	"bytes"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

const peersDev = "testdata/peers-dev.txt"

func readPeersFile(t *testing.T, path string) *PeersData {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadPeers(bytes.NewReader(b), path)
	if err != nil {
		t.Fatalf("ReadPeers(%s): %v", path, err)
	}
	return d
}

// peersLine returns a line as scripts/peers writes it.
func peersLine(c int, tool string, rps, p99Ns, errs float64) string {
	return "BenchmarkPeers/c=" + ftoa(float64(c)) + "/tool=" + tool + " 1 5000000000 ns/op " + ftoa(rps) + " req/s " +
		ftoa(p99Ns) + " p99-ns " + ftoa(errs) + " errors 12.5 cpu-ms-per-1k\n"
}

const peersTable = "\n| c | tool | req/s (median of 3) | p99 | errors | CPU ms per 1k requests |\n|---|---|---|---|---|---|\n| 16 | wrk | 1 | 2ms | 0 | 3.0 |\n"

func TestReadPeersDevSample(t *testing.T) {
	d := readPeersFile(t, peersDev)
	if got := d.Conns(); !slices.Equal(got, []int{16, 64, 256}) {
		t.Errorf("Conns = %v", got)
	}
	if lo, hi := d.Rounds(); lo != 3 || hi != 3 {
		t.Errorf("Rounds = %d, %d; want 3", lo, hi)
	}
	// The Markdown tables after the results are not results, not errors
	// and not warnings.
	if w := d.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q, want none", w)
	}
	if d.Config("peers-rounds") != "3" || d.commit != "bbb27c9f4ab4 (dirty)" {
		t.Errorf("config: rounds %q, commit %q", d.Config("peers-rounds"), d.commit)
	}
	conns, bars, err := d.Bars("req/s")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range bars {
		names = append(names, s.Name)
		if len(s.Points) != len(conns) {
			t.Errorf("%s: %d bars, want one per c", s.Name, len(s.Points))
		}
	}
	if want := []string{"crawlbench fanout (ours)", "crawlbench fasthttp (ours)", "wrk", "hey", "bombardier"}; !slices.Equal(names, want) {
		t.Errorf("tools %q, want %q", names, want)
	}
	if rows := d.Rows(); len(rows) != 15 || rows[0].Family != FamilyPeers || rows[0].C != 16 || rows[0].Strategy != "fanout" || rows[0].Runs != 3 {
		t.Errorf("Rows: %d, first %+v", len(rows), rows[0])
	}
}

func TestPeersMedianMinMax(t *testing.T) {
	in := "peers-duration: 5s\npeers-rounds: 3\n" +
		peersLine(64, "wrk", 90000, 7e6, 0) + peersLine(16, "wrk", 80000, 5e6, 0) +
		peersLine(16, "fanout", 50000, 2e6, 0) + peersLine(16, "wrk", 70000, 6e6, 0) +
		peersLine(16, "wrk", 75000, 4e6, 3) + peersLine(16, "fanout", 52000, 3e6, 0) +
		peersLine(16, "fanout", 51000, 2.5e6, 0) + peersLine(64, "newtool", 1000, 1e6, 0) + peersTable
	d, err := ReadPeers(strings.NewReader(in), "p.txt")
	if err != nil {
		t.Fatal(err)
	}
	conns, rps, err := d.Bars("req/s")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(conns, []int{16, 64}) || len(rps) != 3 || rps[0].Strategy != "fanout" || rps[1].Strategy != "wrk" || rps[2].Strategy != "newtool" {
		t.Fatalf("conns %v, bars %+v: want c 16, 64 and fanout, wrk, newtool", conns, rps)
	}
	if got, want := rps[1].Points, []Point{{X: 0, Y: 75000, Lo: 70000, Hi: 80000}, {X: 1, Y: 90000, Lo: 90000, Hi: 90000}}; !slices.Equal(got, want) {
		t.Errorf("wrk bars %+v, want %+v", got, want)
	}
	if rps[1].Label() != "wrk [3 failed]" {
		t.Errorf("label %q, want the failures", rps[1].Label())
	}
	if got := rps[2].Points; len(got) != 1 || got[0].X != 1 {
		t.Errorf("newtool bars %+v, want one at c=64 (index 1)", got)
	}
	_, p99, err := d.Bars("p99-ns")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p99[0].Points[0], (Point{X: 0, Y: 0.0025, Lo: 0.002, Hi: 0.003}); !near(got, want) {
		t.Errorf("fanout p99 %+v, want %+v (seconds)", got, want)
	}
	if !slices.ContainsFunc(d.Warnings(), func(w string) bool { return strings.Contains(w, "tool=wrk: 3 failed requests over 3 rounds") }) {
		t.Errorf("warnings %q lack the failures", d.Warnings())
	}
	charts, notes, err := PeersCharts(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 1 || charts[0].Base != "peers-throughput" {
		t.Fatalf("charts %+v", charts)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"no results of tool=fasthttp", "no results of tool=hey", "no results of tool=bombardier"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	foot := charts[0].Chart.Footnote
	for _, want := range []string{"source: p.txt", "each tool runs 5s per round, 3 rounds", "bars: median of 1–3 rounds, whiskers: min–max"} {
		if !strings.Contains(foot, want) {
			t.Errorf("footnote %q lacks %q", foot, want)
		}
	}
	if _, _, err := d.Bars("threads"); err == nil || !strings.Contains(err.Error(), "no BenchmarkPeers result reports threads") {
		t.Errorf("absent metric: err = %v", err)
	}
}

func TestReadPeersErrors(t *testing.T) {
	good := peersLine(16, "wrk", 80000, 5e6, 0)
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "p.txt: empty input"},
		{"table only", peersTable, "p.txt: no benchmark results"},
		{"other benchmarks", line("Seed/n=5/strategy=fanout/conn=warm-2", 5e7, 5e7, 5e7, 90, 0, 5e7), "is a BenchmarkPeers result"},
		// benchfmt ignores the table, but not a broken benchmark line,
		// before the table or after it.
		{"garbled before the table", strings.Replace(good, "80000 req/s", "80k req/s", 1) + peersTable, "p.txt:1: parsing measurement"},
		{"garbled after the table", good + peersTable + "BenchmarkPeers/c=16/tool=hey 1 5000000000 ns/op 7000\n", "p.txt:6: missing units"},
		{"cut inside a value", good + good[:strings.Index(good, " req/s")-2], "syntax error"},
		{"no c", strings.Replace(good, "c=16/", "", 1), "missing sub-benchmark key c="},
		{"no tool", strings.Replace(good, "/tool=wrk", "", 1), "missing sub-benchmark key tool="},
		{"bad c", strings.Replace(good, "c=16", "c=x", 1), "c=x: want an integer ≥ 1"},
		{"no p99", strings.Replace(good, " 5000000 p99-ns", "", 1), "metric p99-ns is missing (BenchmarkPeers reports req/s, p99-ns, errors)"},
		{"negative req/s", strings.Replace(good, "80000 req/s", "-1 req/s", 1), "metric req/s is -1: want ≥ 0"},
		{"infinite p99", strings.Replace(good, "5000000 p99-ns", "+Inf p99-ns", 1), "metric p99-ns is +Inf: want a finite number"},
		{"zero run length", strings.Replace(good, "5000000000 ns/op", "0 ns/op", 1), "metric ns/op is 0: want > 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPeers(strings.NewReader(tc.in), "p.txt")
			if err == nil || !strings.HasPrefix(err.Error(), "plots: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestPeersZeroThroughput(t *testing.T) {
	d, err := ReadPeers(strings.NewReader(peersLine(16, "wrk", 0, 0, 500)+peersLine(16, "hey", 0, 0, 400)), "p.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := PeersCharts(d); err == nil || !strings.Contains(err.Error(), "every req/s is 0") || !strings.Contains(err.Error(), "p.txt") {
		t.Errorf("err = %v, want every req/s is 0, naming the file", err)
	}
	// One tool at 0 among others is drawn.
	d, err = ReadPeers(strings.NewReader(peersLine(16, "wrk", 0, 0, 500)+peersLine(16, "hey", 100, 2e6, 0)), "p.txt")
	if err != nil {
		t.Fatal(err)
	}
	charts, _, err := PeersCharts(d)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := charts[0].Chart.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "wrk [500 failed]") {
		t.Error("the SVG legend does not show wrk's failures")
	}
}

func TestPeersChartErrors(t *testing.T) {
	ok := []Series{{Name: "wrk", Strategy: "wrk", Points: []Point{{X: 0, Y: 5, Lo: 4, Hi: 6}}}}
	for _, tc := range []struct {
		name    string
		conns   []int
		rps, pp []Series
		want    string
	}{
		{"none", nil, nil, nil, "no bars"},
		{"x out of range", []int{16}, []Series{{Name: "a", Points: []Point{{X: 1, Y: 1, Lo: 1, Hi: 1}}}}, ok, "x = 1 is not an index in [0, 1)"},
		{"fractional x", []int{16, 64}, []Series{{Name: "a", Points: []Point{{X: 0.5, Y: 1, Lo: 1, Hi: 1}}}}, ok, "x = 0.5 is not an index"},
		{"negative", []int{16}, ok, []Series{{Name: "a", Points: []Point{{X: 0, Y: -1, Lo: -1, Hi: -1}}}}, "value -1 < 0"},
		{"NaN", []int{16}, []Series{{Name: "a", Points: []Point{{X: 0, Y: math.NaN()}}}}, ok, "not finite"},
		{"empty series", []int{16}, []Series{{Name: "a"}}, ok, `series "a" has no points`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := PeersChart(tc.conns, tc.rps, tc.pp); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBarLabelFormats(t *testing.T) {
	for v, want := range map[float64]string{95432: "95k", 9500: "9.5k", 999.4: "999", 999.6: "1.0k", 0: "0"} {
		if got := formatRate(v); got != want {
			t.Errorf("formatRate(%v) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{13.8: "14", 2.05: "2.0", 9.96: "10", 0.351: "0.35"} {
		if got := formatMs(v); got != want {
			t.Errorf("formatMs(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestThousandsTicks(t *testing.T) {
	var labels []string
	for _, tk := range (thousandsTicks{}).Ticks(0, 108000) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"0", "20k", "40k", "60k", "80k", "100k"}; !slices.Equal(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
}

// FuzzReadPeers checks that ReadPeers never panics and that what it accepts
// can be charted or is refused with an error.
func FuzzReadPeers(f *testing.F) {
	b, err := os.ReadFile(peersDev)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[:min(len(b), 3<<10)])
	f.Add([]byte(peersLine(16, "wrk", 0, 0, 5) + peersTable))
	f.Add([]byte(peersLine(1, "x", 1e300, 1e-300, 0) + "BenchmarkPeers/c=2/tool=y/z=1-8 1 5 ns/op 0 req/s 0 p99-ns 0 errors\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ReadPeers(bytes.NewReader(in), "fuzz.txt")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "plots: ") {
				t.Fatalf("error %q does not start with plots:", err)
			}
			return
		}
		charts, _, err := PeersCharts(d)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "plots: ") {
				t.Fatalf("error %q does not start with plots:", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := charts[0].Chart.WriteSVG(&buf); err != nil {
			t.Fatal(err)
		}
	})
}
