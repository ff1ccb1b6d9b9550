package procpool

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

func TestStrategiesRunEveryRequest(t *testing.T) {
	const delay = 20 * time.Millisecond
	for _, name := range []string{PoolEvenName, PoolChunkedName, ProcsFanoutName, ProcsFastHTTPName} {
		t.Run(name, func(t *testing.T) {
			srv := newTestServer(t, delay)
			cfg := srv.config(3)
			cfg.Client.Concurrency = 2
			p := startPool(t, context.Background(), name, cfg)
			if p.Name() != name || p.Procs() != 3 || len(p.Pids()) != 3 {
				t.Fatalf("Name %q Procs %d Pids %v", p.Name(), p.Procs(), p.Pids())
			}
			if p.StartupTime() <= 0 {
				t.Errorf("StartupTime = %v, want > 0", p.StartupTime())
			}
			pids := p.Pids()
			for run, n := range []int{10, 7, 2} { // 2 < P: a worker idles
				res, err := p.Run(context.Background(), n)
				if err != nil {
					t.Fatalf("Run %d: %v", run, err)
				}
				checkAllOK(t, res, name, n)
				if res.Latency.Min() < int64(delay) {
					t.Errorf("Run %d: min latency %v, want ≥ the server's %v", run, time.Duration(res.Latency.Min()), delay)
				}
				if res.Wall < delay {
					t.Errorf("Run %d: Wall %v, want ≥ %v", run, res.Wall, delay)
				}
			}
			if got := srv.total.Load(); got != 19 {
				t.Errorf("server saw %d requests, want 19", got)
			}
			if !slices.Equal(p.Pids(), pids) {
				t.Errorf("workers changed across runs: %v then %v", pids, p.Pids())
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			assertReaped(t, pids)
		})
	}
}

func TestConstructorsReturnPools(t *testing.T) {
	srv := newTestServer(t, 0)
	for name, newFn := range map[string]func(context.Context, string, Config) (clients.Client, error){
		PoolEvenName: NewPoolEven, PoolChunkedName: NewPoolChunked, ProcsFanoutName: NewProcsFanout, ProcsFastHTTPName: NewProcsFastHTTP,
	} {
		c, err := newFn(context.Background(), name, srv.config(1))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, ok := c.(*Pool)
		if !ok || p.Name() != name {
			t.Errorf("%s: got %T named %q", name, c, c.Name())
		}
		if err := c.Close(); err != nil {
			t.Errorf("%s: Close: %v", name, err)
		}
	}
}

func TestPoolEvenReachesPInFlight(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv := newTestServer(t, delay)
	p := startPool(t, context.Background(), PoolEvenName, srv.config(4))
	res, err := p.Run(context.Background(), 8)
	if err != nil {
		t.Fatal(err)
	}
	checkAllOK(t, res, PoolEvenName, 8)
	if got := srv.peak.Load(); got != 4 {
		t.Errorf("server peak in flight = %d, want 4 (one per sequential worker)", got)
	}
	if got := p.Chunks(); !slices.Equal(got, []int{1, 1, 1, 1}) {
		t.Errorf("Chunks = %v, want one share per worker", got)
	}
	if res.Wall < 2*delay {
		t.Errorf("Wall = %v, want ≥ 2 × %v (two requests per worker, one at a time)", res.Wall, delay)
	}
	if res.MaxInFlight != 4 {
		t.Errorf("MaxInFlight = %d, want 4", res.MaxInFlight)
	}
}

func TestProcsFanoutReachesPTimesCInFlight(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv := newTestServer(t, delay)
	cfg := srv.config(2)
	cfg.Client.Concurrency = 5
	p := startPool(t, context.Background(), ProcsFanoutName, cfg)
	res, err := p.Run(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	checkAllOK(t, res, ProcsFanoutName, 10)
	if got := srv.peak.Load(); got != 10 {
		t.Errorf("server peak in flight = %d, want 10 (2 workers × 5 goroutines)", got)
	}
	if res.MaxInFlight != 10 {
		t.Errorf("MaxInFlight = %d, want 10", res.MaxInFlight)
	}
}

func TestProcsFanoutConcurrencyCaps(t *testing.T) {
	const delay = 50 * time.Millisecond
	srv := newTestServer(t, delay)
	cfg := srv.config(2)
	cfg.Client.Concurrency = 2
	p := startPool(t, context.Background(), ProcsFanoutName, cfg)
	res, err := p.Run(context.Background(), 12)
	if err != nil {
		t.Fatal(err)
	}
	checkAllOK(t, res, ProcsFanoutName, 12)
	if got := srv.peak.Load(); got > 4 {
		t.Errorf("server peak in flight = %d, want ≤ 4 (2 workers × 2 goroutines)", got)
	}
	if res.Wall < 3*delay {
		t.Errorf("Wall = %v, want ≥ 3 × %v (6 requests per worker, 2 at a time)", res.Wall, delay)
	}
}

func TestPoolChunkedRunsInWaves(t *testing.T) {
	const delay = 20 * time.Millisecond
	srv := newTestServer(t, delay)
	p := startPool(t, context.Background(), PoolChunkedName, srv.config(8))
	res, err := p.Run(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	checkAllOK(t, res, PoolChunkedName, 100)
	chunks := p.Chunks()
	if len(chunks) != 8 || sum(chunks) != 25 {
		t.Errorf("Chunks = %v, want 25 chunks over 8 workers", chunks)
	}
	if got := srv.peak.Load(); got > 8 {
		t.Errorf("server peak in flight = %d, want ≤ 8 sequential workers", got)
	}
	if res.MaxInFlight > 8 {
		t.Errorf("MaxInFlight = %d, want ≤ 8", res.MaxInFlight)
	}
	// 25 chunks of 4 over 8 workers: some worker runs 4 chunks, 16 requests
	// one after the other. (An even split would need only 13.)
	if res.Wall < 16*delay {
		t.Errorf("Wall = %v, want ≥ 16 × %v (4 waves of chunks of 4)", res.Wall, delay)
	}
}

func TestPoolChunkedHandsOutChunksDynamically(t *testing.T) {
	// The first connection opened is served 50 times slower. In warm mode a
	// sequential worker keeps one connection, so one worker is slow: handed
	// out dynamically, the chunks go to the other workers while it grinds
	// through its first chunk. A static split would give every worker at
	// least 3 of the 25 chunks.
	const delay, slow = 10 * time.Millisecond, 500 * time.Millisecond
	srv := newSlowConnServer(t, delay, 1, slow)
	p := startPool(t, context.Background(), PoolChunkedName, srv.config(8))
	res, err := p.Run(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	checkAllOK(t, res, PoolChunkedName, 100)
	chunks := p.Chunks()
	if sum(chunks) != 25 {
		t.Fatalf("Chunks = %v, want 25 in all", chunks)
	}
	if slices.Min(chunks) > 2 || slices.Max(chunks) < 4 {
		t.Errorf("Chunks = %v: want the slow worker to run at most 2 chunks and others to take over (≥ 4)", chunks)
	}
	if res.Max() < slow {
		t.Errorf("max latency %v: the slow connection (%v) was not used", res.Max(), slow)
	}
}

func TestColdOpensAConnectionPerRequest(t *testing.T) {
	for _, name := range []string{PoolEvenName, PoolChunkedName, ProcsFanoutName, ProcsFastHTTPName} {
		t.Run(name, func(t *testing.T) {
			srv := newTestServer(t, 5*time.Millisecond)
			cfg := srv.config(2)
			cfg.Client.Conn = clients.Cold
			p := startPool(t, context.Background(), name, cfg)
			for range 2 {
				res, err := p.Run(context.Background(), 6)
				if err != nil {
					t.Fatal(err)
				}
				checkAllOK(t, res, name, 6)
			}
			if got := srv.newConns.Load(); got != 12 {
				t.Errorf("server saw %d new connections, want 12 (one per request)", got)
			}
		})
	}
}

func TestWarmKeepsConnectionsAcrossBatches(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     int
		conns int64
	}{
		{PoolEvenName, 0, 2},
		{PoolChunkedName, 0, 2},
		{ProcsFanoutName, 3, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, 20*time.Millisecond)
			cfg := srv.config(2)
			cfg.Client.Concurrency = tc.c
			p := startPool(t, context.Background(), tc.name, cfg)
			for range 3 {
				res, err := p.Run(context.Background(), 6)
				if err != nil {
					t.Fatal(err)
				}
				checkAllOK(t, res, tc.name, 6)
			}
			if got := srv.newConns.Load(); got != tc.conns {
				t.Errorf("server saw %d new connections over 3 batches, want %d (kept alive across batches)", got, tc.conns)
			}
		})
	}
}

func TestStartupFailuresNameTheWorker(t *testing.T) {
	srv := newTestServer(t, 0)
	for _, tc := range []struct {
		name    string
		command []string
		want    string
	}{
		{"crash", script(`kill -9 $$`), "killed by SIGKILL before it was ready"},
		{"exit", script(`echo boom >&2; exit 3`), `exited with status 3 before it was ready; stderr: "boom\n"`},
		{"garbage", script(`echo garbage`), "bad message: decode: invalid character 'g'"},
		{"truncated", script(`printf '{"v":1,"type":"rea'`), "truncated message"},
		{"error", script(`read -r h; echo '{"v":1,"type":"error","error":"no config"}'`), "reported an error: no config"},
		{"wrong type", script(`read -r h; echo '{"v":1,"type":"stop"}'`), "sent a stop message, want ready"},
		{"unknown field", script(`read -r h; echo '{"v":1,"type":"ready","extra":1}'`), `unknown field "extra"`},
		{"old version", script(`read -r h; echo '{"v":0,"type":"ready"}'`), "version 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := srv.config(2)
			cfg.Command = tc.command
			p, err := Start(context.Background(), PoolEvenName, cfg)
			if err == nil {
				p.Close()
				t.Fatal("Start succeeded")
			}
			if !regexp.MustCompile(`^pool-even: worker [01] \(pid \d+\): `).MatchString(err.Error()) {
				t.Errorf("error %q does not name the worker", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			assertReaped(t, nil)
		})
	}
	t.Run("no such program", func(t *testing.T) {
		cfg := srv.config(2)
		cfg.Command = []string{"/nonexistent/worker"}
		_, err := Start(context.Background(), PoolChunkedName, cfg)
		if err == nil || !strings.Contains(err.Error(), `pool-chunked: worker 0: start "/nonexistent/worker"`) {
			t.Errorf("Start = %v, want a start error naming worker 0", err)
		}
		assertReaped(t, nil)
	})
}

// resultLine encodes a result message for batch seq with an empty result
// of the given strategy.
func resultLine(t *testing.T, seq uint64, strategy string) string {
	t.Helper()
	b, err := EncodeMessage(&Message{V: ProtocolVersion, Type: ResultMsg, Seq: seq, Result: clients.NewResult(strategy)})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// misnumberedLine is a worker's result line for a batch of n that is
// well-formed but numbered its requests from index first.
func misnumberedLine(t *testing.T, n int, first int64) string {
	t.Helper()
	res := clients.NewResult(WorkerSequential)
	res.Requests, res.OK, res.Codes[200], res.FirstIndex = int64(n), int64(n), int64(n), first
	for range n {
		if err := res.Latency.RecordValue(int64(time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := EncodeMessage(&Message{V: ProtocolVersion, Type: ResultMsg, Seq: 1, Result: res})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func TestBatchFailuresNameTheWorker(t *testing.T) {
	srv := newTestServer(t, 0)
	for _, tc := range []struct {
		name   string
		action string
		want   string
	}{
		{"crash", `kill -9 $$`, "killed by SIGKILL before reporting"},
		{"exit", `echo oops >&2; exit 3`, `exited with status 3 before reporting; stderr: "oops\n"`},
		{"closed stdout", `exec >&-; exec sleep 60`, "closed its stdout before reporting but was still running"},
		{"garbage", `echo garbage`, "bad message: decode: invalid character 'g'"},
		{"truncated", `printf '{"v":1,"type":"result","seq":1,"res'`, "truncated message"},
		{"wrong batch", `echo '` + resultLine(t, 7, "sequential") + `'`, "sent the result of batch 7, want batch 1"},
		{"short result", `echo '` + resultLine(t, 1, "sequential") + `'`, "reported 0 requests for a batch of 5"},
		{"error", `echo '{"v":1,"type":"error","error":"disk full"}'; exit 1`, "reported an error: disk full"},
		{"misnumbered", `echo '` + misnumberedLine(t, 5, 9) + `'`, "numbered its requests from index 9, want 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := srv.config(1)
			cfg.Command = handshakeThen(tc.action)
			p := startPool(t, context.Background(), PoolEvenName, cfg)
			pids := p.Pids()
			_, err := p.Run(context.Background(), 5)
			if err == nil {
				t.Fatal("Run succeeded")
			}
			prefix := fmt.Sprintf("pool-even: worker 0 (pid %d): ", pids[0])
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error %q does not start with %q", err, prefix)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if _, err2 := p.Run(context.Background(), 5); err2 == nil || !strings.Contains(err2.Error(), "unusable") {
				t.Errorf("second Run = %v, want an unusable-pool error", err2)
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close after a failure: %v", err)
			}
			assertReaped(t, pids)
		})
	}
}

func TestOneFailingWorkerAbortsTheBatch(t *testing.T) {
	// Two workers: one exits at once on its work, the other sleeps. Run
	// must not wait for the sleeper.
	srv := newTestServer(t, 0)
	cfg := srv.config(2)
	cfg.Command = handshakeThen(`if mkdir "$LOCKDIR/first" 2>/dev/null; then exit 3; else exec sleep 60; fi`)
	cfg.Env = []string{"LOCKDIR=" + t.TempDir()}
	p := startPool(t, context.Background(), PoolEvenName, cfg)
	pids := p.Pids()
	start := time.Now()
	_, err := p.Run(context.Background(), 4)
	if err == nil || !strings.Contains(err.Error(), "exited with status 3 before reporting") {
		t.Fatalf("Run = %v, want a worker's exit status 3", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Run took %v: it waited for the sleeping worker", d)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertReaped(t, pids)
}

func TestCancelMidBatchCountsCanceled(t *testing.T) {
	for _, name := range []string{PoolEvenName, PoolChunkedName, ProcsFanoutName, ProcsFastHTTPName} {
		t.Run(name, func(t *testing.T) {
			const delay = 200 * time.Millisecond
			srv := newTestServer(t, delay)
			cfg := srv.config(2)
			cfg.Client.Concurrency = 1
			p := startPool(t, context.Background(), name, cfg)
			pids := p.Pids()
			ctx, cancel := context.WithTimeout(context.Background(), 3*delay/2)
			defer cancel()
			const n = 40
			res, err := p.Run(ctx, n)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if err := res.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			canceled := res.Errors[clients.Canceled]
			if res.Requests != n || canceled == 0 || res.OK+canceled != n || res.OK == n {
				t.Errorf("requests %d ok %d canceled %d: want %d requests, some canceled, the rest ok: %v", res.Requests, res.OK, canceled, n, res)
			}
			if res.NotIssued == 0 {
				t.Errorf("NotIssued = 0, want the requests never started")
			}
			// The workers reported: the pool is still usable.
			again, err := p.Run(context.Background(), 2)
			if err != nil {
				t.Fatalf("Run after cancel: %v", err)
			}
			checkAllOK(t, again, name, 2)
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			assertReaped(t, pids)
		})
	}
}

func TestCancelAlreadyDone(t *testing.T) {
	srv := newTestServer(t, 0)
	p := startPool(t, context.Background(), PoolChunkedName, srv.config(2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := p.Run(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Check(); err != nil {
		t.Fatal(err)
	}
	if res.NotIssued != 9 || res.Errors[clients.Canceled] != 9 || srv.total.Load() != 0 {
		t.Errorf("not issued %d canceled %d server %d: want all 9 canceled before dispatch", res.NotIssued, res.Errors[clients.Canceled], srv.total.Load())
	}
}

func TestWorkerIgnoringCancelIsKilled(t *testing.T) {
	srv := newTestServer(t, 0)
	cfg := srv.config(1)
	cfg.Command = handshakeThen(`exec sleep 60`)
	p := startPool(t, context.Background(), PoolEvenName, cfg)
	p.graceDur = 200 * time.Millisecond
	pids := p.Pids()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, err := p.Run(ctx, 5)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := res.Check(); err != nil {
		t.Fatal(err)
	}
	if res.Errors[clients.Canceled] != 5 || res.NotIssued != 5 {
		t.Errorf("canceled %d not issued %d, want the whole unreported batch: %v", res.Errors[clients.Canceled], res.NotIssued, res)
	}
	if !strings.Contains(res.Samples[clients.Canceled], "killed") {
		t.Errorf("canceled sample %q does not say the worker was killed", res.Samples[clients.Canceled])
	}
	if _, err := p.Run(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "worker 0 (pid") {
		t.Errorf("Run after the kill = %v, want an unusable-pool error naming the worker", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertReaped(t, pids)
}

func TestNewContextEndKillsWorkers(t *testing.T) {
	srv := newTestServer(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	p := startPool(t, ctx, PoolEvenName, srv.config(3))
	pids := p.Pids()
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for len(p.Pids()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := p.Pids(); len(got) > 0 {
		t.Fatalf("workers %v still alive after the pool's context ended", got)
	}
	if _, err := p.Run(context.Background(), 3); err == nil || !strings.Contains(err.Error(), "context") {
		t.Errorf("Run = %v, want an error about the ended context", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertReaped(t, pids)
}

func TestStartHonoursContext(t *testing.T) {
	srv := newTestServer(t, 0)
	cfg := srv.config(2)
	cfg.Command = script(`exec sleep 60`) // never ready
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, PoolEvenName, cfg)
	// The worker is named, and the deadline given either as the reason to
	// stop waiting or as the reason the pool killed it.
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") ||
		!regexp.MustCompile(`^pool-even: worker [01] \(pid \d+\): `).MatchString(err.Error()) {
		t.Errorf("Start = %v, want a ready timeout naming the worker", err)
	}
	assertReaped(t, nil)

	if _, err := Start(ctx, PoolEvenName, srv.config(1)); err == nil {
		t.Errorf("Start with an ended context succeeded")
	}
	assertReaped(t, nil)
}

func TestCloseIsIdempotent(t *testing.T) {
	srv := newTestServer(t, 0)
	p := startPool(t, context.Background(), ProcsFanoutName, srv.config(2))
	pids := p.Pids()
	if _, err := p.Run(context.Background(), 4); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := p.Close(); err != nil {
			t.Errorf("Close %d: %v", i, err)
		}
	}
	if got := p.Pids(); len(got) != 0 {
		t.Errorf("Pids after Close = %v", got)
	}
	if _, err := p.Run(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Run after Close = %v, want a closed-pool error", err)
	}
	assertReaped(t, pids)
}

func TestCloseDuringRun(t *testing.T) {
	srv := newTestServer(t, 10*time.Second)
	p := startPool(t, context.Background(), PoolEvenName, srv.config(2))
	pids := p.Pids()
	errc := make(chan error, 1)
	go func() {
		_, err := p.Run(context.Background(), 4)
		errc <- err
	}()
	for srv.inflight.Load() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-errc; err == nil || !strings.Contains(err.Error(), "pool closed") {
		t.Errorf("Run = %v, want a pool-closed error", err)
	}
	assertReaped(t, pids)
}

func TestCloseReportsCrashedIdleWorker(t *testing.T) {
	srv := newTestServer(t, 0)
	p := startPool(t, context.Background(), PoolEvenName, srv.config(2))
	pids := p.Pids()
	if err := syscall.Kill(pids[1], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for len(p.Pids()) > 1 {
		time.Sleep(5 * time.Millisecond)
	}
	err := p.Close()
	want := fmt.Sprintf("pool-even: worker 1 (pid %d): killed by SIGKILL", pids[1])
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Close = %v, want %q", err, want)
	}
	assertReaped(t, pids)
}

func TestBadConfigNamesTheField(t *testing.T) {
	srv := newTestServer(t, 0)
	for _, tc := range []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"procs 0", func(c *Config) { c.Procs = 0 }, "pool-chunked: procs: 0: want 1 to 256"},
		{"procs 1000", func(c *Config) { c.Procs = 1000 }, "pool-chunked: procs: 1000: want 1 to 256"},
		{"procs negative", func(c *Config) { c.Procs = -1 }, "procs: -1"},
		{"no targets", func(c *Config) { c.Client.Targets = nil }, "pool-chunked: targets: need at least one URL"},
		{"bad target", func(c *Config) { c.Client.Targets = []string{"ftp://x/"} }, "targets[0]"},
		{"concurrency", func(c *Config) { c.Client.Concurrency = -1 }, "concurrency: -1"},
		{"timeout", func(c *Config) { c.Client.Timeout = -time.Second }, "timeout: -1s"},
		{"empty command", func(c *Config) { c.Command = []string{} }, "command: []"},
		{"blank program", func(c *Config) { c.Command = []string{""} }, "command"},
		{"env", func(c *Config) { c.Env = []string{"A=1", "oops"} }, `env[1] "oops": want KEY=VALUE`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := srv.config(2)
			tc.modify(&cfg)
			c, err := NewPoolChunked(context.Background(), PoolChunkedName, cfg)
			if err == nil {
				c.Close()
				t.Fatal("accepted")
			}
			if c != nil {
				t.Errorf("returned a non-nil client %v with the error", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			assertReaped(t, nil)
		})
	}
	p := startPool(t, context.Background(), PoolEvenName, srv.config(1))
	for _, n := range []int{0, -3, MaxWork + 1} {
		if _, err := p.Run(context.Background(), n); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("pool-even: n: %d", n)) {
			t.Errorf("Run(%d) = %v, want an error naming n", n, err)
		}
	}
}

func TestOrphanedWorkersDie(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), orphanParentEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("read the parent's worker pids: %v", err)
	}
	var pids []int
	if err := json.Unmarshal([]byte(line), &pids); err != nil || len(pids) != 2 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("worker pids %q: %v", line, err)
	}
	for _, pid := range pids {
		if !running(pid) {
			t.Fatalf("worker %d not running before the parent died", pid)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("parent exited cleanly, want killed")
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for running(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if running(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("worker %d outlived its killed parent", pid)
		}
	}
}

func TestMergedResultRoundTrips(t *testing.T) {
	// A pool's result survives its own wire encoding: what a nested pool
	// (or the bench's result files) would send on.
	srv := newTestServer(t, 5*time.Millisecond)
	p := startPool(t, context.Background(), PoolChunkedName, srv.config(3))
	res, err := p.Run(context.Background(), 30)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back clients.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Latency.Equals(res.Latency) || back.OK != 30 {
		t.Errorf("round trip changed the result: %v vs %v", &back, res)
	}
}
