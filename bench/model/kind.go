package model

import "fmt"

// Kind is the arrival structure of a client strategy: how its N requests
// reach the server. It is a shape, not a strategy's name; package
// clients/strategy maps every strategy to its Kind.
type Kind int

// The kinds, in the order Kinds returns them.
const (
	// Sequential issues one request after the other: N×d.
	Sequential Kind = iota + 1
	// FakeAsync starts a goroutine per request but waits for each before
	// starting the next, so it is sequential underneath: N×d.
	FakeAsync
	// Fanout starts a request per goroutine, at most C in flight
	// (0 = unlimited): ⌈N / min(C, K)⌉ × d.
	Fanout
	// PoolEven runs P sequential worker processes over an even split of the
	// N requests: largest share × d, i.e. ⌈N/P⌉ × d when K ≥ P.
	PoolEven
	// PoolChunked is Python's Pool.map: the input is cut into chunks of
	// ChunkSize(N, P) requests, handed to the next free worker (greedy list
	// scheduling); each worker runs its chunk sequentially.
	PoolChunked
	// ProcsFanout runs P processes over an even split of the N requests,
	// each with at most C goroutines in flight: ⌈⌈N/P⌉ / C⌉ × d when K is
	// unlimited.
	ProcsFanout
)

// kindNames are the kinds' Go names, indexed by Kind.
var kindNames = [...]string{Sequential: "Sequential", FakeAsync: "FakeAsync", Fanout: "Fanout", PoolEven: "PoolEven", PoolChunked: "PoolChunked", ProcsFanout: "ProcsFanout"}

// Kinds returns every kind, in declaration order. The slice is new on every
// call, so callers may modify it.
func Kinds() []Kind {
	return []Kind{Sequential, FakeAsync, Fanout, PoolEven, PoolChunked, ProcsFanout}
}

// String returns the kind's Go name, e.g. "PoolChunked".
func (k Kind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// UsesProcs reports whether the kind reads Params.P.
func (k Kind) UsesProcs() bool {
	return k == PoolEven || k == PoolChunked || k == ProcsFanout
}

// valid reports whether k is one of Kinds.
func (k Kind) valid() bool { return k >= Sequential && k <= ProcsFanout }

func kindList() string { return fmt.Sprint(Kinds()) }
