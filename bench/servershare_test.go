package bench

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage"
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
// Each row also reports the CPU per batch of the server process
// (server-cpu-ns, its threads' schedstat) and, for the single-process
// strategies, of the client process (client-cpu-ns, getrusage: the
// strategy and the harness; procs-fanout's workers are other processes).
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
							config.runner.Run(b, srvs[k], bc, harness.Options{Timeout: config.reqTimeout, Warmup: harness.WarmConns,
								Hooks: cpuHooks(srvs[k], s != strategy.ProcsFanout)})
						})
					}
				})
			}
		})
	}
}

// cpuHooks returns hooks that report the server's CPU per timed batch,
// and the client process's when client is set.
func cpuHooks(srv harness.Server, client bool) harness.Hooks {
	var c0 time.Duration
	var s0 usage.Sched
	var pid int
	var err error
	return harness.Hooks{
		BeforeLoop: func(b *testing.B) {
			st, serr := srv.Stats(b.Context())
			if serr != nil {
				err = fmt.Errorf("server stats: %w", serr)
				return
			}
			pid = st.PID
			if c0, err = usage.SelfCPU(); err == nil {
				s0, err = usage.ReadSched(pid)
			}
		},
		Report: func(b *testing.B, _ *clients.Result) {
			if err != nil {
				b.Fatalf("CPU per batch: %v", err)
			}
			c1, cerr := usage.SelfCPU()
			s1, serr := usage.ReadSched(pid)
			if cerr != nil || serr != nil {
				b.Fatalf("CPU per batch: %v", errors.Join(cerr, serr))
			}
			n := time.Duration(b.N)
			b.ReportMetric(float64(s1.Sub(s0).Run/n), "server-cpu-ns")
			if client {
				b.ReportMetric(float64((c1-c0)/n), "client-cpu-ns")
			}
		},
	}
}
