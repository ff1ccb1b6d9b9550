package model

import (
	"fmt"
	"math"
	"time"
)

// MaxN is the largest batch size the model accepts. The simulation keeps one
// entry per client lane, so the bound caps its memory (a few hundred MB at
// worst) as well as its run time.
const MaxN = 10_000_000

// Params describes one batch: which strategy issues how many requests against
// a server with what delay and capacity.
//
// Fields a strategy does not use are ignored (C by sequential, fake-async and
// the pools; P by sequential, fake-async, fanout and fasthttp), but they must
// still not be negative.
type Params struct {
	Kind  Kind
	N     int           // requests in the batch, ≥ 1
	Delay time.Duration // d, the server's fixed service time per request, > 0
	C     int           // client concurrency limit for fan-out strategies (per process for procs-fanout); 0 = unlimited (all N at once)
	P     int           // worker processes (pool-*, procs-fanout); ≥ 1 there
	K     int           // server capacity (concurrent requests served); 0 = unlimited
}

// ParamError reports an invalid Params field.
type ParamError struct {
	Field string // name of the Params field, e.g. "N"
	Msg   string // what is wrong and the accepted range
}

// Error implements error.
func (e *ParamError) Error() string {
	return fmt.Sprintf("model: invalid Params.%s: %s", e.Field, e.Msg)
}

// Validate checks every field of p and returns a *ParamError naming the first
// bad field and its accepted range.
func (p Params) Validate() error {
	switch {
	case !p.Kind.valid():
		return &ParamError{"Kind", fmt.Sprintf("%v: want one of %s", p.Kind, kindList())}
	case p.N < 1 || p.N > MaxN:
		return &ParamError{"N", fmt.Sprintf("%d out of range [1, %d]", p.N, MaxN)}
	case p.Delay <= 0:
		return &ParamError{"Delay", fmt.Sprintf("%v must be > 0", p.Delay)}
	case p.C < 0:
		return &ParamError{"C", fmt.Sprintf("%d must be ≥ 0 (0 = unlimited)", p.C)}
	case p.P < 0:
		return &ParamError{"P", fmt.Sprintf("%d must be ≥ 0 (≥ 1 for %s, %s, %s)", p.P, PoolEven, PoolChunked, ProcsFanout)}
	case p.P == 0 && p.Kind.UsesProcs():
		return &ParamError{"P", fmt.Sprintf("0 worker processes: kind %v needs P ≥ 1", p.Kind)}
	case p.K < 0:
		return &ParamError{"K", fmt.Sprintf("%d must be ≥ 0 (0 = unlimited)", p.K)}
	}
	return nil
}

// ChunkSize returns the chunk size Python's Pool.map picks by default for n
// items over procs workers: chunksize, extra = divmod(n, 4*procs); chunksize
// += 1 if extra. The result is at least 1: n < 1 gives 1 and procs < 1 is
// treated as 1. It never panics, even for extreme inputs.
func ChunkSize(n, procs int) int {
	if n < 1 {
		return 1
	}
	if procs < 1 {
		procs = 1
	}
	if procs > math.MaxInt/4 {
		return 1 // 4*procs > n, so divmod gives (0, n)
	}
	q, r := n/(4*procs), n%(4*procs)
	if r != 0 {
		q++
	}
	return max(q, 1)
}

// shares splits n as evenly as possible over parts: the first n%parts get one
// more. Only the non-zero shares are returned, so len ≤ min(n, parts).
func shares(n, parts int) []int {
	base, extra := n/parts, n%parts
	cnt := parts
	if base == 0 {
		cnt = extra
	}
	out := make([]int, cnt)
	for i := range out {
		out[i] = base
		if i < extra {
			out[i]++
		}
	}
	return out
}

// effective maps a limit where 0 means unlimited onto [1, n].
func effective(limit, n int) int {
	if limit == 0 || limit > n {
		return n
	}
	return limit
}
