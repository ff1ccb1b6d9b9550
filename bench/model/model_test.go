package model

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const sec3 = 3 * time.Second

func TestIdealSeedAndCapacityCases(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want time.Duration
	}{
		// The seed's measured cases (SEED.md table and model section).
		{"sequential N=100", Params{Kind: Sequential, N: 100, Delay: sec3}, 300 * time.Second},
		{"fake-async N=5", Params{Kind: FakeAsync, N: 5, Delay: sec3}, 15 * time.Second},
		{"fake-async N=5 ignores C", Params{Kind: FakeAsync, N: 5, Delay: sec3, C: 5}, 15 * time.Second},
		{"fanout N=5 c=0", Params{Kind: Fanout, N: 5, Delay: sec3}, sec3},
		{"fanout N=5 c=5", Params{Kind: Fanout, N: 5, Delay: sec3, C: 5}, sec3},
		{"fanout N=100 c=100", Params{Kind: Fanout, N: 100, Delay: sec3, C: 100}, sec3},
		{"fanout N=100 c=0", Params{Kind: Fanout, N: 100, Delay: sec3}, sec3},
		{"fasthttp N=100 c=0", Params{Kind: Fanout, N: 100, Delay: sec3}, sec3},
		{"pool-chunked N=100 P=8", Params{Kind: PoolChunked, N: 100, Delay: sec3, P: 8}, 48 * time.Second},
		{"pool-even N=100 P=8", Params{Kind: PoolEven, N: 100, Delay: sec3, P: 8}, 39 * time.Second},
		{"procs-fanout N=100 P=8 c=16", Params{Kind: ProcsFanout, N: 100, Delay: sec3, P: 8, C: 16}, sec3},
		{"pool-chunked N=5 P=8", Params{Kind: PoolChunked, N: 5, Delay: sec3, P: 8}, sec3},
		{"pool-even N=5 P=8", Params{Kind: PoolEven, N: 5, Delay: sec3, P: 8}, sec3},

		// Server capacity k.
		{"fanout N=100 c=0 k=1", Params{Kind: Fanout, N: 100, Delay: sec3, K: 1}, 300 * time.Second},
		{"fanout N=100 c=0 k=8", Params{Kind: Fanout, N: 100, Delay: sec3, K: 8}, 39 * time.Second},
		{"fanout N=100 c=4 k=64", Params{Kind: Fanout, N: 100, Delay: sec3, C: 4, K: 64}, 75 * time.Second},
		{"fasthttp N=100 c=0 k=8", Params{Kind: Fanout, N: 100, Delay: sec3, K: 8}, 39 * time.Second},
		{"sequential N=100 k=1", Params{Kind: Sequential, N: 100, Delay: sec3, K: 1}, 300 * time.Second},
		{"pool-even N=100 P=8 k=1", Params{Kind: PoolEven, N: 100, Delay: sec3, P: 8, K: 1}, 300 * time.Second},
		{"pool-even N=100 P=8 k=8", Params{Kind: PoolEven, N: 100, Delay: sec3, P: 8, K: 8}, 39 * time.Second},
		{"pool-even N=100 P=8 k=4", Params{Kind: PoolEven, N: 100, Delay: sec3, P: 8, K: 4}, 75 * time.Second},
		{"pool-chunked N=100 P=8 k=1", Params{Kind: PoolChunked, N: 100, Delay: sec3, P: 8, K: 1}, 300 * time.Second},
		{"procs-fanout N=100 P=8 c=16 k=1", Params{Kind: ProcsFanout, N: 100, Delay: sec3, P: 8, C: 16, K: 1}, 300 * time.Second},
		{"procs-fanout N=100 P=8 c=16 k=10", Params{Kind: ProcsFanout, N: 100, Delay: sec3, P: 8, C: 16, K: 10}, 30 * time.Second},
		{"procs-fanout N=100 P=8 c=2", Params{Kind: ProcsFanout, N: 100, Delay: sec3, P: 8, C: 2}, 21 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Ideal(tt.p)
			if err != nil {
				t.Fatalf("Ideal(%+v): %v", tt.p, err)
			}
			if got != tt.want {
				t.Errorf("Ideal(%+v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

// TestPoolChunkedSchedule checks the seed's chunked schedule in detail: chunk
// size 4 and 25 chunks of 12 s each over 8 workers give 4 waves.
func TestPoolChunkedSchedule(t *testing.T) {
	p := Params{Kind: PoolChunked, N: 100, Delay: sec3, P: 8}
	gs, err := Groups(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Group{{Items: 100, Unit: 4, Lanes: 8}}
	if fmt.Sprint(gs) != fmt.Sprint(want) {
		t.Fatalf("Groups = %v, want %v", gs, want)
	}
	rounds, err := IdealRounds(p)
	if err != nil {
		t.Fatal(err)
	}
	if waves := (100/4 + 7) / 8; rounds != int64(waves*4) {
		t.Errorf("rounds = %d, want %d waves × 4 = %d", rounds, waves, waves*4)
	}
}

func TestGroups(t *testing.T) {
	tests := []struct {
		p    Params
		want []Group
	}{
		{Params{Kind: Sequential, N: 7, Delay: 1, C: 3, P: 2}, []Group{{7, 1, 1}}},
		{Params{Kind: FakeAsync, N: 7, Delay: 1}, []Group{{7, 1, 1}}},
		{Params{Kind: Fanout, N: 7, Delay: 1}, []Group{{7, 1, 7}}},
		{Params{Kind: Fanout, N: 7, Delay: 1, C: 3}, []Group{{7, 1, 3}}},
		{Params{Kind: Fanout, N: 7, Delay: 1, C: 30}, []Group{{7, 1, 7}}},
		{Params{Kind: PoolEven, N: 7, Delay: 1, P: 3}, []Group{{3, 1, 1}, {2, 1, 1}, {2, 1, 1}}},
		{Params{Kind: PoolEven, N: 2, Delay: 1, P: 5}, []Group{{1, 1, 1}, {1, 1, 1}}},
		{Params{Kind: PoolChunked, N: 7, Delay: 1, P: 3}, []Group{{7, 1, 3}}},
		{Params{Kind: PoolChunked, N: 100, Delay: 1, P: 2}, []Group{{100, 13, 2}}},
		{Params{Kind: ProcsFanout, N: 7, Delay: 1, P: 3, C: 2}, []Group{{3, 1, 2}, {2, 1, 2}, {2, 1, 2}}},
		{Params{Kind: ProcsFanout, N: 7, Delay: 1, P: 3}, []Group{{3, 1, 3}, {2, 1, 2}, {2, 1, 2}}},
	}
	for _, tt := range tests {
		got, err := Groups(tt.p)
		if err != nil {
			t.Fatalf("Groups(%+v): %v", tt.p, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Groups(%+v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestLanes(t *testing.T) {
	tests := []struct {
		p    Params
		want int
	}{
		{Params{Kind: Sequential, N: 100, Delay: 1}, 1},
		{Params{Kind: Fanout, N: 100, Delay: 1}, 100},
		{Params{Kind: Fanout, N: 100, Delay: 1, C: 16}, 16},
		{Params{Kind: PoolEven, N: 100, Delay: 1, P: 8}, 8},
		{Params{Kind: PoolEven, N: 5, Delay: 1, P: 8}, 5},
		{Params{Kind: PoolChunked, N: 100, Delay: 1, P: 8}, 8},
		{Params{Kind: PoolChunked, N: 9, Delay: 1, P: 2}, 2},     // chunks of 2: 5 chunks
		{Params{Kind: PoolChunked, N: 100, Delay: 1, P: 30}, 30}, // chunks of 1
		{Params{Kind: ProcsFanout, N: 100, Delay: 1, P: 8, C: 16}, 100},
		{Params{Kind: ProcsFanout, N: 100, Delay: 1, P: 8, C: 4}, 32},
	}
	for _, tt := range tests {
		got, err := Lanes(tt.p)
		if err != nil {
			t.Fatalf("Lanes(%+v): %v", tt.p, err)
		}
		if got != tt.want {
			t.Errorf("Lanes(%+v) = %d, want %d", tt.p, got, tt.want)
		}
	}
}

func TestChunkSize(t *testing.T) {
	tests := []struct{ n, procs, want int }{
		{100, 8, 4},   // divmod(100, 32) = (3, 4) → 4
		{5, 8, 1},     // divmod(5, 32) = (0, 5) → 1
		{96, 8, 3},    // divmod(96, 32) = (3, 0) → 3, no remainder
		{97, 8, 4},    // (3, 1) → 4
		{1, 1, 1},     // (0, 1) → 1
		{4, 1, 1},     // (1, 0) → 1
		{9, 1, 3},     // (2, 1) → 3
		{1000, 3, 84}, // (83, 4) → 84
		{0, 8, 1},     // empty input: at least 1
		{-5, 8, 1},    // negative n: at least 1
		{100, 0, 25},  // procs < 1 treated as 1
		{100, -3, 25},
		{math.MaxInt, 1, math.MaxInt/4 + 1},
		{100, math.MaxInt, 1}, // 4*procs would overflow
	}
	for _, tt := range tests {
		if got := ChunkSize(tt.n, tt.procs); got != tt.want {
			t.Errorf("ChunkSize(%d, %d) = %d, want %d", tt.n, tt.procs, got, tt.want)
		}
	}
}

func TestValidateFieldErrors(t *testing.T) {
	ok := Params{Kind: Fanout, N: 100, Delay: sec3, C: 0, P: 0, K: 0}
	tests := []struct {
		name  string
		mod   func(*Params)
		field string
	}{
		{"zero kind", func(p *Params) { p.Kind = 0 }, "Kind"},
		{"unknown kind", func(p *Params) { p.Kind = ProcsFanout + 1 }, "Kind"},
		{"N zero", func(p *Params) { p.N = 0 }, "N"},
		{"N negative", func(p *Params) { p.N = -1 }, "N"},
		{"N too large", func(p *Params) { p.N = MaxN + 1 }, "N"},
		{"Delay zero", func(p *Params) { p.Delay = 0 }, "Delay"},
		{"Delay negative", func(p *Params) { p.Delay = -time.Second }, "Delay"},
		{"C negative", func(p *Params) { p.C = -1 }, "C"},
		{"C negative, unused by sequential", func(p *Params) { p.Kind = Sequential; p.C = -1 }, "C"},
		{"P negative", func(p *Params) { p.P = -1 }, "P"},
		{"P zero pool-even", func(p *Params) { p.Kind = PoolEven }, "P"},
		{"P zero pool-chunked", func(p *Params) { p.Kind = PoolChunked }, "P"},
		{"P zero procs-fanout", func(p *Params) { p.Kind = ProcsFanout }, "P"},
		{"K negative", func(p *Params) { p.K = -1 }, "K"},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("base params invalid: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.mod(&p)
			for fn, call := range map[string]func() error{
				"Validate": p.Validate,
				"Ideal":    func() error { _, err := Ideal(p); return err },
				"Groups":   func() error { _, err := Groups(p); return err },
				"Lanes":    func() error { _, err := Lanes(p); return err },
				"Bounds":   func() error { _, _, err := Bounds(p); return err },
				"ClosedForm": func() error {
					_, _, err := ClosedForm(p)
					return err
				},
			} {
				err := call()
				if err == nil {
					t.Fatalf("%s(%+v) = nil error, want error about %s", fn, p, tt.field)
				}
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Field != tt.field {
					t.Errorf("%s(%+v) = %v, want *ParamError for field %s", fn, p, err, tt.field)
				}
				if !strings.Contains(err.Error(), "Params."+tt.field) {
					t.Errorf("%s error %q does not name Params.%s", fn, err, tt.field)
				}
			}
		})
	}
}

func TestValidateAcceptsUnusedFields(t *testing.T) {
	for _, p := range []Params{
		{Kind: Sequential, N: 1, Delay: 1, C: 5, P: 3, K: 2},
		{Kind: Fanout, N: 1, Delay: 1, P: 7},
		{Kind: PoolEven, N: 1, Delay: 1, P: 1, C: 9},
		{Kind: ProcsFanout, N: MaxN, Delay: 1, P: 1},
	} {
		if err := p.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", p, err)
		}
	}
}

func TestIdealDelayOverflow(t *testing.T) {
	p := Params{Kind: Sequential, N: 100, Delay: time.Duration(math.MaxInt64 / 50)}
	_, err := Ideal(p)
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Field != "Delay" {
		t.Fatalf("Ideal(%+v) = %v, want *ParamError for Delay", p, err)
	}
	if _, _, err := ClosedForm(p); err == nil {
		t.Errorf("ClosedForm(%+v) = nil error, want overflow", p)
	}
	if _, _, err := Bounds(p); err == nil {
		t.Errorf("Bounds(%+v) = nil error, want overflow", p)
	}
	// The same delay is fine when the batch fits.
	p.N = 50
	if got, err := Ideal(p); err != nil || got != 50*p.Delay {
		t.Errorf("Ideal(%+v) = %v, %v; want %v", p, got, err, 50*p.Delay)
	}
}

func TestKinds(t *testing.T) {
	want := []Kind{Sequential, FakeAsync, Fanout, PoolEven, PoolChunked, ProcsFanout}
	got := Kinds()
	if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(got) != "[Sequential FakeAsync Fanout PoolEven PoolChunked ProcsFanout]" {
		t.Fatalf("Kinds() = %v, want %v", got, want)
	}
	got[0] = ProcsFanout
	if Kinds()[0] != Sequential {
		t.Error("Kinds() returns shared state")
	}
	if s := Kind(0).String(); s != "Kind(0)" {
		t.Errorf("Kind(0).String() = %q", s)
	}
}

func TestMakespanErrors(t *testing.T) {
	tests := []struct {
		name   string
		groups []Group
		k      int
		want   string
	}{
		{"negative k", []Group{{1, 1, 1}}, -1, "k = -1"},
		{"negative items", []Group{{-1, 1, 1}}, 0, "Items = -1"},
		{"zero unit", []Group{{1, 0, 1}}, 0, "Unit = 0"},
		{"negative lanes", []Group{{1, 1, -1}}, 0, "Lanes = -1"},
		{"items without lanes", []Group{{3, 1, 0}}, 0, "no lanes"},
		{"too many items", []Group{{MaxN, 1, 1}, {1, 1, 1}}, 0, "more than"},
	}
	for _, tt := range tests {
		_, err := Makespan(tt.groups, tt.k)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Makespan(%v, %d) = %v, want error containing %q", tt.name, tt.groups, tt.k, err, tt.want)
		}
	}
	// Empty work is not an error: nothing to do takes no time.
	for _, gs := range [][]Group{nil, {{0, 1, 0}}, {{0, 5, 3}}} {
		if r, err := Makespan(gs, 0); err != nil || r != 0 {
			t.Errorf("Makespan(%v, 0) = %d, %v; want 0, nil", gs, r, err)
		}
	}
}

// grid yields Params over a grid of small N, C, P and K for every strategy.
func grid(yield func(Params) bool) {
	for _, st := range Kinds() {
		for n := 1; n <= 40; n++ {
			for _, c := range []int{0, 1, 2, 3, 5, 16} {
				for _, p := range []int{1, 2, 3, 5, 8} {
					for _, k := range []int{0, 1, 2, 3, 7, 64} {
						if !yield(Params{Kind: st, N: n, Delay: 7 * time.Millisecond, C: c, P: p, K: k}) {
							return
						}
					}
				}
			}
		}
	}
}

// TestClosedFormMatchesSimulation checks every closed form against Makespan,
// and that the unlimited-server forms cover every strategy.
func TestClosedFormMatchesSimulation(t *testing.T) {
	covered := map[Kind]int{}
	for p := range grid {
		cf, ok, err := ClosedForm(p)
		if err != nil {
			t.Fatalf("ClosedForm(%+v): %v", p, err)
		}
		if p.K == 0 && !ok {
			t.Errorf("ClosedForm(%+v): no closed form for an unlimited server", p)
		}
		if !ok {
			continue
		}
		covered[p.Kind]++
		sim, err := Ideal(p)
		if err != nil {
			t.Fatalf("Ideal(%+v): %v", p, err)
		}
		if cf != sim {
			t.Errorf("%+v: closed form %v != simulation %v", p, cf, sim)
		}
	}
	for _, s := range Kinds() {
		if covered[s] == 0 {
			t.Errorf("no closed-form case checked for %s", s)
		}
	}
}

// TestClosedFormLimitedServer documents which limited-server cases have no
// formula (the simulation is the model there).
func TestClosedFormLimitedServer(t *testing.T) {
	p := Params{Kind: PoolEven, N: 100, Delay: sec3, P: 8, K: 3}
	if _, ok, err := ClosedForm(p); err != nil || ok {
		t.Errorf("ClosedForm(%+v) = ok %v, err %v; want no formula", p, ok, err)
	}
	p.K = 8 // k ≥ lanes: nobody waits, the unlimited formula holds
	if d, ok, err := ClosedForm(p); err != nil || !ok || d != 39*time.Second {
		t.Errorf("ClosedForm(%+v) = %v, %v, %v; want 39s", p, d, ok, err)
	}
}

// TestMakespanMatchesReference compares the round-based simulation with an
// independent continuous-time event simulation (heap of completions, k
// explicit slots, FIFO wait queue).
func TestMakespanMatchesReference(t *testing.T) {
	for p := range grid {
		gs, err := Groups(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Ideal(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := refMakespan(gs, p.K, p.Delay); got != want {
			t.Errorf("%+v: Ideal = %v, reference simulation = %v", p, got, want)
		}
	}
}

// TestBoundsProperty checks lo ≤ Ideal ≤ hi = N·d, with lo = ⌈N/min(lanes,k)⌉·d,
// on the grid and on random larger parameters.
func TestBoundsProperty(t *testing.T) {
	check := func(p Params) {
		t.Helper()
		got, err := Ideal(p)
		if err != nil {
			t.Fatalf("Ideal(%+v): %v", p, err)
		}
		lo, hi, err := Bounds(p)
		if err != nil {
			t.Fatalf("Bounds(%+v): %v", p, err)
		}
		lanes, _ := Lanes(p)
		par := lanes
		if p.K > 0 && p.K < par {
			par = p.K
		}
		wantLo := time.Duration((p.N+par-1)/par) * p.Delay
		if lo != wantLo || hi != time.Duration(p.N)*p.Delay {
			t.Fatalf("Bounds(%+v) = [%v, %v], want [%v, %v]", p, lo, hi, wantLo, time.Duration(p.N)*p.Delay)
		}
		if got < lo || got > hi {
			t.Errorf("Ideal(%+v) = %v outside [%v, %v]", p, got, lo, hi)
		}
	}
	for p := range grid {
		check(p)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	all := Kinds()
	for range 2000 {
		p := Params{
			Kind:  all[rng.IntN(len(all))],
			N:     1 + rng.IntN(5000),
			Delay: time.Duration(1 + rng.IntN(int(5*time.Second))),
			C:     rng.IntN(300),
			P:     1 + rng.IntN(64),
			K:     rng.IntN(600),
		}
		check(p)
	}
}

// TestIdealMonotoneInCapacity checks on the grid that adding server slots
// never makes a batch slower, and that k ≥ N is the same as unlimited.
func TestIdealMonotoneInCapacity(t *testing.T) {
	for _, st := range Kinds() {
		for n := 1; n <= 40; n++ {
			for _, c := range []int{0, 1, 3, 16} {
				for _, pp := range []int{1, 3, 8} {
					p := Params{Kind: st, N: n, Delay: 1, C: c, P: pp}
					unlimited, err := IdealRounds(p)
					if err != nil {
						t.Fatal(err)
					}
					prev := int64(math.MaxInt64)
					for k := 1; k <= n; k++ {
						p.K = k
						r, err := IdealRounds(p)
						if err != nil {
							t.Fatal(err)
						}
						if r > prev {
							t.Errorf("%+v: %d rounds, more than %d with k=%d", p, r, prev, k-1)
						}
						prev = r
					}
					if prev != unlimited {
						t.Errorf("%+v: k=N gives %d rounds, unlimited %d", p, prev, unlimited)
					}
				}
			}
		}
	}
}

// TestLargeN runs the simulation at N = 1e6 for every strategy with an
// unlimited, a single-slot and a mid-sized server.
func TestLargeN(t *testing.T) {
	if testing.Short() {
		t.Skip("large simulation")
	}
	const n = 1_000_000
	for _, st := range Kinds() {
		for _, k := range []int{0, 1, 1000} {
			p := Params{Kind: st, N: n, Delay: sec3, C: 100, P: 8, K: k}
			got, err := Ideal(p)
			if err != nil {
				t.Fatalf("Ideal(%+v): %v", p, err)
			}
			lo, hi, err := Bounds(p)
			if err != nil {
				t.Fatal(err)
			}
			if got < lo || got > hi {
				t.Errorf("Ideal(%+v) = %v outside [%v, %v]", p, got, lo, hi)
			}
			if cf, ok, err := ClosedForm(p); err != nil || (ok && cf != got) {
				t.Errorf("%+v: ClosedForm %v (ok %v, err %v) != Ideal %v", p, cf, ok, err, got)
			}
			if k == 1 && got != n*sec3 {
				t.Errorf("Ideal(%+v) = %v, want %v", p, got, n*sec3)
			}
		}
	}
	// Unlimited fan-out of a million requests is one round.
	if got, err := Ideal(Params{Kind: Fanout, N: n, Delay: sec3}); err != nil || got != sec3 {
		t.Errorf("fanout N=1e6 c=0 = %v, %v; want 3s", got, err)
	}
}

func BenchmarkIdeal(b *testing.B) {
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"sequential-1e6", Params{Kind: Sequential, N: 1_000_000, Delay: sec3}},
		{"fanout-1e6-k1", Params{Kind: Fanout, N: 1_000_000, Delay: sec3, K: 1}},
		{"fanout-1e6", Params{Kind: Fanout, N: 1_000_000, Delay: sec3}},
		{"pool-chunked-1e6-k3", Params{Kind: PoolChunked, N: 1_000_000, Delay: sec3, P: 8, K: 3}},
		{"procs-fanout-1e6-k1000", Params{Kind: ProcsFanout, N: 1_000_000, Delay: sec3, P: 8, C: 16, K: 1000}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Ideal(tc.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// refMakespan is an independent continuous-time event simulation used to
// cross-check Makespan: k slots (0 = unlimited), a FIFO wait queue and a
// heap of completion events ordered by (time, start order).
func refMakespan(groups []Group, k int, d time.Duration) time.Duration {
	type lane struct{ group, left int }
	remaining := make([]int, len(groups))
	var lanes []*lane
	take := func(g int) int {
		u := min(groups[g].Unit, remaining[g])
		remaining[g] -= u
		return u
	}
	for g := range groups {
		remaining[g] = groups[g].Items
		for range groups[g].Lanes {
			if remaining[g] == 0 {
				break
			}
			lanes = append(lanes, &lane{group: g, left: take(g)})
		}
	}
	var (
		events refHeap
		wait   []int
		busy   int
		seq    int
		end    time.Duration
	)
	start := func(id int, t time.Duration) {
		busy++
		seq++
		heap.Push(&events, refEvent{at: t + d, seq: seq, lane: id})
	}
	arrive := func(id int, t time.Duration) {
		if len(wait) == 0 && (k == 0 || busy < k) {
			start(id, t)
			return
		}
		wait = append(wait, id)
	}
	for id := range lanes {
		arrive(id, 0)
	}
	for events.Len() > 0 {
		ev := heap.Pop(&events).(refEvent)
		busy--
		end = ev.at
		if len(wait) > 0 {
			next := wait[0]
			wait = wait[1:]
			start(next, ev.at)
		}
		l := lanes[ev.lane]
		l.left--
		if l.left == 0 && remaining[l.group] > 0 {
			l.left = take(l.group)
		}
		if l.left > 0 {
			arrive(ev.lane, ev.at)
		}
	}
	return end
}

type refEvent struct {
	at   time.Duration
	seq  int
	lane int
}

type refHeap []refEvent

func (h refHeap) Len() int { return len(h) }
func (h refHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h refHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)   { *h = append(*h, x.(refEvent)) }
func (h *refHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
