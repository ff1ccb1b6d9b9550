package harness

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// Spec describes the bundled slow server a benchmark needs; its delay is
// the benchmark's -delay.
type Spec struct {
	Capacity int    // k; 0 = unlimited
	Dist     string // delay distribution (servers.Dist); "" = fixed
	Seed     uint64 // seeds the distribution
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

// Args returns the slowserver flags for s at delay d.
func (s Spec) Args(d time.Duration) []string {
	a := []string{"-addr", "127.0.0.1:0", "-delay", d.String(), "-capacity", fmt.Sprint(s.Capacity)}
	if s.Dist != "" {
		a = append(a, "-dist", s.Dist, "-seed", fmt.Sprint(s.Seed))
	}
	return a
}

// Server returns the Server of a slowserver at base running s at delay d.
func (s Spec) Server(base string, d time.Duration) Server {
	return Slowserver(base, d, s.Capacity, s.DelayOf(d))
}

// StartServer returns the server a benchmark of spec at delay d talks to:
// the one at target after CheckTarget, when target is set; none with -plan
// (nothing runs); else the bundled slowserver started in a process of its
// own and stopped when b ends.
func (r *Runner) StartServer(b *testing.B, spec Spec, d time.Duration, target string) Server {
	b.Helper()
	defer r.recordFailure(b)
	switch {
	case r.plan:
		return spec.Server("", d)
	case target != "":
		if err := CheckTarget(context.Background(), target, d, spec.Dist); err != nil {
			b.Fatal(err)
		}
		return spec.Server(target, d)
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
