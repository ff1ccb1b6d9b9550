package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIdealDelaysConstantIsIdeal checks on the whole grid (every strategy,
// N ≤ 40, several C, P and K) that a constant delay function, and a nil
// one, give exactly Ideal.
func TestIdealDelaysConstantIsIdeal(t *testing.T) {
	for p := range grid {
		want, err := Ideal(p)
		if err != nil {
			t.Fatalf("Ideal(%+v): %v", p, err)
		}
		d := p.Delay
		got, err := IdealDelays(p, func(int64) time.Duration { return d })
		if err != nil {
			t.Fatalf("IdealDelays(%+v, constant): %v", p, err)
		}
		if got != want {
			t.Errorf("IdealDelays(%+v, constant %v) = %v, want Ideal = %v", p, d, got, want)
		}
		if got, err := IdealDelays(p, nil); err != nil || got != want {
			t.Errorf("IdealDelays(%+v, nil) = %v, %v; want %v", p, got, err, want)
		}
	}
}

// TestIdealDelaysConstantLarge checks constant delays against Ideal on
// random larger parameters, where limited servers have no closed form.
func TestIdealDelaysConstantLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all := Kinds()
	for range 300 {
		p := Params{
			Kind:  all[rng.IntN(len(all))],
			N:     1 + rng.IntN(3000),
			Delay: time.Duration(1 + rng.IntN(int(time.Second))),
			C:     rng.IntN(200),
			P:     1 + rng.IntN(16),
			K:     rng.IntN(300),
		}
		want, err := Ideal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := IdealDelays(p, nil); err != nil || got != want {
			t.Errorf("IdealDelays(%+v, nil) = %v, %v; want Ideal = %v", p, got, err, want)
		}
	}
}

// TestIdealDelaysClosedForms checks variable delays where the answer is
// known without a simulation: one lane takes the sum of the delays; as
// many lanes as requests on an unlimited server take the largest delay; a
// single slot takes the sum whatever the client does.
func TestIdealDelaysClosedForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		n := 1 + rng.IntN(200)
		ds := make([]time.Duration, n)
		var sum, largest time.Duration
		for i := range ds {
			ds[i] = time.Duration(rng.IntN(1000)) * time.Millisecond
			sum += ds[i]
			largest = max(largest, ds[i])
		}
		delay := func(j int64) time.Duration { return ds[j] }
		for _, tc := range []struct {
			p    Params
			want time.Duration
		}{
			{Params{Kind: Sequential, N: n, Delay: time.Second}, sum},
			{Params{Kind: FakeAsync, N: n, Delay: time.Second, K: 3}, sum},
			{Params{Kind: Fanout, N: n, Delay: time.Second, C: 1}, sum},
			{Params{Kind: Fanout, N: n, Delay: time.Second}, largest},
			{Params{Kind: Fanout, N: n, Delay: time.Second, C: n + 5}, largest},
			{Params{Kind: ProcsFanout, N: n, Delay: time.Second, P: 4}, largest},
			{Params{Kind: Fanout, N: n, Delay: time.Second, K: 1}, sum},
			{Params{Kind: PoolChunked, N: n, Delay: time.Second, P: 8, K: 1}, sum},
		} {
			got, err := IdealDelays(tc.p, delay)
			if err != nil {
				t.Fatalf("IdealDelays(%+v): %v", tc.p, err)
			}
			if got != tc.want {
				t.Errorf("IdealDelays(%+v) = %v, want %v (delays %v)", tc.p, got, tc.want, ds)
			}
		}
	}
}

// TestIdealDelaysWorkedExamples checks small schedules worked out by hand.
func TestIdealDelaysWorkedExamples(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		p      Params
		delays []time.Duration
		want   time.Duration
	}{
		// Two lanes: seq 0 (3) on lane A; seq 1 (1) on lane B, which then
		// issues seq 2 (1) at 1 and seq 3 (1) at 2; A ends at 3.
		{"fanout c=2 one slow", Params{Kind: Fanout, N: 4, Delay: ms, C: 2}, []time.Duration{3 * ms, ms, ms, ms}, 3 * ms},
		// The slow request arrives last: 0 (A) and 1 (B) end together at 1;
		// A's completion comes first (lower seq), so A issues 2 (1, ends 2)
		// and B issues 3 (3, ends 4).
		{"fanout c=2 slow last", Params{Kind: Fanout, N: 4, Delay: ms, C: 2}, []time.Duration{ms, ms, ms, 3 * ms}, 4 * ms},
		// Same, but one lane: the delays add up.
		{"fanout c=1 slow last", Params{Kind: Fanout, N: 4, Delay: ms, C: 1}, []time.Duration{ms, ms, ms, 3 * ms}, 6 * ms},
		// k = 2, 3 lanes at once: seq 0 (5) and 1 (1) start at 0; seq 2
		// (1) waits for the slot freed at 1 and ends at 2.
		{"fanout k=2 FIFO", Params{Kind: Fanout, N: 3, Delay: ms, K: 2}, []time.Duration{5 * ms, ms, ms}, 5 * ms},
		// k = 2, 4 lanes: 0 (4), 1 (1) start at 0; 2 (4) starts at 1 (ends
		// 5); 3 (1) starts at 4 when 0 ends (ends 5).
		{"fanout k=2 queue", Params{Kind: Fanout, N: 4, Delay: ms, K: 2}, []time.Duration{4 * ms, ms, 4 * ms, ms}, 5 * ms},
		// pool-even P=2, N=4: worker 0 runs indices 0, 1 (2 + 1 = 3),
		// worker 1 runs 2, 3 (2 + 2 = 4).
		{"pool-even shares", Params{Kind: PoolEven, N: 4, Delay: ms, P: 2}, []time.Duration{2 * ms, ms, 2 * ms, 2 * ms}, 4 * ms},
		// pool-even P=2, N=5: worker 0 runs 0, 1, 2 (3), worker 1 runs 3,
		// 4 (1 + 5 = 6). Numbered by arrival instead, the slow delay would
		// fall on worker 0's third request (ends at 7).
		{"pool-even index not arrival", Params{Kind: PoolEven, N: 5, Delay: ms, P: 2}, []time.Duration{ms, ms, ms, ms, 5 * ms}, 6 * ms},
		// pool-chunked P=2, N=8: chunks of 1 (divmod(8, 8)); chunk c is
		// index c. 0 (4) on worker A, 1 (1) on B; B takes 2 (1), 3 (1),
		// 4 (1) ending at 4, when A takes 5 and B 6; A ends 5 at 5 (1) and
		// takes 7 (1): 6.
		{"pool-chunked chunks in order", Params{Kind: PoolChunked, N: 8, Delay: ms, P: 2}, []time.Duration{4 * ms, ms, ms, ms, ms, ms, ms, ms}, 6 * ms},
		// Zero delays are allowed: a lane issues its next request at once.
		{"zero delays", Params{Kind: Sequential, N: 3, Delay: ms}, []time.Duration{0, 0, 0}, 0},
	}
	for _, tt := range tests {
		got, err := IdealDelays(tt.p, func(j int64) time.Duration { return tt.delays[j] })
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: IdealDelays = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMakespanDelaysMatchesBruteForce compares MakespanDelays with an
// independent brute-force simulation (explicit wait queue and service list,
// time advanced to the next completion, linear scans) on random groups,
// capacities and delays, with many ties and zero delays.
func TestMakespanDelaysMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 3000 {
		groups := make([]Group, 1+rng.IntN(4))
		for g := range groups {
			groups[g] = Group{Items: rng.IntN(30), Unit: 1 + rng.IntN(4), Lanes: 1 + rng.IntN(7)}
		}
		k := []int{0, 1, 2, 3, 5, 8, 100}[rng.IntN(7)]
		maxD := []int{1, 3, 10, 1000}[rng.IntN(4)] // small ranges give ties
		total := 0
		for _, g := range groups {
			total += g.Items
		}
		ds := make([]time.Duration, total)
		for j := range ds {
			ds[j] = time.Duration(rng.IntN(maxD))
		}
		delay := func(j int64) time.Duration { return ds[j] }
		got, err := MakespanDelays(groups, k, delay)
		if err != nil {
			t.Fatalf("case %d: MakespanDelays(%v, %d): %v", i, groups, k, err)
		}
		want, order := bruteMakespanDelays(groups, k, delay)
		if got != want {
			t.Errorf("case %d: MakespanDelays(%v, k=%d, delays %v) = %v, brute force %v", i, groups, k, ds, got, want)
		}
		if len(order) != total {
			t.Fatalf("case %d: brute force served %d of %d requests", i, len(order), total)
		}
	}
}

// TestIdealDelaysMatchesBruteForce does the same through Params, for every
// strategy on the grid, with delays drawn per index.
func TestIdealDelaysMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for p := range grid {
		if p.N%3 != 0 { // a third of the grid is plenty
			continue
		}
		ds := make([]time.Duration, p.N)
		for j := range ds {
			ds[j] = time.Duration(rng.IntN(5)) * time.Millisecond
		}
		delay := func(j int64) time.Duration { return ds[j] }
		got, err := IdealDelays(p, delay)
		if err != nil {
			t.Fatal(err)
		}
		gs, err := Groups(p)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := bruteMakespanDelays(gs, p.K, delay); got != want {
			t.Errorf("IdealDelays(%+v, %v) = %v, brute force %v", p, ds, got, want)
		}
	}
}

// TestIdealDelaysIndices checks that the delay function is asked for
// exactly the indices 0..N-1, once each, in issue order where the client
// is one lane group (fanout), and unit by unit for pool-chunked.
func TestIdealDelaysIndices(t *testing.T) {
	for _, p := range []Params{
		{Kind: Fanout, N: 257, Delay: 1, C: 16, K: 5},
		{Kind: PoolChunked, N: 100, Delay: 1, P: 8},
		{Kind: PoolEven, N: 101, Delay: 1, P: 4, K: 3},
		{Kind: ProcsFanout, N: 99, Delay: 1, P: 4, C: 3, K: 2},
	} {
		var asked []int64
		if _, err := IdealDelays(p, func(j int64) time.Duration {
			asked = append(asked, j)
			return time.Duration(j % 7)
		}); err != nil {
			t.Fatal(err)
		}
		if len(asked) != p.N {
			t.Fatalf("%+v: delay called %d times, want %d", p, len(asked), p.N)
		}
		sorted := slices.Sorted(slices.Values(asked))
		for j, s := range sorted {
			if s != int64(j) {
				t.Fatalf("%+v: indices asked %v, want each of 0..%d once", p, asked, p.N-1)
			}
		}
		if p.Kind == Fanout && !slices.Equal(asked, sorted) {
			t.Errorf("%+v: indices asked %v, want issue order 0, 1, 2, ...", p, asked)
		}
	}
}

// TestIdealBatches checks the mean over batches against IdealDelays of
// each batch, the index offset, and the errors.
func TestIdealBatches(t *testing.T) {
	p := Params{Kind: ProcsFanout, N: 10, Delay: time.Millisecond, P: 3, C: 2}
	delay := func(i int64) time.Duration { return time.Duration(i%13) * time.Millisecond }
	firsts := []int64{0, 10, 25}
	var sum time.Duration
	for _, f := range firsts {
		d, err := IdealDelays(p, func(j int64) time.Duration { return delay(f + j) })
		if err != nil {
			t.Fatal(err)
		}
		sum += d
	}
	got, err := IdealBatches(p, firsts, delay)
	if err != nil || got != sum/3 {
		t.Errorf("IdealBatches = %v, %v; want the mean %v", got, err, sum/3)
	}
	for _, tc := range []struct {
		firsts []int64
		delay  func(int64) time.Duration
		want   string
	}{
		{nil, delay, "no batches"},
		{[]int64{-1}, delay, "first index -1"},
		{[]int64{math.MaxInt64 - 5}, delay, "first index"},
		{[]int64{0}, nil, "nil delay"},
	} {
		if _, err := IdealBatches(p, tc.firsts, tc.delay); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("IdealBatches(%v) = %v, want an error containing %q", tc.firsts, err, tc.want)
		}
	}
}

func TestIdealDelaysErrors(t *testing.T) {
	// Params are validated as by Ideal.
	_, err := IdealDelays(Params{Kind: Fanout, N: 0, Delay: time.Second}, nil)
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Field != "N" {
		t.Errorf("IdealDelays with N = 0: %v, want *ParamError for N", err)
	}
	p := Params{Kind: Fanout, N: 10, Delay: time.Second, C: 3}
	_, err = IdealDelays(p, func(j int64) time.Duration {
		if j == 4 {
			return -time.Nanosecond
		}
		return time.Second
	})
	if err == nil || !strings.Contains(err.Error(), "delay(4) = -1ns") {
		t.Errorf("negative delay: %v, want an error naming delay(4)", err)
	}
	_, err = IdealDelays(Params{Kind: Sequential, N: 3, Delay: time.Second}, func(int64) time.Duration { return math.MaxInt64 / 2 })
	if err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("overflowing delays: %v, want an overflow error", err)
	}
	if _, err := MakespanDelays([]Group{{1, 1, 1}}, 0, nil); err == nil {
		t.Error("MakespanDelays with a nil delay: no error")
	}
	// Group and capacity errors are those of Makespan.
	for _, tc := range []struct {
		groups []Group
		k      int
		want   string
	}{
		{[]Group{{1, 1, 1}}, -1, "k = -1"},
		{[]Group{{3, 1, 0}}, 0, "no lanes"},
		{[]Group{{1, 0, 1}}, 0, "Unit = 0"},
	} {
		_, err := MakespanDelays(tc.groups, tc.k, func(int64) time.Duration { return 1 })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("MakespanDelays(%v, %d) = %v, want error containing %q", tc.groups, tc.k, err, tc.want)
		}
	}
	// Empty work takes no time and asks for no delay.
	got, err := MakespanDelays(nil, 0, func(int64) time.Duration { t.Fatal("delay called"); return 0 })
	if err != nil || got != 0 {
		t.Errorf("MakespanDelays(nil) = %v, %v; want 0, nil", got, err)
	}
}

// TestIdealDelaysLargeN runs a million requests with exponential-like
// delays: the result must lie between the unlimited-client bound (total
// work spread over min(lanes, k) slots) and the sum of all delays.
func TestIdealDelaysLargeN(t *testing.T) {
	if testing.Short() {
		t.Skip("large simulation")
	}
	const n = 1_000_000
	ds := make([]time.Duration, n)
	rng := rand.New(rand.NewPCG(11, 12))
	var sum time.Duration
	for j := range ds {
		ds[j] = time.Duration(rng.ExpFloat64() * float64(50*time.Millisecond))
		sum += ds[j]
	}
	for _, p := range []Params{
		{Kind: Fanout, N: n, Delay: time.Second, C: 1024},
		{Kind: Fanout, N: n, Delay: time.Second, C: 1024, K: 64},
		{Kind: ProcsFanout, N: n, Delay: time.Second, P: 8, C: 128, K: 1000},
	} {
		got, err := IdealDelays(p, func(j int64) time.Duration { return ds[j] })
		if err != nil {
			t.Fatal(err)
		}
		lanes, _ := Lanes(p)
		par := min(lanes, effective(p.K, p.N))
		if lo := sum / time.Duration(par); got < lo || got > sum {
			t.Errorf("IdealDelays(%+v) = %v outside [%v, %v]", p, got, lo, sum)
		}
	}
}

func BenchmarkIdealDelays(b *testing.B) {
	const n = 100_000
	ds := make([]time.Duration, n)
	rng := rand.New(rand.NewPCG(13, 14))
	for j := range ds {
		ds[j] = time.Duration(rng.ExpFloat64() * float64(50*time.Millisecond))
	}
	delay := func(j int64) time.Duration { return ds[j] }
	for _, p := range []Params{
		{Kind: Fanout, N: n, Delay: time.Second, C: 1024},
		{Kind: Fanout, N: n, Delay: time.Second, C: 1024, K: 64},
	} {
		b.Run(fmt.Sprintf("c=%d/k=%d", p.C, p.K), func(b *testing.B) {
			for b.Loop() {
				if _, err := IdealDelays(p, delay); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bruteMakespanDelays is an independent, slow reference for
// MakespanDelays: each group's list is cut up front into units of
// consecutive indices (group g's starting after the items of the groups
// before it); lanes take the next unit of their group and issue its
// requests into a FIFO wait list; at each instant the simulation
// repeatedly starts waiting requests while a slot is free and completes
// (in arrival order) every request in service that ends now, whose lanes
// issue their next requests; then it jumps to the next completion. It
// returns the makespan and the indices in the order requests started.
func bruteMakespanDelays(groups []Group, k int, delay func(int64) time.Duration) (time.Duration, []int64) {
	type lane struct {
		group int
		unit  []int64 // indices of its current unit not yet issued
	}
	type req struct {
		seq, index int64
		lane       int
		end        time.Duration
	}
	units := make([][][]int64, len(groups)) // units[g] is group g's list, cut into units
	var first int64
	for g, gr := range groups {
		for i := 0; i < gr.Items; i += gr.Unit {
			var u []int64
			for j := i; j < min(i+gr.Unit, gr.Items); j++ {
				u = append(u, first+int64(j))
			}
			units[g] = append(units[g], u)
		}
		first += int64(gr.Items)
	}
	var (
		lanes   []*lane
		waiting []req
		service []req
		started []int64
		seq     int64
		now     time.Duration
		end     time.Duration
	)
	issue := func(l int) {
		ln := lanes[l]
		waiting = append(waiting, req{seq: seq, index: ln.unit[0], lane: l})
		ln.unit = ln.unit[1:]
		seq++
	}
	for g := range groups {
		for range groups[g].Lanes {
			if len(units[g]) == 0 {
				break
			}
			lanes = append(lanes, &lane{group: g, unit: units[g][0]})
			units[g] = units[g][1:]
			issue(len(lanes) - 1)
		}
	}
	for len(waiting)+len(service) > 0 {
		for changed := true; changed; {
			changed = false
			for len(waiting) > 0 && (k == 0 || len(service) < k) {
				r := waiting[0]
				waiting = waiting[1:]
				r.end = now + delay(r.index)
				service = append(service, r)
				started = append(started, r.index)
				changed = true
			}
			var done, rest []req
			for _, r := range service {
				if r.end == now {
					done = append(done, r)
				} else {
					rest = append(rest, r)
				}
			}
			service = rest
			slices.SortFunc(done, func(a, b req) int { return int(a.seq - b.seq) })
			for _, r := range done {
				changed = true
				end = now
				l := lanes[r.lane]
				if len(l.unit) == 0 && len(units[l.group]) > 0 {
					l.unit = units[l.group][0]
					units[l.group] = units[l.group][1:]
				}
				if len(l.unit) > 0 {
					issue(r.lane)
				}
			}
		}
		if len(service) == 0 {
			break
		}
		now = service[0].end
		for _, r := range service {
			now = min(now, r.end)
		}
	}
	return end, started
}
