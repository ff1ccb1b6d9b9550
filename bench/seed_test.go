package bench

import (
	"fmt"
	"testing"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// seedGoroutinesPerProc is aiomultiprocess's default of 16 coroutines per
// process, which the seed's row 8 used.
const seedGoroutinesPerProc = 16

// BenchmarkSeed reproduces every row of the seed's table: n = 5 and n = 100
// requests against an unlimited server (-server: the bundled slowserver, or
// the seed's Flask app, threaded or single-threaded), every Go strategy and
// then the seed's own Python clients (families seed and python), warm and
// cold connections, P = -procs worker processes (8 as in the seed). One
// iteration is one batch, so sec/op is the seed's "cost time"; a Python row
// also reports py-cost-ns, that time measured inside Python. A Python row
// whose module is missing is skipped, naming the package to install.
func BenchmarkSeed(b *testing.B) {
	srv := startServer(b, harness.BundledSpec(config.server))
	for _, n := range []int{5, 100} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for _, s := range strategy.Names(strategy.FamilySeed, strategy.FamilyPython) {
				b.Run("strategy="+s, func(b *testing.B) {
					for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
						b.Run("conn="+conn.String(), func(b *testing.B) {
							bc := harness.Case{Strategy: s, Conn: conn, N: n, Procs: config.procs}
							if kindOf(s) == model.ProcsFanout {
								bc.C = seedGoroutinesPerProc
							}
							runCase(b, srv, bc)
						})
					}
				})
			}
		})
	}
}
