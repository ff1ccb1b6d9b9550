// Package harness runs crawlbench's benchmark cases: a strategy from the
// registry (package clients/strategy) against a slow server, one batch per
// b.Loop iteration, with a warm-up, the suite's metrics (package
// bench/report), hooks for extra metrics, the REQUESTS FAILED check and the
// -plan estimate. Packages bench and bench/scale are flag parsing plus
// Benchmark functions over it.
//
// A Runner also remembers every failed case, so that Main can fail the test
// binary when a failure happened where package testing forgets it (a
// sub-benchmark failing in run 2 or later of -count).
package harness

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/histlog"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/bench/report"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// Server is the slow server (or group of servers) a case runs against.
type Server struct {
	// URLs are the request targets, used round-robin.
	URLs []string
	// Delay is d, the server's delay (the scale of its distribution).
	Delay time.Duration
	// Capacity is k, the requests served at once; 0 = unlimited.
	Capacity int
	// DelayOf, if not nil, is the delay the server gives the request
	// carrying index (servers.HeaderIndex; a variable-delay server); nil
	// means every request waits Delay.
	DelayOf func(index uint64) time.Duration
	// Reset, if not nil, zeroes the server's counters and restarts its
	// arrival sequence; it runs right before the timed loop.
	Reset func(ctx context.Context) error
	// Stats, if not nil, returns the server's counters (srv-inflight).
	Stats func(ctx context.Context) (servers.Stats, error)
	// Bursts, if not nil, returns the server's latest bursts that began
	// at or after since, CLOCK_MONOTONIC ns (bench/breakdown).
	Bursts func(ctx context.Context, since int64) (servers.BurstLog, error)
}

// Slowserver returns the Server of the crawlbench slowserver at base (a
// loopback URL): its counters are read and reset over /_stats.
func Slowserver(base string, d time.Duration, capacity int, delayOf func(uint64) time.Duration) Server {
	return Server{
		URLs: []string{base}, Delay: d, Capacity: capacity, DelayOf: delayOf,
		Reset: func(ctx context.Context) error { return serverproc.ResetStats(ctx, base) },
		Stats: func(ctx context.Context) (servers.Stats, error) { return serverproc.FetchStats(ctx, base) },
		Bursts: func(ctx context.Context, since int64) (servers.BurstLog, error) {
			return serverproc.FetchBursts(ctx, base, since)
		},
	}
}

// CheckTarget checks that the server at target is a crawlbench slowserver
// whose delay is d and distribution dist ("" = fixed), as the benchmark's
// flags say: it reads /_stats, and compares the delay= of target's query,
// if any. The error names both values.
func CheckTarget(ctx context.Context, target string, d time.Duration, dist string) error {
	if q, err := url.Parse(target); err == nil {
		if v := q.Query().Get("delay"); v != "" {
			qd, err := time.ParseDuration(v)
			if err != nil || qd != d {
				return fmt.Errorf("-target %q asks for delay=%s, but -delay is %v: they must agree", target, v, d)
			}
		}
	}
	st, err := serverproc.FetchStats(ctx, target)
	if err != nil {
		return fmt.Errorf("-target %q is not a crawlbench slowserver (its /_stats are needed to check its delay and count its requests): %w", target, err)
	}
	if st.DelayNS != 0 || st.Dist != "" { // a server that reports its configuration
		if time.Duration(st.DelayNS) != d {
			return fmt.Errorf("-target %q serves with delay %v, but -delay is %v: they must agree", target, time.Duration(st.DelayNS), d)
		}
		if want := cmp(dist, string(servers.DistFixed)); cmp(st.Dist, string(servers.DistFixed)) != want {
			return fmt.Errorf("-target %q draws delays from %q, but this benchmark's server is %q", target, st.Dist, want)
		}
	}
	return nil
}

// cmp returns s, or def when s is empty.
func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Case is one sub-benchmark: a strategy, its parameters and a batch size.
type Case struct {
	Strategy string
	Conn     clients.ConnMode
	N        int // requests per batch (one b.Loop iteration)
	C        int // concurrency limit (per worker process for worker strategies); 0 = all at once
	Procs    int // worker processes, for the worker strategies
}

// Params returns the model's description of one batch of c against srv.
func (c Case) Params(srv Server) (model.Params, error) {
	d, ok := strategy.Lookup(c.Strategy)
	if !ok {
		return model.Params{}, fmt.Errorf("strategy %q: want one of %s", c.Strategy, strings.Join(strategy.Names(), ", "))
	}
	p := d.Params(c.N, srv.Delay, c.C, c.Procs)
	p.K = srv.Capacity
	return p, p.Validate()
}

// Ideal returns the model's wall time for one batch of c against srv,
// averaged over the batches whose first request indices are firsts. With
// a fixed delay every batch has the same ideal. With srv.DelayOf, request
// j of a batch carries index first+j (servers.HeaderIndex, numbered as
// the model numbers requests), so each batch has its own exact ideal
// (model.IdealBatches) whatever order its requests reach the server in.
func Ideal(c Case, srv Server, firsts []int64) (time.Duration, error) {
	p, err := c.Params(srv)
	if err != nil {
		return 0, err
	}
	if srv.DelayOf == nil {
		return model.Ideal(p)
	}
	if len(firsts) == 0 {
		firsts = []int64{0}
	}
	return model.IdealBatches(p, firsts, func(j int64) time.Duration { return srv.DelayOf(uint64(j)) })
}

// Warmup says what runs before the timed loop.
type Warmup int

const (
	// WarmConns runs, for warm connections only, one untimed batch of as
	// many requests as the strategy keeps in flight, which opens them.
	WarmConns Warmup = iota
	// WarmBatch runs one untimed batch of Case.N in either mode (it also
	// warms the Go runtime and the server).
	WarmBatch
	// NoWarmup runs nothing.
	NoWarmup
)

// Hooks add work around a case; every field may be nil.
type Hooks struct {
	// BeforeClient runs before the client starts.
	BeforeClient func(b *testing.B)
	// Started runs once the client is up, before the warm-up.
	Started func(b *testing.B, cl clients.Client)
	// BeforeLoop runs right before the timed loop, after the server reset.
	BeforeLoop func(b *testing.B)
	// AfterBatch runs after each timed batch, inside the timed region:
	// keep it to a few µs.
	AfterBatch func(b *testing.B, cl clients.Client)
	// AfterLoop runs right after the timed loop.
	AfterLoop func(b *testing.B)
	// Report adds metrics after the suite's, given the merged Result of
	// the timed batches.
	Report func(b *testing.B, total *clients.Result)
	// Collector, if not nil, measures the timed loop (collector.go).
	Collector Collector
}

// Options configure Run.
type Options struct {
	// Timeout is the per-request timeout.
	Timeout time.Duration
	// Warmup is what runs before the timed loop.
	Warmup Warmup
	// Sample and StopGrace are passed to worker strategies
	// (procpool.Config).
	Sample, StopGrace time.Duration
	Hooks             Hooks
	// Client, if not nil, adjusts the client's configuration before the
	// strategy starts (TLS roots, HTTP/2; package bench/network).
	Client func(*clients.Config)
	// Ideal, if not nil, replaces the model's ideal of one batch (e.g.
	// model.IdealNetwork over an emulated path); overhead-x is measured ÷
	// its answer.
	Ideal func(p model.Params) (time.Duration, error)
}

// Runner runs cases and remembers which failed. Create it with NewRunner.
type Runner struct {
	plan     bool
	hist     *histlog.Writer // nil: histograms are not saved (-histlog unset)
	histFile interface{ Close() error }
	python   string // -python; "" means pyclient.DefaultPython

	mu       sync.Mutex
	failed   []string                // names of the failed cases, with how many times
	pyChecks map[pyclient.Kind]error // pyclient.Check's answer per kind, asked once
}

// NewRunner returns a Runner. With plan, Run prints each case's expected
// running time (a "crawlbench-plan: NAME SECONDS" line) and runs nothing.
func NewRunner(plan bool) *Runner { return &Runner{plan: plan} }

// HistLogUsage is the usage of -histlog, which every benchmark package
// defines.
const HistLogUsage = "append every cell's merged latency histogram to this HdrHistogram log (scripts/runbench sets it to the results file's .hlog); empty: $CRAWLBENCH_HISTLOG if set, else do not save them"

// OpenHistLog makes Run append every case's merged latency histogram to
// the HdrHistogram log at path (package bench/histlog), tagged with the
// case's name as benchfmt spells it (without "Benchmark"). An empty path
// means the one in $CRAWLBENCH_HISTLOG (histlog.EnvPath; scripts/runbench
// sets it); none there does nothing. Main closes the log.
func (r *Runner) OpenHistLog(path string) error {
	if path == "" {
		path = os.Getenv(histlog.EnvPath)
	}
	if path == "" || r.plan {
		return nil
	}
	w, f, err := histlog.Create(path)
	if err != nil {
		return fmt.Errorf("-histlog: %w", err)
	}
	r.hist, r.histFile = w, f
	return nil
}

// SetPython sets the interpreter of the Python strategies and of the
// Flask server (-python); call it before any case runs.
func (r *Runner) SetPython(path string) { r.python = path }

// Python returns the interpreter set by SetPython, or
// pyclient.DefaultPython.
func (r *Runner) Python() string {
	if r.python == "" {
		return pyclient.DefaultPython
	}
	return r.python
}

// checkPython returns pyclient.Check's answer for kind with the Runner's
// interpreter, asking once per kind.
func (r *Runner) checkPython(ctx context.Context, kind pyclient.Kind) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err, ok := r.pyChecks[kind]; ok {
		return err
	}
	err := pyclient.Check(ctx, r.Python(), kind)
	if r.pyChecks == nil {
		r.pyChecks = map[pyclient.Kind]error{}
	}
	r.pyChecks[kind] = err
	return err
}

// Failed returns the names of the cases that failed so far, once per
// failure.
func (r *Runner) Failed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.failed...)
}

// recordFailure remembers b if it failed; deferred, it also sees b.Fatal.
func (r *Runner) recordFailure(b *testing.B) {
	if !b.Failed() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, b.Name())
}

// Run runs c against srv as the benchmark b: one batch of c.N requests per
// iteration. It reports the suite's metrics and fails b, loudly, if any
// request failed or the measurement cannot be right (see CheckDelay). A
// Python strategy the Runner's interpreter cannot run (pyclient.Check) is
// skipped in one line naming the package to install; one that runs also
// reports py-cost-ns, the mean batch time measured inside Python.
func (r *Runner) Run(b *testing.B, srv Server, c Case, o Options) {
	defer r.recordFailure(b)
	ctx := b.Context()
	p, err := c.Params(srv)
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	if r.plan {
		printPlan(b, srv, c, o, p)
		return
	}
	if d, _ := strategy.Lookup(c.Strategy); d.IsPython() {
		if err := r.checkPython(ctx, d.PyKind); err != nil {
			b.Skipf("%s skipped: %v", c.Strategy, err)
		}
	}
	if h := o.Hooks.BeforeClient; h != nil {
		h(b)
	}
	ccfg := clients.Config{Targets: srv.URLs, Conn: c.Conn, Concurrency: c.C, Timeout: o.Timeout}
	if o.Client != nil {
		o.Client(&ccfg)
	}
	cl, err := strategy.New(ctx, c.Strategy, strategy.Options{
		Client: ccfg,
		Procs:  c.Procs, Sample: o.Sample, StopGrace: o.StopGrace, Python: r.python,
	})
	if err != nil {
		b.Fatalf("start %s: %v", c.Strategy, err)
	}
	defer func() {
		if err := cl.Close(); err != nil {
			b.Errorf("close %s: %v", c.Strategy, err)
		}
	}()
	if h := o.Hooks.Started; h != nil {
		h(b, cl)
	}
	warm := 0
	switch {
	case o.Warmup == WarmBatch:
		warm = c.N
	case o.Warmup == WarmConns && c.Conn == clients.Warm:
		// Without it a run of few iterations (-benchtime 1x, or the seed's
		// 300 s sequential batch) would time a cold first batch as warm.
		if warm, err = model.Lanes(p); err != nil {
			b.Fatalf("model: %v", err)
		}
	}
	if warm > 0 {
		res, err := cl.Run(ctx, warm)
		if err != nil {
			b.Fatalf("%s warm-up batch: %v", c.Strategy, err)
		}
		if err := res.Err(); err != nil {
			b.Fatalf("REQUESTS FAILED in the warm-up batch: %v", err)
		}
	}
	// Reset the server's counters, and with them its arrival sequence,
	// right before the timed loop.
	if srv.Reset != nil {
		if err := srv.Reset(ctx); err != nil {
			b.Fatalf("reset server stats: %v", err)
		}
	}
	if h := o.Hooks.BeforeLoop; h != nil {
		h(b)
	}
	if co := o.Hooks.Collector; co != nil {
		co.Start(b, c, cl, srv)
	}
	py, _ := cl.(pyCoster)
	pyBefore := 0
	if py != nil {
		pyBefore = len(py.PyCosts())
	}
	acc := newAccumulator(c.Strategy)
	if bo, ok := o.Hooks.Collector.(BatchObserver); ok {
		acc.observe = bo.Batch
	}
	br, _ := o.Hooks.Collector.(BatchRunner)
	for b.Loop() {
		var res *clients.Result
		if br != nil {
			res, err = br.RunBatch(ctx, cl, c.N)
		} else {
			res, err = cl.Run(ctx, c.N)
		}
		if err != nil {
			b.Fatalf("%s: %v", c.Strategy, err)
		}
		if h := o.Hooks.AfterBatch; h != nil {
			h(b, cl)
		}
		if acc.add(res) {
			// A merge walks a whole histogram (tens of µs, a few percent
			// of a 1 ms batch): with the timer stopped, every few batches.
			b.StopTimer()
			err := acc.flush()
			b.StartTimer()
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	if co := o.Hooks.Collector; co != nil {
		co.Stop(b)
	}
	if h := o.Hooks.AfterLoop; h != nil {
		h(b)
	}
	var pyCosts []time.Duration
	if py != nil {
		pyCosts = py.PyCosts()[pyBefore:]
	}
	if err := acc.flush(); err != nil {
		b.Fatal(err)
	}
	total := acc.total
	if err := total.Check(); err != nil {
		b.Fatalf("inconsistent result: %v", err)
	}
	var ideal time.Duration
	if o.Ideal != nil {
		ideal, err = o.Ideal(p)
	} else {
		ideal, err = Ideal(c, srv, acc.firsts)
	}
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	report.Batch(b, total, ideal)
	if k := srv.Capacity; k > 0 {
		b.ReportMetric(float64(k)/srv.Delay.Seconds(), "capacity-rps")
	}
	if st, ok := cl.(interface{ StartupTime() time.Duration }); ok {
		// Worker processes start before the timed loop; their start-up is
		// reported here instead of hidden in sec/op.
		b.ReportMetric(float64(st.StartupTime().Nanoseconds()), "startup-ns")
	}
	if len(pyCosts) > 0 {
		var sum float64
		for _, d := range pyCosts {
			sum += float64(d)
		}
		b.ReportMetric(sum/float64(len(pyCosts)), "py-cost-ns")
	}
	if srv.Stats != nil {
		st, err := srv.Stats(ctx)
		if err != nil {
			b.Fatalf("server stats: %v", err)
		}
		b.ReportMetric(float64(st.MaxInFlight), "srv-inflight")
	}
	if h := o.Hooks.Report; h != nil {
		h(b, total)
	}
	if co := o.Hooks.Collector; co != nil {
		co.Report(b, total, ideal)
	}
	if r.hist != nil {
		if err := r.hist.Write(strings.TrimPrefix(b.Name(), "Benchmark"), total.Latency); err != nil {
			b.Errorf("save the latency histogram: %v", err)
		}
	}
	report.Failures(b, total)
	if err := CheckDelay(total, srv); err != nil {
		b.Error(err)
	}
}

// pyCoster is a client that measures its batches inside Python
// (pyclient.Client): PyCosts returns every completed batch's time, in order.
type pyCoster interface{ PyCosts() []time.Duration }

// CheckDelay returns an error when total cannot have come from srv: against
// a fixed-delay server every successful request takes at least d, so a
// median latency below d (beyond the histogram's 0.1 % precision) means the
// server's delay is not the d the ideal was computed with.
func CheckDelay(total *clients.Result, srv Server) error {
	if srv.DelayOf != nil || total.OK == 0 || total.Failed() > 0 {
		return nil
	}
	if p50 := total.Quantile(0.50); float64(p50) < float64(srv.Delay)*0.999 {
		return fmt.Errorf("WRONG SERVER DELAY: measured p50 %v is below the delay d = %v that the ideal assumes: "+
			"the server does not wait d (a -target with another delay, or ?delay= in its URL?)", p50, srv.Delay)
	}
	return nil
}

// Plan estimates: what a sub-benchmark costs beyond its timed batches.
const (
	planSetup     = 50 * time.Millisecond  // client set-up and server stats reset
	planProcSetup = 100 * time.Millisecond // starting worker processes
	planPySetup   = 150 * time.Millisecond // starting a Python worker (interpreter and imports)
	planOverhead  = 1.1                    // measured batches run ~10% over the ideal
)

// printPlan prints c's expected running time, for -plan: the model's ideal
// per batch, times the iterations -benchtime asks for (b.Loop runs at least
// one batch and stops after -benchtime), plus set-up.
func printPlan(b *testing.B, srv Server, c Case, o Options, p model.Params) {
	ideal, err := model.Ideal(p) // with the mean delay: an estimate for variable delays too
	if o.Ideal != nil {
		ideal, err = o.Ideal(p)
	}
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	batch := time.Duration(float64(ideal) * planOverhead)
	est := planSetup + batch
	if strategy.UsesProcs(c.Strategy) {
		est += planProcSetup
	}
	if d, _ := strategy.Lookup(c.Strategy); d.IsPython() {
		est += planPySetup
	}
	if o.Warmup == WarmBatch || (o.Warmup == WarmConns && c.Conn == clients.Warm) {
		est += srv.Delay // the warm-up batch: one wave of the strategy's lanes
	}
	est += moreBatches(benchtime(), batch)
	fmt.Printf("crawlbench-plan: %s %.3f\n", b.Name(), est.Seconds())
}

// moreBatches is what -benchtime bt adds beyond the first batch.
func moreBatches(bt string, batch time.Duration) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSuffix(bt, "x")); err == nil && strings.HasSuffix(bt, "x") {
		return time.Duration(n-1) * batch
	}
	if d, err := time.ParseDuration(bt); err == nil && d > batch {
		return d - batch
	}
	return 0
}
