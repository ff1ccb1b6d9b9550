package harness

import (
	"context"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// countingCollector counts its calls.
type countingCollector struct {
	start, stop, report, batches int
	n                            int // b.N seen by Report
}

func (c *countingCollector) Start(*testing.B, Case, clients.Client, Server) { c.start++ }
func (c *countingCollector) Stop(*testing.B)                                { c.stop++ }
func (c *countingCollector) Batch(*clients.Result)                          { c.batches++ }
func (c *countingCollector) Report(b *testing.B, _ *clients.Result, ideal time.Duration) {
	c.report++
	c.n = b.N
}

// TestCollector checks that Run calls a Collector once around the timed
// loop and shows it every batch, and that the Hooks without one run none.
func TestCollector(t *testing.T) {
	slow := servertest.Start(t, servers.Config{Delay: time.Millisecond})
	srv := Server{URLs: []string{slow.URL}, Delay: time.Millisecond}
	c := Case{Strategy: strategy.Fanout, Conn: clients.Warm, N: 2}
	co := &countingCollector{}
	testing.Benchmark(func(b *testing.B) {
		*co = countingCollector{} // the benchmark function runs once per b.N tried
		NewRunner(false).Run(b, srv, c, Options{Timeout: 10 * time.Second, Hooks: Hooks{Collector: co}})
	})
	if co.start != 1 || co.stop != 1 || co.report != 1 || co.batches != co.n || co.n < 1 {
		t.Errorf("collector calls %+v: want Start, Stop and Report once and Batch once per batch", *co)
	}
	if h := (Hooks{}); h.Collector != nil {
		t.Errorf("the zero Hooks have a Collector: %v", h.Collector)
	}
}

// runningCollector is a countingCollector that runs the batches itself.
type runningCollector struct {
	countingCollector
	runs int
}

func (c *runningCollector) RunBatch(ctx context.Context, cl clients.Client, n int) (*clients.Result, error) {
	c.runs++
	return cl.Run(ctx, n)
}

// TestBatchRunner checks that a Collector that is a BatchRunner runs
// every timed batch, and only those.
func TestBatchRunner(t *testing.T) {
	slow := servertest.Start(t, servers.Config{Delay: time.Millisecond})
	srv := Server{URLs: []string{slow.URL}, Delay: time.Millisecond}
	c := Case{Strategy: strategy.Fanout, Conn: clients.Warm, N: 2}
	co := &runningCollector{}
	testing.Benchmark(func(b *testing.B) {
		*co = runningCollector{}
		NewRunner(false).Run(b, srv, c, Options{Timeout: 10 * time.Second, Warmup: WarmBatch, Hooks: Hooks{Collector: co}})
	})
	if co.n < 1 || co.runs != co.n || co.batches != co.n {
		t.Errorf("%d batches timed, %d run by the collector, %d seen: want all equal", co.n, co.runs, co.batches)
	}
}
