package bench

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/bench/report"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// serverSpec describes the bundled slow server a benchmark needs. Its delay
// is always -delay.
type serverSpec struct {
	capacity int    // k; 0 = unlimited
	dist     string // delay distribution (servers.Dist); "" = fixed
	seed     uint64 // seeds the distribution
}

// delay returns the delay the server described by s gives the request
// with arrival sequence number seq (since its last stats reset) at the
// -delay scale: the bundled server's draw, capped at its default
// -max-delay.
func (s serverSpec) delay(seq uint64) time.Duration {
	if s.dist == "" {
		return config.delay
	}
	return min(servers.DrawDelay(servers.Dist(s.dist), config.delay, 0, s.seed, seq), servers.DefaultMaxDelay)
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
	if config.target != "" || config.plan {
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

// params returns the model's description of one batch of bc against srv.
func (bc benchCase) params(srv *server) model.Params {
	d, _ := strategy.Lookup(bc.strategy) // a zero Kind fails Validate
	p := d.Params(bc.n, config.delay, bc.c, bc.procs)
	p.K = srv.spec.capacity
	return p
}

// ideal returns the model's wall time for one batch of bc against srv,
// averaged over the first iters batches after a stats reset. With a fixed
// delay every batch has the same ideal. With a delay distribution the
// server draws request j's delay from its arrival sequence number j since
// the reset (servers.DrawDelay), so batch i, which covers the sequence
// numbers [i·n, (i+1)·n) when every request reached the server once, has
// its own exact ideal (model.IdealDelays); the mean over the batches is
// returned.
func (bc benchCase) ideal(srv *server, iters int) (time.Duration, error) {
	p := bc.params(srv)
	if srv.spec.dist == "" {
		return model.Ideal(p)
	}
	var sum float64 // ns; a float, because iters × ideal may overflow int64
	for i := range max(iters, 1) {
		base := uint64(i) * uint64(bc.n)
		d, err := model.IdealDelays(p, func(j int64) time.Duration { return srv.spec.delay(base + uint64(j)) })
		if err != nil {
			return 0, err
		}
		sum += float64(d)
	}
	return time.Duration(sum / float64(max(iters, 1))), nil
}

// runCase runs bc as a benchmark: one batch of bc.n requests per iteration.
// It reports the suite's metrics and fails the benchmark, loudly, if any
// request failed.
func runCase(b *testing.B, srv *server, bc benchCase) {
	ctx := b.Context()
	if err := bc.params(srv).Validate(); err != nil {
		b.Fatalf("model: %v", err)
	}
	if config.plan {
		printPlan(b, srv, bc)
		return
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
	// Warm connections are open before the timed loop: one untimed batch
	// of as many requests as the strategy keeps in flight opens them (one
	// to two d). Without it a run of few iterations (-benchtime 1x, or the
	// seed's 300 s sequential batch) would time a cold first batch as warm.
	if bc.conn == clients.Warm {
		lanes, err := model.Lanes(bc.params(srv))
		if err != nil {
			b.Fatalf("model: %v", err)
		}
		res, err := cl.Run(ctx, lanes)
		if err != nil {
			b.Fatalf("warm-up batch: %v", err)
		}
		if err := res.Err(); err != nil {
			b.Fatalf("REQUESTS FAILED in the warm-up batch: %v", err)
		}
	}
	// Reset the server's counters, and with them its arrival sequence, right
	// before the timed loop. A -target server is reset only when its delay
	// distribution makes the ideal depend on the sequence numbers.
	if srv.proc != nil || srv.spec.dist != "" {
		if err := serverproc.ResetStats(ctx, srv.url); err != nil {
			b.Fatalf("reset server stats: %v", err)
		}
	}

	// The batches' Results are merged after the timed loop: a merge walks
	// the whole histogram (tens of µs), which at d = 1 ms would be a few
	// percent of a batch.
	var batches []*clients.Result
	for b.Loop() {
		res, err := cl.Run(ctx, bc.n)
		if err != nil {
			b.Fatalf("%s: %v", bc.strategy, err)
		}
		batches = append(batches, res)
	}
	total := clients.NewResult(bc.strategy)
	for _, res := range batches {
		if err := total.Merge(res); err != nil {
			b.Fatal(err)
		}
	}

	if err := total.Check(); err != nil {
		b.Fatalf("inconsistent result: %v", err)
	}
	ideal, err := bc.ideal(srv, b.N)
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	report.Batch(b, total, ideal)
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
	report.Failures(b, total)
}

// Plan estimates: what a sub-benchmark costs beyond its timed batches.
const (
	planSetup     = 50 * time.Millisecond  // client set-up and server stats reset
	planProcSetup = 100 * time.Millisecond // starting worker processes
	planOverhead  = 1.1                    // measured batches run ~10% over the ideal
)

// printPlan prints bc's expected running time, for -plan: the model's ideal
// per batch, times the iterations -benchtime asks for (b.Loop runs at least
// one batch and stops after -benchtime), plus set-up.
func printPlan(b *testing.B, srv *server, bc benchCase) {
	ideal, err := model.Ideal(bc.params(srv)) // with the mean delay: an estimate for variable delays too
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	batch := time.Duration(float64(ideal) * planOverhead)
	est := planSetup + batch
	if strategy.UsesProcs(bc.strategy) {
		est += planProcSetup
	}
	if bc.conn == clients.Warm {
		est += config.delay // the warm-up batch: one wave of the strategy's lanes
	}
	bt := "1s"
	if f := flag.Lookup("test.benchtime"); f != nil {
		bt = f.Value.String()
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(bt, "x")); err == nil && strings.HasSuffix(bt, "x") {
		est += time.Duration(n-1) * batch
	} else if d, err := time.ParseDuration(bt); err == nil && d > batch {
		est += d - batch
	}
	fmt.Printf("crawlbench-plan: %s %.3f\n", b.Name(), est.Seconds())
}
