package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// serverSpec describes the bundled slow server a benchmark needs. Its delay
// is always -delay.
type serverSpec struct {
	capacity int    // k; 0 = unlimited
	dist     string // delay distribution (servers.Dist); "" = fixed
	seed     uint64 // seeds the distribution
}

// args returns the slowserver flags for s.
func (s serverSpec) args() []string {
	a := []string{"-addr", "127.0.0.1:0", "-delay", config.delay.String(), "-capacity", fmt.Sprint(s.capacity)}
	if s.dist != "" {
		a = append(a, "-dist", s.dist, "-seed", fmt.Sprint(s.seed))
	}
	return a
}

// server is the slow server a benchmark talks to: the bundled one in its own
// process, or the one named by -target.
type server struct {
	url  string
	proc *serverproc.Proc // nil with -target
	spec serverSpec
}

// startServer starts the bundled slow server described by spec in a child
// process, or returns the -target server (which must match spec). The child
// is stopped when b ends.
func startServer(b *testing.B, spec serverSpec) *server {
	b.Helper()
	if config.target != "" {
		return &server{url: config.target, spec: spec}
	}
	p, err := serverproc.Start(context.Background(), spec.args())
	if err != nil {
		b.Fatalf("start slow server: %v", err)
	}
	b.Cleanup(func() {
		if err := p.Stop(); err != nil {
			b.Errorf("stop slow server: %v", err)
		}
	})
	return &server{url: p.URL + "/", proc: p, spec: spec}
}

// benchCase is one sub-benchmark: a strategy, its parameters and a batch size.
type benchCase struct {
	strategy string
	conn     clients.ConnMode
	n        int // requests per batch (one b.Loop iteration)
	c        int // concurrency limit (per worker for procs-fanout); 0 = all at once
	procs    int // worker processes, for the worker strategies
}

// ideal returns the model's wall time for one batch of bc against srv.
func (bc benchCase) ideal(srv *server) (time.Duration, error) {
	p := model.Params{
		Strategy: model.Strategy(bc.strategy),
		N:        bc.n,
		Delay:    config.delay,
		C:        bc.c,
		K:        srv.spec.capacity,
	}
	if strategy.UsesProcs(bc.strategy) {
		p.P = bc.procs
	}
	return model.Ideal(p)
}

// runCase runs bc as a benchmark: one batch of bc.n requests per iteration.
// It reports the suite's metrics and fails the benchmark, loudly, if any
// request failed.
func runCase(b *testing.B, srv *server, bc benchCase) {
	ctx := b.Context()
	ideal, err := bc.ideal(srv)
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	cl, err := strategy.New(ctx, bc.strategy, strategy.Options{
		Client: clients.Config{
			Targets:     []string{srv.url},
			Conn:        bc.conn,
			Concurrency: bc.c,
			Timeout:     config.reqTimeout,
		},
		Procs: bc.procs,
	})
	if err != nil {
		b.Fatalf("start %s: %v", bc.strategy, err)
	}
	defer func() {
		if err := cl.Close(); err != nil {
			b.Errorf("close %s: %v", bc.strategy, err)
		}
	}()
	if srv.proc != nil {
		if err := srv.proc.Reset(ctx); err != nil {
			b.Fatalf("reset server stats: %v", err)
		}
	}

	total := clients.NewResult(bc.strategy)
	for b.Loop() {
		res, err := cl.Run(ctx, bc.n)
		if err != nil {
			b.Fatalf("%s: %v", bc.strategy, err)
		}
		if err := total.Merge(res); err != nil {
			b.Fatal(err)
		}
	}

	if err := total.Check(); err != nil {
		b.Fatalf("inconsistent result: %v", err)
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(total.OK)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(total.Quantile(0.50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(total.Quantile(0.99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(total.Max().Nanoseconds()), "max-ns")
	b.ReportMetric(float64(total.Failed()), "errors")
	b.ReportMetric(float64(ideal.Nanoseconds()), "ideal-ns")
	b.ReportMetric(float64(perOp)/float64(ideal), "overhead-x")
	if k := srv.spec.capacity; k > 0 {
		b.ReportMetric(float64(k)/config.delay.Seconds(), "capacity-rps")
	}
	if st, ok := cl.(interface{ StartupTime() time.Duration }); ok {
		// Worker processes start before the timed loop; their start-up is
		// reported here instead of hidden in sec/op.
		b.ReportMetric(float64(st.StartupTime().Nanoseconds()), "startup-ns")
	}
	if srv.proc != nil {
		st, err := srv.proc.Stats(ctx)
		if err != nil {
			b.Fatalf("server stats: %v", err)
		}
		b.ReportMetric(float64(st.MaxInFlight), "srv-inflight")
	}
	if err := total.Err(); err != nil {
		b.Errorf("REQUESTS FAILED: %v", err)
	}
}
