package model

import (
	"fmt"
	"math"
	"time"
)

// Ideal returns the zero-overhead wall time of p: the makespan of p's arrival
// structure (Groups) against a FIFO server of p.K slots (0 = unlimited), each
// serving a request in exactly p.Delay, computed by Makespan. A benchmark's
// overhead factor is its measured wall time divided by Ideal.
func Ideal(p Params) (time.Duration, error) {
	rounds, err := IdealRounds(p)
	if err != nil {
		return 0, err
	}
	return scale(rounds, p.Delay)
}

// IdealRounds is Ideal in units of p.Delay: the number of back-to-back
// service rounds the batch needs.
func IdealRounds(p Params) (int64, error) {
	gs, err := Groups(p)
	if err != nil {
		return 0, err
	}
	rounds, err := Makespan(gs, p.K)
	if err != nil {
		return 0, fmt.Errorf("model: ideal %s: %w", p.Kind, err)
	}
	return rounds, nil
}

// ClosedForm returns the makespan of p from a formula, when one is known,
// and ok = false otherwise. The formulas (which the tests check against
// Makespan) are:
//
//	any strategy, K = 1:          N × d (the single slot is never idle)
//	sequential, fake-async:       N × d
//	fanout, fasthttp:             ⌈N / min(C, K)⌉ × d, C or K = 0 meaning N
//
// and, when K = 0 or K ≥ Lanes(p) so that no request ever waits:
//
//	pool-even:     ⌈N / P⌉ × d
//	pool-chunked:  with s = ChunkSize(N, P), m = ⌈N / s⌉ chunks and the last
//	               chunk of size r = N − (m−1)·s starting wave w = ⌊(m−1)/P⌋:
//	               (w·s + s) × d if another chunk shares that wave, else (w·s + r) × d
//	procs-fanout:  ⌈⌈N / P⌉ / C⌉ × d (d when C = 0)
func ClosedForm(p Params) (d time.Duration, ok bool, err error) {
	rounds, ok, err := closedRounds(p)
	if err != nil || !ok {
		return 0, ok, err
	}
	d, err = scale(rounds, p.Delay)
	return d, err == nil, err
}

func closedRounds(p Params) (int64, bool, error) {
	lanes, err := Lanes(p)
	if err != nil {
		return 0, false, err
	}
	n := int64(p.N)
	switch {
	case p.K == 1, p.Kind == Sequential, p.Kind == FakeAsync:
		return n, true, nil
	case p.Kind == Fanout:
		return ceilDiv(n, int64(min(effective(p.C, p.N), effective(p.K, p.N)))), true, nil
	case p.K != 0 && p.K < lanes:
		return 0, false, nil
	}
	switch p.Kind {
	case PoolEven:
		return ceilDiv(n, int64(p.P)), true, nil
	case PoolChunked:
		s := int64(ChunkSize(p.N, p.P))
		m := ceilDiv(n, s)
		r := n - (m-1)*s
		w := (m - 1) / int64(p.P)
		if m-w*int64(p.P) > 1 {
			return w*s + s, true, nil
		}
		return w*s + r, true, nil
	case ProcsFanout:
		if p.C == 0 {
			return 1, true, nil
		}
		return ceilDiv(ceilDiv(n, int64(p.P)), int64(p.C)), true, nil
	}
	return 0, false, nil
}

// Lanes returns the peak number of requests p's client has in flight: 1 for
// sequential and fake-async, min(C, N) for fanout and fasthttp, min(P, N) for
// pool-even, min(P, chunks) for pool-chunked and the sum over processes of
// min(C, share) for procs-fanout (C = 0 meaning unlimited).
func Lanes(p Params) (int, error) {
	gs, err := Groups(p)
	if err != nil {
		return 0, err
	}
	lanes := 0
	for _, g := range gs {
		units := g.Items/g.Unit + boolInt(g.Items%g.Unit != 0)
		lanes += min(g.Lanes, units)
	}
	return lanes, nil
}

// Bounds returns limits every schedule of p obeys: lo = ⌈N / min(Lanes, K)⌉ × d
// (at most that many requests are served per d) and hi = N × d (the server
// is never idle while a request waits). Ideal(p) always lies in [lo, hi].
func Bounds(p Params) (lo, hi time.Duration, err error) {
	lanes, err := Lanes(p)
	if err != nil {
		return 0, 0, err
	}
	par := min(lanes, effective(p.K, p.N))
	if lo, err = scale(ceilDiv(int64(p.N), int64(par)), p.Delay); err != nil {
		return 0, 0, err
	}
	if hi, err = scale(int64(p.N), p.Delay); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

// scale returns rounds × d, or an error naming Delay if it overflows.
func scale(rounds int64, d time.Duration) (time.Duration, error) {
	if rounds > 0 && int64(d) > math.MaxInt64/rounds {
		return 0, &ParamError{"Delay", fmt.Sprintf("%v × %d rounds overflows time.Duration (max %v)", d, rounds, time.Duration(math.MaxInt64))}
	}
	return time.Duration(rounds) * d, nil
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
