package servers_test

import (
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
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

// A request that sends its index in HeaderIndex gets DrawDelay(seed, index)
// whatever order the requests arrive in: requests 0..n-1 sent one at a
// time in a shuffled order (so the arrival order is known and differs from
// the indices) each get exactly the delay of their index, not of their
// arrival sequence number. Requests without the header fall back to the
// arrival sequence number, counted since the last reset.
func TestDelayFollowsIndexNotArrival(t *testing.T) {
	const n, seed = 24, 41
	d := 200 * time.Microsecond
	for _, dist := range []servers.Dist{servers.DistUniform, servers.DistExp, servers.DistLognormal} {
		t.Run(string(dist), func(t *testing.T) {
			cfg := servers.Config{Delay: d, Dist: dist, Seed: seed}
			l := startLive(t, cfg)
			maxDelay := l.srv.Config().MaxDelay
			order := rand.New(rand.NewPCG(seed, 1)).Perm(n)
			moved := 0
			for arrival, index := range order {
				if arrival != index {
					moved++
				}
				delay, seq := getDelay(t, l, strconv.Itoa(index))
				want := min(servers.DrawDelay(dist, d, 0, seed, uint64(index)), maxDelay)
				if delay != want {
					t.Errorf("index %d, arrival %d: delay %v, want DrawDelay(index) = %v", index, arrival, delay, want)
				}
				if seq != uint64(arrival) {
					t.Errorf("index %d: arrival seq %d, want %d", index, seq, arrival)
				}
			}
			// The arrival order must differ from the index order, or the
			// check above could not tell an index from a sequence number.
			if moved < n/2 {
				t.Fatalf("only %d of %d requests arrived out of index order", moved, n)
			}
			l.srv.ResetStats()
			for seq := range 3 {
				delay, _ := getDelay(t, l, "")
				if want := min(servers.DrawDelay(dist, d, 0, seed, uint64(seq)), maxDelay); delay != want {
					t.Errorf("no index, arrival %d: delay %v, want DrawDelay(seq) = %v", seq, delay, want)
				}
			}
		})
	}
}

// getDelay GETs l with index in HeaderIndex (none when empty) and returns
// the delay and arrival sequence number the server reports.
func getDelay(t *testing.T, l *live, index string) (time.Duration, uint64) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, l.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if index != "" {
		req.Header.Set(servers.HeaderIndex, index)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("index %q: status %d", index, resp.StatusCode)
	}
	delay, err := time.ParseDuration(resp.Header.Get(servers.HeaderDelay))
	if err != nil {
		t.Fatal(err)
	}
	seq, err := strconv.ParseUint(resp.Header.Get(servers.HeaderSeq), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return delay, seq
}

// A bad HeaderIndex is answered 400 naming the header, and counted as a
// bad request, not served.
func TestBadIndexHeader(t *testing.T) {
	srv, err := servers.New(servers.Config{Dist: servers.DistExp})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		values []string
	}{
		{"empty", []string{""}},
		{"negative", []string{"-1"}},
		{"plus", []string{"+3"}},
		{"word", []string{"seven"}},
		{"fraction", []string{"1.5"}},
		{"overflow", []string{"18446744073709551616"}},
		{"twice", []string{"1", "2"}},
		{"long", []string{strings.Repeat("9", 500)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header[servers.HeaderIndex] = tc.values
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != http.StatusBadRequest || !strings.Contains(body, "header "+servers.HeaderIndex) || !strings.Contains(body, "0..18446744073709551615") {
				t.Errorf("index %q: %d %q, want 400 naming the header and its range", tc.values, rec.Code, body)
			}
			if strings.Count(body, "\n") != 1 || len(body) > 200 {
				t.Errorf("index %q: message %q is not one short line", tc.values, body)
			}
		})
	}
	if st := srv.Stats(); st.BadRequests != 8 || st.Served != 0 {
		t.Errorf("stats %+v, want 8 bad requests, none served", st)
	}
	// The largest index is accepted.
	req := httptest.NewRequest(http.MethodGet, "/?delay=0s", nil)
	req.Header.Set(servers.HeaderIndex, "18446744073709551615")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("index 2⁶⁴−1: %d %q, want 200", rec.Code, rec.Body.String())
	}
}
