package scale

import (
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// The scale benchmark's whole pipeline at a small scale: servers started,
// every strategy run warm and cold, and its metrics sane.
func TestScaleSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and worker processes")
	}
	const n, d = 60, 300 * time.Millisecond
	for _, name := range strategy.Names(strategy.FamilyScale) {
		for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
			var failed bool
			r := testing.Benchmark(func(b *testing.B) {
				srv := startServers(b, n, d)
				runScale(b, srv, scaleCase{strategy: name, conn: conn, n: n, d: d, procs: 2})
				failed = b.Failed()
			})
			if failed || r.N < 1 {
				t.Fatalf("%s %v: benchmark failed (N = %d)", name, conn, r.N)
			}
			m := r.Extra
			clientProcs := 1.0
			if strategy.UsesProcs(name) {
				clientProcs = 3
			}
			switch {
			case m["errors"] != 0:
				t.Errorf("%s %v: %v errors", name, conn, m["errors"])
			case m["overhead-x"] < 1 || m["ideal-ns"] != float64(d):
				t.Errorf("%s %v: overhead-x %v, ideal %v ns; want ≥ 1 and %v", name, conn, m["overhead-x"], m["ideal-ns"], d)
			case m["srv-inflight"] != n:
				t.Errorf("%s %v: server held %v at once, want all %d", name, conn, m["srv-inflight"], n)
			case m["fds"] < n || m["goroutines"] < n:
				t.Errorf("%s %v: %v fds and %v goroutines at the peak, want at least one each per request (%d)", name, conn, m["fds"], m["goroutines"], n)
			case m["rss-B"] <= 0 || m["cpu-ms-per-1k"] <= 0 || m["client-procs"] != clientProcs:
				t.Errorf("%s %v: rss %v, cpu %v ms/1k, %v client processes; want > 0, > 0, %v", name, conn, m["rss-B"], m["cpu-ms-per-1k"], m["client-procs"], clientProcs)
			}
		}
	}
}
