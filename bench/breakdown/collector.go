package breakdown

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/internal/monoclock"
	"github.com/crawlbench/crawlbench/servers"
)

// The metrics a Collector reports; the parts (Parts) add up, with the
// residual, to ExcessMetric.
const (
	ExcessMetric     = "excess-ns"
	HarnessMetric    = "bd-harness-ns"
	IPCMetric        = "bd-ipc-ns"
	ConnectMetric    = "bd-connect-ns"
	SendMetric       = "bd-client-send-ns"
	ArrivalMetric    = "bd-arrival-ns"
	ServerPreMetric  = "bd-server-pre-ns"
	TimerLateMetric  = "bd-timer-late-ns"
	ServerPostMetric = "bd-server-post-ns"
	ReturnMetric     = "bd-return-ns"
	ReadMetric       = "bd-client-read-ns"
	GapMetric        = "bd-client-gap-ns"
	ResidualMetric   = "bd-residual-ns"

	CPUPathMetric      = "bd-cpu-path-ns"
	GCMetric           = "bd-gc-ns"
	ClientCPUMetric    = "bd-client-cpu-ns"
	ClientSysMetric    = "bd-client-sys-ns"
	ServerCPUMetric    = "bd-server-cpu-ns"
	WorkerCPUMetric    = "bd-worker-cpu-ns"
	SchedMetric        = "bd-sched-ns"
	GoSchedMetric      = "bd-go-sched-ns"
	IPCTotalMetric     = "bd-ipc-total-ns"
	TimerLateMaxMetric = "bd-timer-late-max-ns"
	LateMeanMetric     = "bd-timer-late-mean-ns"
	HandlerMeanMetric  = "bd-handler-mean-ns"
	BurstsMetric       = "bd-bursts"
	WavesMetric        = "bd-client-waves"
	WriteMetric        = "bd-client-write-ns"
)

// Parts are the metrics that, with ResidualMetric, add up to
// ExcessMetric, in the order a stacked bar draws them (a batch's
// timeline; IPC spans both of its ends).
func Parts() []string {
	return []string{HarnessMetric, ConnectMetric, SendMetric, ArrivalMetric, ServerPreMetric, TimerLateMetric,
		ServerPostMetric, ReturnMetric, GapMetric, IPCMetric, ReadMetric}
}

// Metrics are every metric a Collector reports.
func Metrics() []string {
	return append(append([]string{ExcessMetric}, Parts()...), ResidualMetric, CPUPathMetric, GCMetric,
		ClientCPUMetric, ClientSysMetric, ServerCPUMetric, WorkerCPUMetric, SchedMetric, GoSchedMetric, IPCTotalMetric, TimerLateMaxMetric,
		LateMeanMetric, HandlerMeanMetric, BurstsMetric, WavesMetric, WriteMetric)
}

// connectProbes is how many loopback connects a cold case's probe times.
const connectProbes = 15

// Collector is the harness.Collector of the overhead breakdown; use one
// per case (New).
type Collector struct {
	// ServerPIDs, if set, are the server processes (a group); otherwise the
	// pid the server's /_stats names.
	ServerPIDs []int

	c       harness.Case
	srv     harness.Server
	cl      clients.Client
	workers []int
	connect time.Duration // probed connect time (cold cases)
	waves   int           // the sleeps in a row on a batch's slowest lane
	lanes   int           // requests the strategy keeps in flight
	t0, t1  snapshot
	batches int           // seen by Batch
	wall    time.Duration // their Result.Wall added up
	err     error         // the first failure; Report then reports it instead

	clock    monoclock.Clock
	trace    *batchTrace
	stamps   stamps            // RunBatch's, over the timed batches
	ring     *servers.BurstLog // the server's bursts of the timed batches (nil: not read)
	ringErr  error             // why not, if it was to be read
	slowRead time.Duration     // tests only: sleep after each batch's Run
	slowGap  time.Duration     // tests only: sleep after each wave's end
}

// New returns a Collector for one case.
func New() *Collector { return &Collector{} }

// snapshot is every counter at one instant.
type snapshot struct {
	user, sys time.Duration // this process's CPU
	self      usage.Sched   // this process's threads
	server    usage.Sched
	workers   usage.Sched
	rt        runtimeSample
	stats     servers.Stats
	ipc       procpool.IPCStats
}

var (
	_ harness.Collector     = (*Collector)(nil)
	_ harness.BatchObserver = (*Collector)(nil)
	_ harness.BatchRunner   = (*Collector)(nil)
)

// Start finds the processes to watch and takes the first snapshot.
func (co *Collector) Start(b *testing.B, c harness.Case, cl clients.Client, srv harness.Server) {
	co.c, co.cl, co.srv = c, cl, srv
	ctx := b.Context()
	clock, err := monoclock.New()
	if err != nil {
		co.fail(fmt.Errorf("breakdown: %w", err))
	}
	co.clock, co.trace = clock, newBatchTrace(clock)
	co.trace.slowGap = co.slowGap
	p, err := c.Params(srv)
	if err != nil {
		co.fail(fmt.Errorf("breakdown: model: %w", err))
	}
	lanes, err := model.Lanes(p)
	if err != nil {
		co.fail(fmt.Errorf("breakdown: model: %w", err))
	}
	co.waves = (c.N + max(1, lanes) - 1) / max(1, lanes)
	co.lanes = max(1, lanes)
	if len(co.ServerPIDs) == 0 && srv.Stats != nil {
		st, err := srv.Stats(ctx)
		if err != nil {
			co.fail(fmt.Errorf("breakdown: server stats: %w", err))
		} else if st.PID > 0 {
			co.ServerPIDs = []int{st.PID}
		}
	}
	if p, ok := cl.(interface{ Pids() []int }); ok {
		co.workers = p.Pids()
	}
	if c.Conn == clients.Cold {
		d, err := probeConnect(ctx)
		if err != nil {
			co.fail(err)
		}
		co.connect = d
	}
	co.t0 = co.snap(ctx)
}

// Batch notes a timed batch's wall time.
func (co *Collector) Batch(res *clients.Result) {
	co.batches++
	co.wall += res.Wall
}

// Stop takes the last snapshot. A server counts a burst when its last
// handler returns, which can be a moment after the client has read the
// last response: if the last batch's bursts are missing, Stop reads the
// server's counters again, a few times.
func (co *Collector) Stop(b *testing.B) {
	ctx := b.Context()
	co.t1 = co.snap(ctx)
	defer func() {
		if co.srv.Bursts != nil && len(co.ServerPIDs) <= 1 && len(co.stamps.per) > 0 {
			co.ring, co.ringErr = co.fetchRing(ctx)
		}
	}()
	want := int64(co.stamps.n) * int64(max(1, len(co.ServerPIDs)))
	if len(co.ServerPIDs) <= 1 && co.stamps.nWaved == co.stamps.n {
		want = max(want, co.stamps.waves) // a burst per wave
	}
	for range 10 {
		got := co.t1.stats.Bursts - co.t0.stats.Bursts
		if co.srv.Stats == nil || got == 0 || got >= want {
			return
		}
		time.Sleep(time.Millisecond)
		st, err := co.srv.Stats(ctx)
		if err != nil {
			co.fail(fmt.Errorf("breakdown: server stats: %w", err))
			return
		}
		co.t1.stats = st
	}
}

func (co *Collector) fail(err error) {
	if co.err == nil {
		co.err = err
	}
}

// snap reads every counter; failures are kept for Report.
func (co *Collector) snap(ctx context.Context) snapshot {
	var s snapshot
	var err error
	if s.user, s.sys, err = selfRusage(); err != nil {
		co.fail(err)
	}
	s.rt = readRuntime()
	if s.self, err = usage.ReadSched(os.Getpid()); err != nil {
		co.fail(err)
	}
	if s.server, err = usage.SumSched(co.ServerPIDs); err != nil {
		co.fail(err)
	}
	if s.workers, err = usage.SumSched(co.workers); err != nil {
		co.fail(err)
	}
	if p, ok := co.cl.(interface{ IPC() procpool.IPCStats }); ok {
		s.ipc = p.IPC()
	}
	if co.srv.Stats != nil {
		if s.stats, err = co.srv.Stats(ctx); err != nil {
			co.fail(fmt.Errorf("breakdown: server stats: %w", err))
		}
	}
	return s
}

// Breakdown is one case's breakdown per batch.
type Breakdown struct {
	Excess time.Duration            // measured − ideal
	Parts  map[string]time.Duration // the critical-path parts (Parts)
	Diag   map[string]time.Duration // the other metrics, not in the sum
	Bursts float64                  // the server's bursts per batch and process
	Waves  float64                  // the client's waves per batch (0: not all traced)
}

// Residual is Excess minus the parts: what they do not explain (negative
// when they overlap).
func (bd Breakdown) Residual() time.Duration {
	r := bd.Excess
	for _, v := range bd.Parts {
		r -= v
	}
	return r
}

// Report reports the breakdown of the timed loop's b.N batches.
func (co *Collector) Report(b *testing.B, total *clients.Result, ideal time.Duration) {
	if co.err != nil {
		b.Errorf("breakdown: %v", co.err)
		return
	}
	bd, err := co.compute(b.N, b.Elapsed(), ideal)
	if err != nil {
		b.Errorf("breakdown: %v", err)
		return
	}
	if co.ringErr != nil && bd.Parts[SendMetric] == 0 && bd.Parts[ReturnMetric] == 0 {
		b.Logf("breakdown: the client's side is not placed (left in the residual): %v", co.ringErr)
	}
	b.ReportMetric(float64(bd.Excess), ExcessMetric)
	for _, name := range Parts() {
		b.ReportMetric(float64(bd.Parts[name]), name)
	}
	b.ReportMetric(float64(bd.Residual()), ResidualMetric)
	for name, v := range bd.Diag {
		b.ReportMetric(float64(v), name)
	}
	b.ReportMetric(bd.Bursts, BurstsMetric)
	b.ReportMetric(bd.Waves, WavesMetric)
}

// compute returns the breakdown per batch of batches batches that took
// elapsed in all, each ideally ideal.
func (co *Collector) compute(batches int, elapsed, ideal time.Duration) (Breakdown, error) {
	if batches < 1 || co.batches != batches {
		return Breakdown{}, fmt.Errorf("%d batches timed, %d seen", batches, co.batches)
	}
	n := time.Duration(batches)
	t0, t1 := co.t0, co.t1

	user, sys := (t1.user-t0.user)/n, (t1.sys-t0.sys)/n
	server := t1.server.Sub(t0.server)
	workers := t1.workers.Sub(t0.workers)
	self := t1.self.Sub(t0.self)
	serverCPU, workerCPU := server.Run/n, workers.Run/n

	// The server's bursts, per batch and server process (a group's
	// processes serve their shares of a batch side by side).
	g := time.Duration(max(1, len(co.ServerPIDs)))
	st := func(f func(servers.Stats) int64) time.Duration {
		return time.Duration(f(t1.stats)-f(t0.stats)) / n / g
	}
	arrival := st(func(s servers.Stats) int64 { return s.BurstArrivalNS })
	pre := st(func(s servers.Stats) int64 { return s.BurstPreNS })
	delay := st(func(s servers.Stats) int64 { return s.BurstDelayNS })
	late := st(func(s servers.Stats) int64 { return s.BurstLateNS })
	post := st(func(s servers.Stats) int64 { return s.BurstPostNS })
	bursts := float64(t1.stats.Bursts-t0.stats.Bursts) / float64(batches) / float64(g)
	var lateMean, handlerMean time.Duration
	if w := t1.stats.TimerWakes - t0.stats.TimerWakes; w > 0 {
		lateMean = time.Duration((t1.stats.TimerLateNS - t0.stats.TimerLateNS) / w)
		handlerMean = time.Duration((t1.stats.PreTimerNS - t0.stats.PreTimerNS + t1.stats.PostTimerNS - t0.stats.PostTimerNS) / w)
	}
	var connect time.Duration
	if co.c.Conn == clients.Cold {
		// The first connect of each burst comes before the server sees it.
		connect = time.Duration(float64(co.connect) * max(1, bursts))
	}
	// The client's side, placed against the bursts: it contains the probed
	// connect (before the first arrival) and the pipe time (both ends).
	harnessPart, ipc := max(0, elapsed/n-co.wall/n), max(0, (t1.ipc.Path-t0.ipc.Path)/n)
	var tl timeline
	if co.stamps.wall > 0 { // RunBatch timed the batches
		harnessPart = max(0, elapsed/n-co.stamps.wall/n)
		var ok bool
		nb, first, span := t1.stats.Bursts-t0.stats.Bursts,
			t1.stats.BurstFirstMonoNS-t0.stats.BurstFirstMonoNS, t1.stats.BurstSpanNS-t0.stats.BurstSpanNS
		tl, ok = co.stamps.tile(batches, int(g), nb, first, span)
		if !ok && g == 1 { // several bursts a batch: one per client wave?
			tl, ok = co.stamps.tileWaves(batches, nb, first, span)
		}
		if ok {
			tl.send -= connect
			tl.takeIPC(ipc)
		} else if rt, rok := co.placeRing(batches); rok { // several: each burst placed
			tl, arrival, pre, delay, late, post, bursts = rt.tl, rt.arrival, rt.pre, rt.delay, rt.late, rt.post, rt.bursts
			if co.c.Conn == clients.Cold {
				connect = time.Duration(float64(co.connect) * max(1, bursts))
				tl.takeConnect(co.connect, connect)
			}
			ipc = tl.takeIPCPlaced(ipc)
		}
	}
	cores := time.Duration(max(1, min(runtime.NumCPU(), co.lanes)))
	bd := Breakdown{
		Excess: elapsed/n - ideal,
		Parts: map[string]time.Duration{
			HarnessMetric: harnessPart,
			IPCMetric:     ipc,
			ConnectMetric: max(0, connect),
			SendMetric:    tl.send,
			ReturnMetric:  tl.ret,
			ReadMetric:    tl.read,
			GapMetric:     tl.gap,
			// The delays beyond the ideal's (more bursts than waves, or
			// waves inside one burst) are time the last request arrived late.
			ArrivalMetric:    max(0, arrival+delay-ideal),
			ServerPreMetric:  max(0, pre),
			TimerLateMetric:  max(0, late),
			ServerPostMetric: max(0, post),
		},
		Diag: map[string]time.Duration{
			CPUPathMetric:      max(0, (user+sys+serverCPU+workerCPU)/cores),
			GCMetric:           max(0, t1.rt.since(t0.rt, 1)/n),
			ClientCPUMetric:    max(0, user+sys),
			ClientSysMetric:    max(0, sys),
			ServerCPUMetric:    max(0, serverCPU),
			WorkerCPUMetric:    max(0, workerCPU),
			SchedMetric:        max(0, (self.Wait+server.Wait+workers.Wait)/n),
			GoSchedMetric:      max(0, t1.rt.since(t0.rt, 0)/n),
			IPCTotalMetric:     max(0, (t1.ipc.Total-t0.ipc.Total)/n),
			TimerLateMaxMetric: max(0, time.Duration(t1.stats.TimerLateMaxNS)),
			LateMeanMetric:     max(0, lateMean),
			HandlerMeanMetric:  max(0, handlerMean),
			WriteMetric:        tl.write,
		},
		Bursts: bursts,
	}
	if co.stamps.nWaved == batches {
		bd.Waves = float64(co.stamps.waves) / float64(batches)
	}
	return bd, nil
}

// probeConnect returns the median time of connectProbes loopback TCP
// connects, each closed at once, to a listener of this process (not the
// server, whose counters would see them).
func probeConnect(ctx context.Context) (time.Duration, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("breakdown: connect probe: %w", err)
	}
	defer ln.Close()
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	var d net.Dialer
	times := make([]time.Duration, 0, connectProbes)
	for range connectProbes {
		start := time.Now()
		c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
		if err != nil {
			return 0, fmt.Errorf("breakdown: connect probe: %w", err)
		}
		times = append(times, time.Since(start))
		_ = c.Close()
	}
	_ = ln.Close()
	<-accepted
	slices.Sort(times)
	return times[len(times)/2], nil
}
