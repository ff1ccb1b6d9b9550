package histlog

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// newHist returns a histogram with the clients package's geometry holding
// n seeded latencies around d.
func newHist(t *testing.T, seed uint64, n int, d time.Duration) *hdrhistogram.Histogram {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour), 3)
	r := rand.New(rand.NewPCG(seed, 1))
	for range n {
		v := int64(d) + int64(r.ExpFloat64()*float64(d)/10)
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// TestRoundTripLossless writes histograms of several cells and runs and
// reads back the same histograms, bucket for bucket, in the same order.
func TestRoundTripLossless(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Header(); err != nil {
		t.Fatal(err)
	}
	cells := []string{"Seed/n=100/strategy=fanout/conn=warm", "Seed/n=100/strategy=fanout/conn=cold", "Seed/n=100/strategy=fanout/conn=warm"}
	var want []*hdrhistogram.Histogram
	for i, c := range cells {
		h := newHist(t, uint64(i), 1000*(i+1), 50*time.Millisecond)
		want = append(want, h)
		if err := w.Write(c, h); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(&buf, "mem")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cells) {
		t.Fatalf("%d entries, want %d", len(got), len(cells))
	}
	for i, e := range got {
		if e.Cell != cells[i] {
			t.Errorf("entry %d: cell %q, want %q", i, e.Cell, cells[i])
		}
		if !sameCounts(e.Hist, want[i]) {
			t.Errorf("entry %d (%s): histogram differs after the round trip", i, e.Cell)
		}
	}
	merged, order, err := Merged(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != cells[0] || order[1] != cells[1] {
		t.Fatalf("order %q", order)
	}
	sum := want[0].Clone()
	sum.Merge(want[2])
	if !sameCounts(merged[cells[0]], sum) {
		t.Errorf("merged warm cell differs from the sum of its two runs")
	}
}

// sameCounts reports whether a and b hold the same count in every bucket.
func sameCounts(a, b *hdrhistogram.Histogram) bool {
	if a.TotalCount() != b.TotalCount() || a.Max() != b.Max() || a.Min() != b.Min() {
		return false
	}
	da, db := a.Distribution(), b.Distribution()
	if len(da) != len(db) {
		return false
	}
	for i := range da {
		if da[i] != db[i] {
			return false
		}
	}
	return true
}

// TestCreateAppends proves a second Create on the same path (a second
// benchmark binary of the same go test) appends without a second header.
func TestCreateAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.hlog")
	for i := range 2 {
		w, f, err := Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write("Batch/n=1", newHist(t, uint64(i), 10, time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "#[Histogram log format version"); n != 1 {
		t.Errorf("%d format-version lines, want 1:\n%s", n, b)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("%d entries, want 2", len(got))
	}
}

// TestBadInput gives Read and Write what they must refuse, each with an
// error that says what is wrong.
func TestBadInput(t *testing.T) {
	w := NewWriter(&bytes.Buffer{})
	for _, cell := range []string{"", "a,b", "a b", "a\nb"} {
		if err := w.Write(cell, hdrhistogram.New(1, 10, 3)); err == nil {
			t.Errorf("Write(%q): no error", cell)
		}
	}
	if err := w.Write("ok", nil); err == nil {
		t.Error("Write(nil histogram): no error")
	}
	for _, tc := range []struct{ in, want string }{
		{"", "no histograms"},
		{"#[only a comment]\n", "no histograms"},
		{"hello\n", "mem:1: want a Tag="},
		{"#c\nTag=x,0,1,2,notbase64!!\n", "mem:2: cell x: decode"},
		{"Tag=x,0,1\n", "mem:1: want Tag=CELL"},
		{"Tag=,0,1,2,HISTF\n", "mem:1: cell \"\""},
	} {
		_, err := Read(strings.NewReader(tc.in), "mem")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
	if _, err := ReadFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("ReadFile(dir) = %v, want 'not a regular file'", err)
	}
}

// TestSpectrum checks the spectrum's quantiles rise, end at the largest
// the sample supports, and read the histogram's own values.
func TestSpectrum(t *testing.T) {
	if Spectrum(hdrhistogram.New(1, 10, 3), 0.9999) != nil {
		t.Error("empty histogram: want nil")
	}
	h := newHist(t, 7, 1000, 10*time.Millisecond)
	sp := Spectrum(h, 0.9999)
	if len(sp) < 10 {
		t.Fatalf("%d points", len(sp))
	}
	for i := 1; i < len(sp); i++ {
		if sp[i].Q <= sp[i-1].Q || sp[i].Latency < sp[i-1].Latency {
			t.Fatalf("point %d (%v) does not follow %v", i, sp[i], sp[i-1])
		}
	}
	last := sp[len(sp)-1]
	if last.Q != 1-1.0/1000 {
		t.Errorf("last quantile %v, want 0.999 (1 − 1/n for 1000 requests)", last.Q)
	}
	if want := time.Duration(h.ValueAtQuantile(50)); sp[5].Q != 0.5 || sp[5].Latency != want {
		t.Errorf("point 5 = %+v, want q 0.5 at %v", sp[5], want)
	}
}
