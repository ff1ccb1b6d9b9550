package scale

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/crawlbench/crawlbench/bench/breakdown"
	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// BenchmarkScale puts n = c requests in flight at once (-scale: 1k by
// default, 10k, 100k) against an unlimited slow server with delay d (1 s,
// or 10 s above 10k so that every request of the batch is in flight
// together), for each strategy and connection mode:
//
//	BenchmarkScale/inflight=10000/strategy=fanout/conn=cold
//
// Servers run in -server-procs processes (by default one per 15,000
// connections, each on a port of its own; the client round-robins over
// them), each with -listeners SO_REUSEPORT sockets (by default enough
// accept queues, of net.core.somaxconn each, for its whole share of a
// burst of new connections). procs-fanout runs -procs workers (by default one per 12,500
// connections, at least 2), each with its share in flight at once.
// procs-fasthttp is procs-fanout with fasthttp in the workers. naive-httpget
// is the untuned baseline: a goroutine per request calling a default
// http.Client.
//
// Beside sec/op and overhead-x (= measured ÷ ideal, the ideal being d) it
// reports the client's resources, summed over its processes (the benchmark
// process, and the workers for procs-fanout), from package clients/usage:
// rss-B (peak RSS), rss-per-req-B and heap-per-req-B (peak minus the idle
// process, ÷ n; for procs-fanout the workers' idle heap is not
// subtracted), goroutines, fds and threads (peaks), and cpu-ms-per-1k
// (user + system CPU per 1000 requests). listen-overflows and syn-retrans
// are the kernel's counts of SYNs dropped at full accept queues and of
// SYNs retransmitted during the timed batches (for the whole machine).
// srv-inflight is the servers' peak of requests in service (summed).
func BenchmarkScale(b *testing.B) {
	for _, n := range config.inflight {
		b.Run(fmt.Sprintf("inflight=%d", n), func(b *testing.B) {
			d := config.delayFor(n)
			srv := startServers(b, n, d)
			for _, s := range config.strategies {
				b.Run("strategy="+s, func(b *testing.B) {
					for _, conn := range config.conns {
						b.Run("conn="+conn.String(), func(b *testing.B) {
							runScale(b, srv, scaleCase{strategy: s, conn: conn, n: n, d: d, procs: config.procsFor(n)})
						})
					}
				})
			}
		})
	}
}

// serverGroup is the slow-server group of one level.
type serverGroup struct {
	group   *serverproc.Group
	targets []string
	shared  bool // SO_REUSEPORT: counters not addressable
}

// startServers starts the group for n in flight with delay d; it is
// stopped when b ends.
func startServers(b *testing.B, n int, d time.Duration) *serverGroup {
	b.Helper()
	g, err := serverproc.StartGroup(context.Background(), serverproc.GroupConfig{
		Procs:     config.serversFor(n),
		Args:      []string{"-delay", d.String(), "-max-delay", max(d, 10*time.Minute).String(), "-listeners", fmt.Sprint(config.listenersFor(n))},
		Hosts:     config.hostList(),
		ReusePort: config.reuseport,
		Command:   config.serverCmd,
	})
	if err != nil {
		b.Fatalf("start slow servers: %v", err)
	}
	b.Cleanup(func() {
		if err := g.Stop(); err != nil {
			b.Errorf("stop slow servers: %v", err)
		}
	})
	return &serverGroup{group: g, targets: g.Targets("/"), shared: config.reuseport && config.serversFor(n) > len(g.URLs())}
}

// scaleCase is one sub-benchmark.
type scaleCase struct {
	strategy string
	conn     clients.ConnMode
	n        int // requests per batch, all in flight at once
	d        time.Duration
	procs    int // procs-fanout workers
}

// usesProcs reports whether the strategy runs worker processes.
func (sc scaleCase) usesProcs() bool {
	return strategy.UsesProcs(sc.strategy)
}

// perProc is the concurrency each client process runs at.
func (sc scaleCase) perProc() int {
	if sc.usesProcs() {
		return (sc.n + sc.procs - 1) / sc.procs
	}
	return sc.n
}

// ideal returns the model's wall time for one batch.
func (sc scaleCase) ideal() (time.Duration, error) {
	return harness.Ideal(sc.harnessCase(), harness.Server{Delay: sc.d}, nil)
}

// procsCPU returns the CPU time the processes pids have used so far (at
// 10 ms resolution).
func procsCPU(b *testing.B, pids []int) time.Duration {
	var sum time.Duration
	for _, pid := range pids {
		p, err := usage.ReadProc(pid)
		if err != nil {
			b.Fatalf("server CPU: %v", err)
		}
		sum += p.CPU
	}
	return sum
}

// rlimitNofile returns this process's open-file limit.
func rlimitNofile() (int, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	return int(rl.Cur), nil
}

// checkFDs skips a case whose client processes cannot hold perProc
// connections each under the open-file limit, unless -force.
func checkFDs(b *testing.B, sc scaleCase) {
	limit, err := rlimitNofile()
	if err != nil || config.force {
		return
	}
	if need := sc.perProc() + fdSlack; need > limit {
		b.Skipf("%s keeps %d connections in one process, which needs about %d open files; the limit (RLIMIT_NOFILE) is %d. "+
			"Use procs-fanout with more -procs, or -force to watch it fail", sc.strategy, sc.perProc(), need, limit)
	}
}

// server returns the harness's view of the group: its counters are read
// and reset unless the processes share a URL.
func (g *serverGroup) server(d time.Duration) harness.Server {
	srv := harness.Server{URLs: g.targets, Delay: d}
	if !g.shared {
		srv.Reset, srv.Stats = g.group.Reset, g.group.Stats
	}
	return srv
}

// harnessCase returns sc as a harness.Case: c = the requests per process.
func (sc scaleCase) harnessCase() harness.Case {
	return harness.Case{Strategy: sc.strategy, Conn: sc.conn, N: sc.n, C: sc.perProc(), Procs: sc.procs}
}

// runScale runs one case through the harness (an optional untimed batch,
// then b.Loop batches of n requests), with hooks that sample the client's
// and the servers' resource use.
func runScale(b *testing.B, srv *serverGroup, sc scaleCase) {
	checkFDs(b, sc)
	var (
		base           usage.Usage // the idle process, before the client exists
		pool           *procpool.Pool
		workersBaseRSS int64
		tcp0           tcpExt
		srvCPU0        time.Duration
		smp            *usage.Sampler
		self           usage.Usage
		perWorker      []usage.Usage
		srvCPU         time.Duration
		tcp1           tcpExt
		py             *pyUsage // a py-* client's processes
		pyRSS          int64
		pyCPU          time.Duration
	)
	warmup := harness.NoWarmup
	if config.warmup {
		warmup = harness.WarmBatch
	}
	hooks := harness.Hooks{
		BeforeClient: func(b *testing.B) {
			runtime.GC()
			debug.FreeOSMemory()
			var err error
			if base, err = usage.Now(); err != nil {
				b.Fatalf("baseline usage: %v", err)
			}
		},
		Started: func(b *testing.B, cl clients.Client) {
			var err error
			if py, err = newPyUsage(cl, config.sample); err != nil {
				b.Fatalf("python worker baseline: %v", err)
			}
			pool, _ = cl.(*procpool.Pool)
			if pool == nil {
				return
			}
			for _, pid := range pool.Pids() {
				p, err := usage.ReadProc(pid)
				if err != nil {
					b.Fatalf("worker baseline: %v", err)
				}
				workersBaseRSS += p.RSS
			}
		},
		BeforeLoop: func(b *testing.B) {
			var err error
			if tcp0, err = readTCPExt(); err != nil {
				b.Fatal(err)
			}
			srvCPU0 = procsCPU(b, srv.group.Pids())
			if smp, err = usage.Start(config.sample); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _, _ = smp.Stop() }) // after a failed batch; Stop is idempotent
			if py != nil {
				if err := py.begin(); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _, _, _ = py.end() })
			}
		},
		AfterBatch: func(b *testing.B, cl clients.Client) {
			if pool == nil {
				return
			}
			use := pool.Usage()
			if perWorker == nil {
				perWorker = make([]usage.Usage, len(use))
			}
			for i, u := range use {
				perWorker[i].Max(u)
			}
		},
		AfterLoop: func(b *testing.B) {
			var err error
			if self, err = smp.Stop(); err != nil {
				b.Fatalf("sampling: %v", err)
			}
			if py != nil {
				if pyRSS, pyCPU, err = py.end(); err != nil {
					b.Fatalf("python worker usage: %v", err)
				}
			}
			srvCPU = procsCPU(b, srv.group.Pids()) - srvCPU0
			if tcp1, err = readTCPExt(); err != nil {
				b.Fatal(err)
			}
		},
		Report: func(b *testing.B, total *clients.Result) {
			all := self
			for _, u := range perWorker {
				all.Add(u)
			}
			n := float64(sc.n)
			if py != nil {
				// The Python processes only; goroutines and heap-per-req-B
				// do not exist there and are not reported.
				b.ReportMetric(float64(pyRSS), "rss-B")
				b.ReportMetric(float64(pyRSS-py.baseRSS)/n, "rss-per-req-B")
				b.ReportMetric(float64(py.peakFDs), "fds")
				b.ReportMetric(float64(py.peakThreads), "threads")
				b.ReportMetric(float64(pyCPU.Microseconds())/1000/(float64(total.Requests)/1000), "cpu-ms-per-1k")
				b.ReportMetric(float64(py.procs), "client-procs")
				// What this test binary (harness, histograms) used beside them.
				b.ReportMetric(float64(all.CPU.Microseconds())/1000/(float64(total.Requests)/1000), "harness-cpu-ms-per-1k")
			}
			reportServer := func() {
				b.ReportMetric(float64(srvCPU.Microseconds())/1000/(float64(total.Requests)/1000), "srv-cpu-ms-per-1k")
				b.ReportMetric(float64(tcp1.since(tcp0, listenOverflows)), "listen-overflows")
				b.ReportMetric(float64(tcp1.since(tcp0, synRetrans)), "syn-retrans")
				if n, err := conntrackCount(); err == nil {
					b.ReportMetric(float64(n), "conntrack")
				}
				b.ReportMetric(float64(len(srv.group.Pids())), "srv-procs")
				b.ReportMetric(float64(config.listenersFor(sc.n)), "srv-listeners")
			}
			if py != nil {
				reportServer()
				return
			}
			b.ReportMetric(float64(all.PeakRSS), "rss-B")
			b.ReportMetric(float64(all.PeakRSS-base.PeakRSS-workersBaseRSS)/n, "rss-per-req-B")
			b.ReportMetric(float64(all.PeakHeap-base.PeakHeap)/n, "heap-per-req-B")
			b.ReportMetric(float64(all.PeakGoroutines), "goroutines")
			b.ReportMetric(float64(all.PeakFDs), "fds")
			b.ReportMetric(float64(all.PeakThreads), "threads")
			b.ReportMetric(float64(all.CPU.Microseconds())/1000/(float64(total.Requests)/1000), "cpu-ms-per-1k")
			reportServer()
			b.ReportMetric(float64(all.Procs), "client-procs")
		},
	}
	hooks.Collector = collectorFor(config.breakdown, srv)
	config.runner.Run(b, srv.server(sc.d), sc.harnessCase(), harness.Options{
		Timeout: config.timeoutFor(sc.d), Warmup: warmup, Sample: config.sample,
		// A worker closing 10,000+ keep-alive connections on a busy
		// machine takes seconds.
		StopGrace: time.Minute, Hooks: hooks,
	})
}

// collectorFor returns the overhead breakdown's collector of a case
// against srv when -breakdown is on, and nil (nothing runs) when off.
func collectorFor(on bool, srv *serverGroup) harness.Collector {
	if !on {
		return nil
	}
	co := breakdown.New()
	co.ServerPIDs = srv.group.Pids()
	return co
}
