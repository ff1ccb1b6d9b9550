package bench

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// BenchmarkSeedProcs is BenchmarkSeed's procs-fanout rows at n = 100 with
// P = GOMAXPROCS worker processes instead of the seed's 8: on a machine of
// 2 cores, 8 processes measure oversubscription rather than the strategy.
// Each process runs ⌈n/P⌉ goroutines (at least the seed's 16), so the
// batch is still one wave as with 8 × 16. Its sub-benchmarks name P and
// c (procs=2/c=50), so they sit beside the seed's.
func BenchmarkSeedProcs(b *testing.B) {
	srv := startServer(b, harness.BundledSpec(config.server))
	const n = 100
	procs := runtime.GOMAXPROCS(0)
	c := max(seedGoroutinesPerProc, (n+procs-1)/procs)
	b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
		for _, s := range strategy.Names(strategy.FamilySeed) {
			if kindOf(s) != model.ProcsFanout {
				continue
			}
			b.Run("strategy="+s, func(b *testing.B) {
				b.Run(fmt.Sprintf("procs=%d/c=%d", procs, c), func(b *testing.B) {
					for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
						b.Run("conn="+conn.String(), func(b *testing.B) {
							runCase(b, srv, harness.Case{Strategy: s, Conn: conn, N: n, C: c, Procs: procs})
						})
					}
				})
			})
		}
	})
}

// TestCollectorOff checks that without -breakdown no collector runs (the
// harness runs none when Hooks.Collector is nil), and that with it one does.
func TestCollectorOff(t *testing.T) {
	if c := collectorFor(false); c != nil {
		t.Errorf("collectorFor(false) = %v, want nil", c)
	}
	if c := collectorFor(true); c == nil {
		t.Error("collectorFor(true) = nil, want a collector")
	}
}
