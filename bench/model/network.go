package model

import (
	"fmt"
	"math"
	"time"
)

// Security is the TLS a connection sets up before its first request.
type Security int

const (
	// Plain is no TLS.
	Plain Security = iota
	// TLS12 is TLS 1.2: a full handshake costs 2 round trips, a resumed
	// one (session ticket) 1.
	TLS12
	// TLS13 is TLS 1.3: 1 round trip, resumed or not (Go sends no 0-RTT
	// early data, so resumption saves CPU, not round trips).
	TLS13
)

// String returns "plain", "tls1.2" or "tls1.3".
func (s Security) String() string {
	switch s {
	case Plain:
		return "plain"
	case TLS12:
		return "tls1.2"
	case TLS13:
		return "tls1.3"
	}
	return fmt.Sprintf("Security(%d)", int(s))
}

// Network is the path and protocol a batch runs over: the extension of the
// model beyond loopback. The zero value is loopback HTTP/1.1, where
// IdealNetwork equals Ideal.
type Network struct {
	RTT       time.Duration // round-trip time, ≥ 0
	Bandwidth int64         // bytes per second per connection and direction; 0 = unlimited
	Body      int64         // response bytes a request receives (its serialisation time counts)
	TLS       Security
	Resumed   bool // a new connection resumes an earlier TLS session
	Cold      bool // every request opens a new connection (no keep-alive)
	// Streams, when > 0, is an HTTP/2 server's stream limit s with a
	// strict client: all requests share one connection, so at most s are
	// in flight, like a server capacity of s. 0 means HTTP/1.1, or HTTP/2
	// whose client dials another connection past the limit (no cap).
	Streams int
}

// Validate returns a *ParamError naming the first bad field.
func (n Network) Validate() error {
	switch {
	case n.RTT < 0:
		return &ParamError{"Network.RTT", fmt.Sprintf("%v must be ≥ 0", n.RTT)}
	case n.Bandwidth < 0:
		return &ParamError{"Network.Bandwidth", fmt.Sprintf("%d must be ≥ 0 (0 = unlimited)", n.Bandwidth)}
	case n.Body < 0:
		return &ParamError{"Network.Body", fmt.Sprintf("%d must be ≥ 0", n.Body)}
	case n.TLS < Plain || n.TLS > TLS13:
		return &ParamError{"Network.TLS", fmt.Sprintf("%v: want plain, tls1.2 or tls1.3", n.TLS)}
	case n.Streams < 0:
		return &ParamError{"Network.Streams", fmt.Sprintf("%d must be ≥ 0 (0 = no stream cap)", n.Streams)}
	}
	return nil
}

// SetupRTTs returns the round trips a new connection costs before its first
// request can leave: TCP's handshake 1, plus TLS 1.3's 1, or TLS 1.2's 2
// (1 when resumed).
func (n Network) SetupRTTs() int {
	switch n.TLS {
	case TLS13:
		return 2
	case TLS12:
		if n.Resumed {
			return 2
		}
		return 3
	}
	return 1
}

// RequestTime returns one request's time on its lane, from issue to its
// last byte, for a server delay d: the set-up round trips if cold, one
// round trip, d and the body's serialisation (Body / Bandwidth).
func (n Network) RequestTime(d time.Duration) time.Duration {
	t := n.RTT + d
	if n.Cold {
		t += time.Duration(n.SetupRTTs()) * n.RTT
	}
	if n.Bandwidth > 0 {
		t += time.Duration(n.Body * int64(time.Second) / n.Bandwidth)
	}
	return t
}

// IdealNetwork returns the zero-overhead wall time of p over the path n:
// every request occupies its lane for n.RequestTime(p.Delay), so the
// batch takes Makespan's rounds of that length. A strict HTTP/2 client
// (n.Streams = s, warm) caps the requests in flight at s on its one
// connection, which Makespan sees as a capacity of s.
//
// The model needs an unlimited server (p.K = 0) once the path adds time,
// since a slot then frees before its lane does; and Streams only for the
// single-process kinds (each worker process would have its own
// connection). It counts neither the handshake's bytes nor its CPU, and
// charges each body its own connection's bandwidth, which HTTP/2's
// streams really share.
func IdealNetwork(p Params, n Network) (time.Duration, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if err := n.Validate(); err != nil {
		return 0, err
	}
	if n == (Network{}) {
		return Ideal(p)
	}
	if p.K != 0 {
		return 0, &ParamError{"K", fmt.Sprintf("%d: a network model needs an unlimited server (K = 0)", p.K)}
	}
	k := 0
	if n.Streams > 0 && !n.Cold {
		if p.Kind.UsesProcs() {
			return 0, &ParamError{"Network.Streams", fmt.Sprintf("%d: a stream cap models one connection, not %v's one per process", n.Streams, p.Kind)}
		}
		k = n.Streams
	}
	gs, err := Groups(p)
	if err != nil {
		return 0, err
	}
	rounds, err := Makespan(gs, k)
	if err != nil {
		return 0, fmt.Errorf("model: network ideal %s: %w", p.Kind, err)
	}
	return scale(rounds, n.RequestTime(p.Delay))
}

// ConnCPU is the processor time a new connection's set-up costs beyond a
// request on a warm one (TCP and TLS handshakes), on the client and on the
// server, and the cores the two share (client and server on one machine,
// as in crawlbench's benchmarks).
type ConnCPU struct {
	Client, Server time.Duration // per new connection, ≥ 0
	Cores          int           // ≥ 1
}

// Validate returns a *ParamError naming the first bad field.
func (c ConnCPU) Validate() error {
	switch {
	case c.Client < 0:
		return &ParamError{"ConnCPU.Client", fmt.Sprintf("%v must be ≥ 0", c.Client)}
	case c.Server < 0:
		return &ParamError{"ConnCPU.Server", fmt.Sprintf("%v must be ≥ 0", c.Server)}
	case c.Cores < 1:
		return &ParamError{"ConnCPU.Cores", fmt.Sprintf("%d must be ≥ 1", c.Cores)}
	}
	return nil
}

// SetupCPU returns the time the set-ups of m connections that start
// together take on the cores: ⌈m / Cores⌉ × (Client + Server). Each
// set-up's client part, then its server part, is indivisible work on one
// core; all m client parts run before any server part (a one-way trip lies
// between them) and the two never overlap the trips, so each part is a
// wave of m equal jobs on Cores cores, ⌈m / Cores⌉ jobs long.
func (c ConnCPU) SetupCPU(m int) time.Duration {
	if m <= 0 || c.Cores < 1 {
		return 0
	}
	return time.Duration((m+c.Cores-1)/c.Cores) * (c.Client + c.Server)
}

// IdealNetworkCPU returns IdealNetwork's batch time with the set-up CPU of
// cold connections added where it lies on the critical path. With an
// unlimited server every round of the batch starts its requests together,
// so a cold round of m requests waits cpu.SetupCPU(m) for their handshakes'
// CPU before the round trips and d (ConnCPU.SetupCPU states the
// assumption: the CPU is serialised on the cores, not hidden under the
// path's one-way trips). Warm batches, and a zero cpu, have no such term:
// IdealNetwork's result. The requests' own CPU is not counted, as in every
// other ideal.
func IdealNetworkCPU(p Params, n Network, cpu ConnCPU) (time.Duration, error) {
	ideal, err := IdealNetwork(p, n)
	if err != nil {
		return 0, err
	}
	if err := cpu.Validate(); err != nil {
		return 0, err
	}
	if !n.Cold || cpu.Client+cpu.Server == 0 {
		return ideal, nil
	}
	gs, err := Groups(p)
	if err != nil {
		return 0, err
	}
	lanes, err := checkGroups(gs, 0)
	if err != nil {
		return 0, fmt.Errorf("model: network CPU ideal %s: %w", p.Kind, err)
	}
	s := newSim(gs, lanes)
	for s.waiting() > 0 {
		m := s.waiting()
		add := cpu.SetupCPU(m)
		if ideal > math.MaxInt64-add {
			return 0, &ParamError{"ConnCPU", "the batch time overflows time.Duration"}
		}
		ideal += add
		s.round(m)
	}
	return ideal, nil
}
