package harness

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/flaskserver"
	"github.com/crawlbench/crawlbench/servers/servercmd"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// ServerKind is which bundled server a benchmark runs against (-server).
type ServerKind string

// The bundled servers.
const (
	// ServerSlow is crawlbench's Go slowserver (package servers), with any
	// capacity and delay distribution.
	ServerSlow ServerKind = "slowserver"
	// ServerFlask is the seed's Flask app, threaded: capacity unlimited
	// (package servers/flaskserver).
	ServerFlask ServerKind = "flask"
	// ServerFlaskSingle is the seed's Flask app single-threaded: capacity 1.
	ServerFlaskSingle ServerKind = "flask-single"
	// ServerLean is the least a slow server can do (servercmd's lean
	// server: fasthttp, a fixed delay, the counters a benchmark checks and
	// nothing else): the control that measures the slowserver's own cost.
	ServerLean ServerKind = "lean"
)

// ServerUsage is the usage of -server.
const ServerUsage = "the bundled server: slowserver (crawlbench's Go server), flask (the seed's Flask app, threaded), flask-single (one request at a time; flask needs python3-flask) or lean (a fasthttp server that only sleeps: the control for the slowserver's own cost)"

// ServerKinds returns every ServerKind, the default first.
func ServerKinds() []ServerKind {
	return []ServerKind{ServerSlow, ServerFlask, ServerFlaskSingle, ServerLean}
}

// ParseServerKind validates -server; "" means ServerSlow.
func ParseServerKind(s string) (ServerKind, error) {
	if s == "" {
		return ServerSlow, nil
	}
	var names []string
	for _, k := range ServerKinds() {
		if string(k) == s {
			return k, nil
		}
		names = append(names, string(k))
	}
	return "", fmt.Errorf("-server %q: want one of %s", s, strings.Join(names, ", "))
}

// Fixed reports whether k runs one fixed configuration (a Flask server, or
// the lean server): no capacities or delay distributions but its own.
func (k ServerKind) Fixed() bool { return k.IsFlask() || k == ServerLean }

// IsFlask reports whether k is one of the Flask servers.
func (k ServerKind) IsFlask() bool { return k == ServerFlask || k == ServerFlaskSingle }

// Capacity returns the capacity k of a Flask server (1 single-threaded, 0
// = unlimited threaded); a slowserver's is its Spec's.
func (k ServerKind) Capacity() int {
	if k == ServerFlaskSingle {
		return 1
	}
	return 0
}

// Spec describes the bundled slow server a benchmark needs; its delay is
// the benchmark's -delay.
type Spec struct {
	Kind     ServerKind // "" = ServerSlow
	Capacity int        // k; 0 = unlimited (a Flask server's is Kind.Capacity())
	Dist     string     // delay distribution (servers.Dist); "" = fixed; slowserver only
	Seed     uint64     // seeds the distribution
}

// BundledSpec returns the Spec of the fixed-delay, unlimited (or, for
// flask-single, capacity-1) server of kind k.
func BundledSpec(k ServerKind) Spec { return Spec{Kind: k, Capacity: k.Capacity()} }

// Validate reports a Spec no bundled server can run: a Flask server has a
// fixed delay and its own capacity.
func (s Spec) Validate() error {
	if !s.Kind.Fixed() {
		if s.Kind != "" && s.Kind != ServerSlow {
			return fmt.Errorf("server %q: want one of %v", s.Kind, ServerKinds())
		}
		return nil
	}
	if s.Dist != "" {
		return fmt.Errorf("-server %s with the %s delay distribution: variable delays are slowserver-only (-server slowserver)", s.Kind, s.Dist)
	}
	if s.Capacity != s.Kind.Capacity() {
		return fmt.Errorf("-server %s with capacity %d: its capacity is %d (0 = unlimited); other capacities are slowserver-only", s.Kind, s.Capacity, s.Kind.Capacity())
	}
	return nil
}

// DelayOf returns the delay the server described by s gives the request
// carrying index (servers.HeaderIndex) at scale d: the bundled server's
// draw, capped at its default -max-delay. It is nil for a fixed delay.
func (s Spec) DelayOf(d time.Duration) func(index uint64) time.Duration {
	if s.Dist == "" {
		return nil
	}
	return func(index uint64) time.Duration {
		return min(servers.DrawDelay(servers.Dist(s.Dist), d, 0, s.Seed, index), servers.DefaultMaxDelay)
	}
}

// Args returns the slowserver flags for s at delay d (the lean server's,
// after servercmd.LeanArg, for ServerLean).
func (s Spec) Args(d time.Duration) []string {
	if s.Kind == ServerLean {
		return []string{servercmd.LeanArg, "-addr", "127.0.0.1:0", "-delay", d.String()}
	}
	a := []string{"-addr", "127.0.0.1:0", "-delay", d.String(), "-capacity", fmt.Sprint(s.Capacity)}
	if s.Dist != "" {
		a = append(a, "-dist", s.Dist, "-seed", fmt.Sprint(s.Seed))
	}
	return a
}

// Server returns the Server of a server of s at base with delay d (a Flask
// server serves the same /_stats as the slowserver).
func (s Spec) Server(base string, d time.Duration) Server {
	return Slowserver(base, d, s.Capacity, s.DelayOf(d))
}

// StartServer returns the server a benchmark of spec at delay d talks to:
// the one at target after CheckTarget, when target is set; none with -plan
// (nothing runs); else the bundled server (slowserver, or Flask with the
// Runner's Python; skipped in one line when Flask is missing) started in a
// process of its own, ready-checked, and stopped when b ends.
func (r *Runner) StartServer(b *testing.B, spec Spec, d time.Duration, target string) Server {
	b.Helper()
	defer r.recordFailure(b)
	if err := spec.Validate(); err != nil {
		b.Fatal(err)
	}
	switch {
	case r.plan:
		return spec.Server("", d)
	case target != "":
		if err := CheckTarget(context.Background(), target, d, spec.Dist); err != nil {
			b.Fatal(err)
		}
		return spec.Server(target, d)
	}
	if spec.Kind.IsFlask() {
		return r.startFlask(b, spec, d)
	}
	p, err := serverproc.Start(context.Background(), spec.Args(d))
	if err != nil {
		b.Fatalf("start slow server: %v", err)
	}
	b.Cleanup(func() {
		if err := p.Stop(); err != nil {
			b.Errorf("stop slow server: %v", err)
		}
	})
	return spec.Server(p.URL+"/", d)
}

// startFlask starts the Flask server of spec with the Runner's Python.
func (r *Runner) startFlask(b *testing.B, spec Spec, d time.Duration) Server {
	b.Helper()
	ctx := context.Background()
	if err := flaskserver.Check(ctx, r.Python()); err != nil {
		b.Skip(err)
	}
	p, err := flaskserver.Start(ctx, flaskserver.Options{Delay: d, Single: spec.Kind == ServerFlaskSingle, Python: r.Python()})
	if err != nil {
		b.Fatalf("start %s server: %v", spec.Kind, err)
	}
	b.Cleanup(func() {
		if err := p.Stop(); err != nil {
			b.Errorf("stop %s server: %v", spec.Kind, err)
		}
	})
	return spec.Server(p.URL+"/", d)
}
