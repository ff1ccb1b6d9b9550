package clients_test

import (
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// BenchmarkWarmBatch runs warm batches of n = 100 against an in-process slow
// server with d = 1 ms, to measure the CPU of a request end to end: client
// and server in one process, so cpu-ns (the process's user + system CPU
// per batch, from getrusage) is both sides' CPU. One op is one batch; see
// -cpuprofile for where it goes.
func BenchmarkWarmBatch(b *testing.B) {
	for _, name := range []string{strategy.Fanout, strategy.FastHTTP} {
		b.Run("strategy="+name, func(b *testing.B) {
			srv := servertest.Start(b, servers.Config{Delay: time.Millisecond})
			c, err := constructors[name](name, clients.Config{Targets: []string{srv.URL}, Conn: clients.Warm})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			const n = 100
			if _, err := c.Run(b.Context(), n); err != nil { // warm up
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := selfCPU(b)
			for b.Loop() {
				res, err := c.Run(b.Context(), n)
				if err != nil {
					b.Fatal(err)
				}
				if res.OK != n {
					b.Fatalf("%d of %d ok", res.OK, n)
				}
			}
			b.ReportMetric(float64(selfCPU(b)-cpu0)/float64(b.N), "cpu-ns")
		})
	}
}

// selfCPU returns the process's CPU time so far.
func selfCPU(b *testing.B) time.Duration {
	b.Helper()
	t, err := usage.SelfCPU()
	if err != nil {
		b.Fatal(err)
	}
	return t
}
