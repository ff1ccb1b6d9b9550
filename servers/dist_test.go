package servers_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// draws returns n delays of dist for seed, seq 0..n-1, in seconds.
func draws(dist servers.Dist, d time.Duration, sigma float64, seed uint64, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = servers.DrawDelay(dist, d, sigma, seed, uint64(i)).Seconds()
	}
	return xs
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return ys[len(ys)/2]
}

func TestDrawDelayFixed(t *testing.T) {
	for _, dist := range []servers.Dist{"", servers.DistFixed, "bogus"} {
		for i := range uint64(10) {
			if got := servers.DrawDelay(dist, 3*time.Second, 0, i, i); got != 3*time.Second {
				t.Fatalf("DrawDelay(%q, 3s, seq %d) = %v, want 3s", dist, i, got)
			}
		}
	}
	for _, dist := range servers.Dists() {
		if got := servers.DrawDelay(dist, 0, 0, 1, 1); got != 0 {
			t.Errorf("DrawDelay(%q, 0) = %v, want 0", dist, got)
		}
	}
}

func TestDrawDelayReproducible(t *testing.T) {
	for _, dist := range servers.Dists()[1:] {
		a := draws(dist, time.Second, 0.5, 1, 100)
		b := draws(dist, time.Second, 0.5, 1, 100)
		c := draws(dist, time.Second, 0.5, 2, 100)
		if !slices.Equal(a, b) {
			t.Errorf("%s: two runs with seed 1 differ", dist)
		}
		if slices.Equal(a, c) {
			t.Errorf("%s: seeds 1 and 2 give the same delays", dist)
		}
		// Order of drawing does not matter: seq 57 alone equals seq 57 in a run.
		if got := servers.DrawDelay(dist, time.Second, 0.5, 1, 57).Seconds(); got != a[57] {
			t.Errorf("%s: seq 57 alone = %v, in a run %v", dist, got, a[57])
		}
		if len(slices.Compact(slices.Sorted(slices.Values(a)))) < 95 {
			t.Errorf("%s: 100 draws have fewer than 95 distinct values", dist)
		}
	}
}

func TestDrawDelayMoments(t *testing.T) {
	const n, d = 20000, 2 * time.Second
	ds := d.Seconds()
	for _, tc := range []struct {
		dist     servers.Dist
		sigma    float64
		stat     string
		statFunc func([]float64) float64
		want     float64
		lo, hi   float64 // support
	}{
		{servers.DistUniform, 0, "mean", mean, ds, 0, 2 * ds},
		{servers.DistExp, 0, "mean", mean, ds, 0, math.Inf(1)},
		{servers.DistLognormal, 0, "median", median, ds, 0, math.Inf(1)},
		{servers.DistLognormal, 0, "mean", mean, ds * math.Exp(0.5*0.5/2), 0, math.Inf(1)},
		{servers.DistLognormal, 1, "mean", mean, ds * math.Exp(0.5), 0, math.Inf(1)},
	} {
		for _, seed := range []uint64{0, 1, 12345} {
			xs := draws(tc.dist, d, tc.sigma, seed, n)
			got := tc.statFunc(xs)
			if math.Abs(got-tc.want) > 0.04*tc.want {
				t.Errorf("%s sigma %g seed %d: %s %.4fs, want %.4fs ± 4%%", tc.dist, tc.sigma, seed, tc.stat, got, tc.want)
			}
			if lo, hi := slices.Min(xs), slices.Max(xs); lo < tc.lo || hi > tc.hi {
				t.Errorf("%s seed %d: draws span [%v, %v], want within [%v, %v]", tc.dist, seed, lo, hi, tc.lo, tc.hi)
			}
		}
	}
	// Exponential: the standard deviation equals the mean.
	xs := draws(servers.DistExp, d, 0, 9, n)
	m := mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	if sd := math.Sqrt(ss / n); math.Abs(sd-ds) > 0.05*ds {
		t.Errorf("exp: standard deviation %.4fs, want %.4fs ± 5%%", sd, ds)
	}
}

func TestDrawDelaySaturates(t *testing.T) {
	huge := time.Duration(math.MaxInt64)
	for _, dist := range servers.Dists() {
		for i := range uint64(200) {
			if got := servers.DrawDelay(dist, huge, 4, 3, i); got < 0 {
				t.Fatalf("DrawDelay(%s, max, seq %d) = %v, want non-negative", dist, i, got)
			}
		}
	}
}
