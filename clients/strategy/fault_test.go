package strategy_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// faultProcs is P for the worker strategies in fault tests.
const faultProcs = 2

// startStrategy builds strategy name for cfg (P = faultProcs) and closes it
// when the test ends, failing the test if Close reports an error.
func startStrategy(t *testing.T, name string, cfg clients.Config) clients.Client {
	t.Helper()
	c, err := strategy.New(context.Background(), name, strategy.Options{Client: cfg, Procs: faultProcs})
	if err != nil {
		t.Fatalf("new %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	})
	return c
}

// runChecked runs a batch of n and checks that no request went missing.
func runChecked(t *testing.T, c clients.Client, ctx context.Context, n int) *clients.Result {
	t.Helper()
	res, err := c.Run(ctx, n)
	if err != nil {
		t.Fatalf("%s: Run: %v", c.Name(), err)
	}
	if err := res.Check(); err != nil {
		t.Fatalf("%s: Check: %v (%v)", c.Name(), err, res)
	}
	if res.Requests != int64(n) || res.OK+res.Failed() != int64(n) {
		t.Fatalf("%s: %d requests, %d ok + %d failed; want %d accounted for: %v", c.Name(), res.Requests, res.OK, res.Failed(), n, res)
	}
	if res.Strategy != c.Name() {
		t.Errorf("Strategy = %q, want %q", res.Strategy, c.Name())
	}
	return res
}

// wantKinds fails unless res counts exactly the failures in want (kinds not
// named must be 0) and ok successes, and Err() names every kind.
func wantKinds(t *testing.T, res *clients.Result, ok int64, want map[clients.ErrorKind]int64) {
	t.Helper()
	for _, k := range clients.ErrorKinds() {
		if res.Errors[k] != want[k] {
			t.Errorf("%s=%d, want %d: %v", k, res.Errors[k], want[k], res)
		}
	}
	if res.OK != ok {
		t.Errorf("ok %d, want %d: %v", res.OK, ok, res)
	}
	err := res.Err()
	for k, n := range want {
		if n > 0 && (err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s=%d", k, n))) {
			t.Errorf("Err() = %v, want it to count %s=%d", err, k, n)
		}
	}
}

// refusedURL returns a loopback URL nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/"
	l.Close()
	return u
}

// waitServer polls srv's stats until cond holds or a generous bound
// passes, and returns the last stats.
func waitServer(srv *servertest.Server, cond func(servers.Stats) bool) servers.Stats {
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := srv.Stats()
		if cond(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// killOnCleanup kills srv when the test ends, before servertest's own
// cleanup waits for its handlers: a stalled request then ends at once.
func killOnCleanup(t *testing.T, srv *servertest.Server) {
	t.Cleanup(srv.Kill)
}

// TestFaultsEveryStrategy runs every strategy, warm and cold, against every
// server fault and checks that each request is counted once, by kind.
func TestFaultsEveryStrategy(t *testing.T) {
	const n = 6
	const seed = 9
	const timeout = 250 * time.Millisecond
	failWant := int64(0)
	for i := range n {
		if servers.DrawFault(seed, uint64(i), 0.5, 0, 0) == servers.FaultFail {
			failWant++
		}
	}
	if failWant == 0 || failWant == n {
		t.Fatalf("seed %d fails %d of %d requests: pick a seed that fails some", seed, failWant, n)
	}
	faults := []struct {
		name string
		run  func(t *testing.T, name string, conn clients.ConnMode)
	}{
		{"refused", func(t *testing.T, name string, conn clients.ConnMode) {
			c := startStrategy(t, name, clients.Config{Targets: []string{refusedURL(t)}, Conn: conn, Concurrency: 2})
			res := runChecked(t, c, context.Background(), n)
			wantKinds(t, res, 0, map[clients.ErrorKind]int64{clients.Refused: n})
			if res.Latency.TotalCount() != n {
				t.Errorf("%d latencies, want %d", res.Latency.TotalCount(), n)
			}
		}},
		{"fail=0.5", func(t *testing.T, name string, conn clients.ConnMode) {
			srv := servertest.Start(t, servers.Config{Seed: seed, Delay: time.Millisecond})
			c := startStrategy(t, name, clients.Config{Targets: []string{srv.URL + "?fail=0.5"}, Conn: conn, Concurrency: 2})
			res := runChecked(t, c, context.Background(), n)
			wantKinds(t, res, n-failWant, map[clients.ErrorKind]int64{clients.Status: failWant})
			if res.Codes[500] != failWant || res.Codes[200] != n-failWant {
				t.Errorf("codes %v, want %d×500 and %d×200", res.Codes, failWant, n-failWant)
			}
			if !strings.Contains(res.Samples[clients.Status], "500") {
				t.Errorf("status sample %q does not name 500", res.Samples[clients.Status])
			}
			if st := waitServer(srv, func(st servers.Stats) bool { return st.InFlight == 0 }); st.Failed != failWant || st.Served != n-failWant {
				t.Errorf("server stats %+v, want Failed %d, Served %d", st, failWant, n-failWant)
			}
		}},
		{"stall=1", func(t *testing.T, name string, conn clients.ConnMode) {
			srv := servertest.Start(t, servers.Config{MaxDelay: time.Minute})
			killOnCleanup(t, srv)
			c := startStrategy(t, name, clients.Config{Targets: []string{srv.URL + "?stall=1"}, Conn: conn, Concurrency: 2, Timeout: timeout})
			res := runChecked(t, c, context.Background(), n)
			wantKinds(t, res, 0, map[clients.ErrorKind]int64{clients.Timeout: n})
			// A timed-out request is recorded at its timeout (HDR keeps 3
			// significant digits).
			if lo, hi := time.Duration(res.Latency.Min()), res.Max(); lo < timeout*99/100 || hi > timeout*101/100 {
				t.Errorf("timed-out latencies span %v..%v, want the timeout %v", lo, hi, timeout)
			}
		}},
		{"reset=1", func(t *testing.T, name string, conn clients.ConnMode) {
			srv := servertest.Start(t, servers.Config{Delay: time.Millisecond})
			c := startStrategy(t, name, clients.Config{Targets: []string{srv.URL + "?reset=1&bytes=4096"}, Conn: conn, Concurrency: 2})
			res := runChecked(t, c, context.Background(), n)
			wantKinds(t, res, 0, map[clients.ErrorKind]int64{clients.Reset: n})
			// The server counts a reset once its handler returns, which
			// may be after the client saw it.
			if st := waitServer(srv, func(st servers.Stats) bool { return st.InFlight == 0 }); st.Resets != n {
				t.Errorf("server stats %+v, want Resets %d (no request retried)", st, n)
			}
		}},
		{"server down mid-run", func(t *testing.T, name string, conn clients.ConnMode) {
			srv := servertest.Start(t, servers.Config{Delay: time.Minute})
			c := startStrategy(t, name, clients.Config{Targets: []string{srv.URL}, Conn: conn, Concurrency: 2, Timeout: 30 * time.Second})
			type out struct {
				res *clients.Result
				err error
			}
			done := make(chan out, 1)
			go func() {
				res, err := c.Run(context.Background(), n)
				done <- out{res, err}
			}()
			deadline := time.Now().Add(20 * time.Second)
			for srv.Stats().InFlight == 0 {
				if time.Now().After(deadline) {
					t.Fatal("no request reached the server")
				}
				time.Sleep(2 * time.Millisecond)
			}
			srv.Kill()
			o := <-done
			if o.err != nil {
				t.Fatalf("Run: %v", o.err)
			}
			res := o.res
			if err := res.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			// Requests in service see their connection close (reset); the
			// rest find nothing listening (refused). A net/http request on
			// a reused connection may be retried by the transport and then
			// refused.
			if res.OK != 0 || res.Errors[clients.Reset]+res.Errors[clients.Refused] != n || res.Errors[clients.Reset] == 0 {
				t.Errorf("want %d failures, reset ≥ 1 and the rest refused: %v", n, res)
			}
		}},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			for _, name := range goNames() {
				for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
					t.Run(name+"/"+conn.String(), func(t *testing.T) {
						t.Parallel()
						f.run(t, name, conn)
					})
				}
			}
		})
	}
	leaktest.WaitNoChildren(t, "after every fault")
}

// handshakeThen is a worker command that answers hello with ready, reads
// the first work message and then runs action (a shell command).
func handshakeThen(action string) []string {
	return []string{"sh", "-c", `read -r hello; echo '{"v":1,"type":"ready"}'; read -r work; ` + action}
}

// A worker that crashes, exits non-zero or writes a truncated message fails
// the batch with an error naming it (package procpool's
// TestBatchFailuresNameTheWorker covers more); nothing is left running.
func TestWorkerFailuresEveryWorkerStrategy(t *testing.T) {
	srv := servertest.Start(t, servers.Config{})
	for _, tc := range []struct {
		name   string
		action string
		want   string
	}{
		{"crash", `kill -9 $$`, "killed by SIGKILL before reporting"},
		{"exit 3", `echo oops >&2; exit 3`, "exited with status 3 before reporting"},
		{"truncated", `printf '{"v":1,"type":"result","seq":1,"res'`, "truncated message"},
	} {
		for _, name := range goNames() {
			if !strategy.UsesProcs(name) {
				continue
			}
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				c, err := strategy.New(context.Background(), name, strategy.Options{
					Client: clients.Config{Targets: []string{srv.URL}}, Procs: faultProcs, WorkerCommand: handshakeThen(tc.action),
				})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Run(context.Background(), 4)
				if err == nil || !strings.HasPrefix(err.Error(), name+": worker ") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Run = %v, want an error naming the worker and %q", err, tc.want)
				}
				if err := c.Close(); err != nil {
					t.Errorf("Close after a worker failure: %v", err)
				}
				leaktest.WaitNoChildren(t, "after Close")
			})
		}
	}
}

// No worker process outlives its pool: after Close, after a canceled run,
// and when the context given to New ends without a Close.
func TestNoWorkerOutlivesItsRun(t *testing.T) {
	srv := servertest.Start(t, servers.Config{Delay: time.Minute})
	killOnCleanup(t, srv)
	for _, name := range goNames() {
		if !strategy.UsesProcs(name) {
			continue
		}
		t.Run(name+"/canceled run", func(t *testing.T) {
			c := startStrategy(t, name, clients.Config{Targets: []string{srv.URL}, Concurrency: 2, Timeout: time.Minute})
			if got := len(leaktest.Children(t)); got != faultProcs {
				t.Fatalf("%d children, want %d workers", got, faultProcs)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				deadline := time.Now().Add(20 * time.Second)
				for srv.Stats().InFlight == 0 && time.Now().Before(deadline) {
					time.Sleep(2 * time.Millisecond)
				}
				cancel()
			}()
			res := runChecked(t, c, ctx, 8)
			if res.Errors[clients.Canceled] != 8 {
				t.Errorf("want all 8 canceled: %v", res)
			}
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			leaktest.WaitNoChildren(t, "after a canceled run and Close")
		})
		t.Run(name+"/context ended", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			c, err := strategy.New(ctx, name, strategy.Options{Client: clients.Config{Targets: []string{srv.URL}}, Procs: faultProcs})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cancel()
			deadline := time.Now().Add(10 * time.Second)
			for len(leaktest.Children(t)) > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			leaktest.WaitNoChildren(t, "after New's context ended")
			if _, err := c.Run(context.Background(), 2); err == nil {
				t.Error("Run on a pool whose context ended succeeded")
			}
		})
	}
}

// Strategies leave no socket or pipe open once closed.
func TestNoFileLeftOpen(t *testing.T) {
	srv := servertest.Start(t, servers.Config{Delay: time.Millisecond})
	before := leaktest.OpenFDs(t)
	for _, name := range batchNames() {
		if d, _ := strategy.Lookup(name); d.IsPython() && pyclient.Check(t.Context(), "", d.PyKind) != nil {
			continue // TestEveryStrategyRuns says which package is missing
		}
		for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
			c, err := strategy.New(context.Background(), name, strategy.Options{
				Client: clients.Config{Targets: []string{srv.URL}, Conn: conn, Concurrency: 3}, Procs: faultProcs,
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Run(context.Background(), 6); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("close %s: %v", name, err)
			}
		}
	}
	leaktest.WaitFDs(t, before, "after every strategy closed")
	leaktest.WaitNoChildren(t, "after every strategy closed")
}

// goNames returns the Go strategies: the fault tests here drive package
// clients and procpool (package pyclient's tests cause the Python faults).
func goNames() []string {
	var out []string
	for _, d := range strategy.All() {
		if !d.RunsPython() {
			out = append(out, d.Name)
		}
	}
	return out
}
