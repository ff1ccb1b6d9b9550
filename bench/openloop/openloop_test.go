package openloop

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/openloop"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// startServer starts a slowserver of capacity k (0: unlimited) and delay
// d in its own process, stopped when b ends.
func startServer(b *testing.B, k int, d time.Duration) *serverproc.Proc {
	b.Helper()
	p, err := serverproc.Start(context.Background(), harness.Spec{Capacity: k}.Args(d))
	if err != nil {
		b.Fatalf("start slow server: %v", err)
	}
	b.Cleanup(func() {
		if err := p.Stop(); err != nil {
			b.Errorf("stop slow server: %v", err)
		}
	})
	return p
}

// newDoer returns the in-process Doer of strategy name.
func newDoer(b *testing.B, name, url string, conns int) openloop.Doer {
	b.Helper()
	cfg := clients.Config{Targets: []string{url}, Timeout: config.reqTimeout}
	mk := openloop.NetHTTP
	if name == strategy.FastHTTP {
		mk = openloop.FastHTTP
	}
	doer, err := mk(cfg, min(max(conns, 16), clients.MaxConcurrency))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = doer.Close() })
	return doer
}

// cell runs run once per b.Loop iteration, merges the runs, reports
// Metrics against modelLat, saves the corrected and uncorrected
// histograms, and fails b, naming the counts by kind, if any request
// failed.
func cell(b *testing.B, modelLat []time.Duration, rate float64, run func(ctx context.Context) (*openloop.Result, error)) *openloop.Result {
	b.Helper()
	defer failed.record(b)
	total := NewTotal(b.Name(), rate)
	for b.Loop() {
		res, err := run(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		Merge(total, res)
	}
	ms, err := Metrics(total, modelLat)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range ms {
		b.ReportMetric(m.Value, m.Unit)
	}
	if hist != nil {
		name := b.Name()[len("Benchmark"):]
		if err := hist.Write(name+"/hist=corrected", total.Corrected); err != nil {
			b.Errorf("save the corrected histogram: %v", err)
		}
		if err := hist.Write(name+"/hist=uncorrected", total.Uncorrected); err != nil {
			b.Errorf("save the uncorrected histogram: %v", err)
		}
	}
	if t := FailureText(total); t != "" {
		b.Errorf("REQUESTS FAILED: %s", t)
	}
	return total
}

// warmUp opens connections and starts the client's goroutines before a
// cell: a short run below the knee, then 2d for the server to drain.
func warmUp(b *testing.B, doer openloop.Doer, rate float64, d time.Duration) {
	b.Helper()
	defer failed.record(b)
	sched, err := openloop.Constant(rate, openloop.MinDuration)
	if err != nil {
		b.Fatal(err)
	}
	res, err := openloop.Run(b.Context(), doer, sched, openloop.Config{Name: "warm-up"})
	if err != nil {
		b.Fatal(err)
	}
	if t := FailureText(res); t != "" {
		b.Fatalf("warm-up: REQUESTS FAILED: %s", t)
	}
	time.Sleep(2 * d)
}

// BenchmarkOpenLoop is the latency hockey stick: servers of capacity k
// and delay d under an open loop at -loads % of k / d, each point beside
// the exact FIFO model over the same schedule.
func BenchmarkOpenLoop(b *testing.B) {
	d := config.delay
	for _, k := range config.servers {
		b.Run(fmt.Sprintf("server=k%d", k), func(b *testing.B) {
			srv := startServer(b, k, d)
			for _, strat := range config.strategies {
				for _, arrival := range config.arrivals {
					for _, load := range config.loads {
						rate := load / 100 * float64(k) / d.Seconds()
						spec := openloop.ScheduleSpec{Arrival: arrival, Rate: rate, Duration: config.duration, Seed: config.seed}
						name := fmt.Sprintf("strategy=%s/arrival=%s/load=%gpct", strat, arrival, load)
						b.Run(name, func(b *testing.B) {
							sched, err := spec.Build()
							if err != nil {
								b.Fatal(err)
							}
							q, err := model.QueueOpenLoop(sched.Times, k, d, nil)
							if err != nil {
								b.Fatal(err)
							}
							// Past the knee the backlog grows for the whole run.
							conns := int(rate*(config.duration+d).Seconds()) + 1
							runCfg := openloop.Config{Name: strat, Delay: d, MaxInFlight: config.maxInFlight, AllowDrops: true}
							var run func(ctx context.Context) (*openloop.Result, error)
							if strat == strategy.ProcsFanout {
								run = func(ctx context.Context) (*openloop.Result, error) {
									return openloop.RunProcs(ctx, openloop.ProcsConfig{
										Procs: config.procs, Conns: conns/config.procs + 16, Schedule: spec, Run: runCfg,
										Warmup: min(rate, float64(k)/d.Seconds()/2),
										Client: clients.Config{Targets: []string{srv.URL + "/"}, Timeout: config.reqTimeout},
									})
								}
							} else {
								doer := newDoer(b, strat, srv.URL+"/", conns)
								warmUp(b, doer, min(rate, float64(k)/d.Seconds()/2), d)
								run = func(ctx context.Context) (*openloop.Result, error) {
									return openloop.Run(ctx, doer, sched, runCfg)
								}
							}
							cell(b, q.Latency, rate, run)
							b.ReportMetric(float64(k)/d.Seconds(), "capacity-rps")
						})
					}
				}
			}
		})
	}
}

// BenchmarkStall is wrk2's experiment: the server (unlimited, delay d) is
// paused for -stall-window at -stall-at; a closed loop of -stall-c lanes
// and an open loop at the same mean rate c / d, each beside model.Stall.
func BenchmarkStall(b *testing.B) {
	d := config.delay
	s := model.Stall{D: d, Start: config.stallAt, Window: config.stallWindow, Duration: config.stallDuration, C: config.stallC}
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	srv := startServer(b, 0, d)
	rate := s.Rate()
	// saveModel writes the model's latencies to the histogram log beside
	// the measured ones, for the spectrum chart.
	saveModel := func(b *testing.B, tag string, lat []time.Duration) {
		if hist == nil {
			return
		}
		h := clients.NewHistogram()
		for _, l := range lat {
			recordTo(h, l)
		}
		if err := hist.Write(b.Name()[len("Benchmark"):]+"/hist="+tag, h); err != nil {
			b.Errorf("save the model's histogram: %v", err)
		}
	}
	report := func(b *testing.B, m *model.StallRun) {
		for _, p := range []struct {
			q    float64
			name string
		}{{0.5, "p50"}, {0.99, "p99"}, {0.999, "p99.9"}} {
			v, err := model.LatencyQuantile(m.Uncorrected(), p.q)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(v), "model-uncorrected-"+p.name+"-ns")
		}
		b.ReportMetric(s.Factor(0.01), "model-factor-p99")
		b.ReportMetric(s.Window.Seconds(), "stall-sec")
	}
	b.Run("loop=closed/strategy="+strategy.Fanout, func(b *testing.B) {
		doer := newDoer(b, strategy.Fanout, srv.URL+"/", s.C)
		m := s.SimulateClosed()
		cell(b, m.Corrected(), rate, func(ctx context.Context) (*openloop.Result, error) {
			pctx, cancel := context.WithCancel(ctx)
			defer cancel()
			perr := make(chan error, 1)
			start := time.Now()
			go func() { perr <- Pause(pctx, srv.Pid(), start, s.Start, s.Window) }()
			res, err := openloop.RunClosed(ctx, doer, s.C, rate, s.Duration, strategy.Fanout)
			if err == nil {
				err = <-perr
			}
			return res, err
		})
		report(b, m)
		saveModel(b, "model-uncorrected", m.Uncorrected())
	})
	b.Run("loop=open/strategy="+strategy.Fanout+"/arrival=constant", func(b *testing.B) {
		doer := newDoer(b, strategy.Fanout, srv.URL+"/", int(rate*(s.Window+2*d).Seconds())+s.C)
		sched, err := openloop.Constant(rate, s.Duration)
		if err != nil {
			b.Fatal(err)
		}
		m := s.SimulateOpen(sched.Times)
		cell(b, m.Corrected(), rate, func(ctx context.Context) (*openloop.Result, error) {
			pctx, cancel := context.WithCancel(ctx)
			defer cancel()
			perr := make(chan error, 1)
			start := time.Now().Add(20 * time.Millisecond)
			go func() { perr <- Pause(pctx, srv.Pid(), start, s.Start, s.Window) }()
			res, err := openloop.RunAt(ctx, start, doer, sched, openloop.Config{Name: strategy.Fanout})
			if err == nil {
				err = <-perr
			}
			return res, err
		})
		report(b, m)
		saveModel(b, "model", m.Corrected())
	})
}

// BenchmarkPacer measures the pacer against a fast unlimited server:
// schedule lag and achieved ÷ target rate at -pacer-rates, and vegeta's
// at the same rates (strategy=vegeta).
func BenchmarkPacer(b *testing.B) {
	d := config.pacerDelay
	srv := startServer(b, 0, d)
	// vegeta first: a fan-out past what the machine can send leaves tens
	// of thousands of sockets in TIME_WAIT, and a later cell's dials then
	// fail with "address already in use" (seen: vegeta at 20,000 req/s
	// after fanout at 40,000).
	var names []string
	if config.vegeta {
		// Build the tool before any cell runs (go caches it).
		if out, err := exec.CommandContext(b.Context(), "go", "tool", Vegeta, "-version").CombinedOutput(); err != nil {
			b.Fatalf("go tool %s (pinned in go.mod): %v: %s", Vegeta, err, out)
		}
		names = append(names, Vegeta)
	}
	names = append(names, strategy.FastHTTP, strategy.Fanout)
	for _, name := range names {
		for _, rate := range config.pacerRates {
			sleeps := config.pacerSleeps
			if name == Vegeta {
				sleeps = []openloop.Sleep{""} // vegeta paces itself
			}
			for _, sleep := range sleeps {
				cellName := fmt.Sprintf("strategy=%s/rate=%g", name, rate)
				if sleep != "" {
					cellName += "/sleep=" + string(sleep)
				}
				pacerCell(b, cellName, name, rate, sleep, srv.URL+"/", d)
			}
		}
	}
}

// pacerCell runs one BenchmarkPacer cell: our pacer (waiting with sleep)
// over strategy name, or vegeta.
func pacerCell(b *testing.B, cellName, name string, rate float64, sleep openloop.Sleep, url string, d time.Duration) {
	b.Run(cellName, func(b *testing.B) {
		var run func(ctx context.Context) (*openloop.Result, error)
		if name == Vegeta {
			dir := b.TempDir()
			run = func(ctx context.Context) (*openloop.Result, error) {
				res, texts, err := RunVegeta(ctx, "", dir, url, rate, config.pacerDuration, config.reqTimeout)
				for _, t := range texts {
					b.Logf("vegeta error: %s", t)
				}
				return res, err
			}
		} else {
			doer := newDoer(b, name, url, int(rate*d.Seconds()*4)+64)
			sched, err := openloop.Constant(rate, config.pacerDuration)
			if err != nil {
				b.Fatal(err)
			}
			run = func(ctx context.Context) (*openloop.Result, error) {
				return openloop.Run(ctx, doer, sched, openloop.Config{Name: name, Sleep: sleep})
			}
		}
		cell(b, nil, rate, run)
	})
}
