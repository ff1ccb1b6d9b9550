package model

import (
	"fmt"
	"strings"
)

// Strategy names a client concurrency strategy of the crawlbench suite.
type Strategy string

// The client strategies, in the order Strategies returns them.
const (
	// Sequential issues one request after the other: N×d.
	Sequential Strategy = "sequential"
	// FakeAsync starts a goroutine per request but waits for each before
	// starting the next, so it is sequential underneath: N×d.
	FakeAsync Strategy = "fake-async"
	// Fanout starts a goroutine per request, at most C in flight:
	// ⌈N / min(C, K)⌉ × d.
	Fanout Strategy = "fanout"
	// FastHTTP is Fanout with the fasthttp client; the model is the same.
	FastHTTP Strategy = "fasthttp"
	// PoolEven runs P sequential worker processes over an even split of the
	// N requests: largest share × d, i.e. ⌈N/P⌉ × d when K ≥ P.
	PoolEven Strategy = "pool-even"
	// PoolChunked is Python's Pool.map: the input is cut into chunks of
	// ChunkSize(N, P) requests, handed to the next free worker (greedy list
	// scheduling); each worker runs its chunk sequentially.
	PoolChunked Strategy = "pool-chunked"
	// ProcsFanout runs P processes over an even split of the N requests,
	// each with at most C goroutines in flight: ⌈⌈N/P⌉ / C⌉ × d when K is
	// unlimited.
	ProcsFanout Strategy = "procs-fanout"
)

// Strategies returns every strategy, in declaration order. The slice is new
// on every call, so callers may modify it.
func Strategies() []Strategy {
	return []Strategy{Sequential, FakeAsync, Fanout, FastHTTP, PoolEven, PoolChunked, ProcsFanout}
}

// ParseStrategy returns the Strategy named s. Surrounding space and letter
// case are ignored; an unknown name is an error that lists the accepted names.
func ParseStrategy(s string) (Strategy, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, st := range Strategies() {
		if string(st) == name {
			return st, nil
		}
	}
	return "", fmt.Errorf("model: unknown strategy %q (accepted: %s)", s, strategyList())
}

// usesProcs reports whether the strategy reads Params.P.
func (s Strategy) usesProcs() bool {
	return s == PoolEven || s == PoolChunked || s == ProcsFanout
}

// valid reports whether s is one of Strategies.
func (s Strategy) valid() bool {
	for _, st := range Strategies() {
		if st == s {
			return true
		}
	}
	return false
}

func strategyList() string {
	all := Strategies()
	names := make([]string, len(all))
	for i, st := range all {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}
