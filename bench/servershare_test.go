package bench

import (
	"testing"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// shareN is BenchmarkServerShare's batch: the seed's n = 100.
const shareN = 100

// BenchmarkServerShare runs the seed's n = 100 fan-outs (fanout, fasthttp,
// procs-fanout; warm and cold) against the bundled slowserver and against
// the lean server (servercmd's: fasthttp that only sleeps and counts), in
// one run, each server in its own process and the two alternating case by
// case (server is the innermost key, for benchstat -col /server). The
// difference between the two is the slowserver's own share of the time
// above d (its handler, counters and net/http's connection handling); what
// remains against the lean server is the client's and the machine's.
// -server and -breakdown do not apply; with -target it is skipped.
func BenchmarkServerShare(b *testing.B) {
	if config.target != "" {
		b.Skip("-target: BenchmarkServerShare starts its own two servers")
	}
	kinds := []harness.ServerKind{harness.ServerSlow, harness.ServerLean}
	srvs := map[harness.ServerKind]harness.Server{}
	for _, k := range kinds {
		srvs[k] = startServer(b, harness.BundledSpec(k))
	}
	for _, s := range []string{strategy.Fanout, strategy.FastHTTP, strategy.ProcsFanout} {
		b.Run("strategy="+s, func(b *testing.B) {
			for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
				b.Run("conn="+conn.String(), func(b *testing.B) {
					for _, k := range kinds {
						b.Run("server="+string(k), func(b *testing.B) {
							bc := harness.Case{Strategy: s, Conn: conn, N: shareN, Procs: config.procs}
							if s == strategy.ProcsFanout {
								bc.C = seedGoroutinesPerProc
							}
							config.runner.Run(b, srvs[k], bc, harness.Options{Timeout: config.reqTimeout, Warmup: harness.WarmConns})
						})
					}
				})
			}
		})
	}
}
