package procpool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"go.uber.org/goleak"
)

// orphanParentEnv makes the test binary act as a pool's parent that prints
// its workers' pids and waits to be killed (TestOrphanedWorkersDie).
const orphanParentEnv = "PROCPOOL_TEST_ORPHAN_PARENT"

func TestMain(m *testing.M) {
	if IsWorker() {
		os.Exit(WorkerMain())
	}
	if os.Getenv(orphanParentEnv) != "" {
		os.Exit(orphanParent())
	}
	goleak.VerifyTestMain(m)
}

// orphanParent starts a pool whose workers ignore the end of their stdin
// (so only Pdeathsig can end them), prints their pids as a JSON line and
// blocks until it is killed.
func orphanParent() int {
	p, err := Start(context.Background(), PoolEvenName, Config{
		Client:  clients.Config{Targets: []string{"http://127.0.0.1:1/"}},
		Procs:   2,
		Command: handshakeThen("exec sleep 60"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, _ := json.Marshal(p.Pids())
	fmt.Println(string(b))
	time.Sleep(time.Minute)
	return 1
}

// readyLine is a worker's ready message.
const readyLine = `{"v":1,"type":"ready"}`

// script is an argv running body with sh.
func script(body string) []string {
	return []string{"sh", "-c", body}
}

// handshakeThen is a scripted worker that answers hello with ready, reads
// one more line (the first work message) and then runs action.
func handshakeThen(action string) []string {
	return script(`read -r hello; echo '` + readyLine + `'; read -r work; ` + action)
}

// testServer is a loopback HTTP server whose handler sleeps, counting the
// requests in flight, their peak, and the connections opened.
type testServer struct {
	*httptest.Server
	delay     time.Duration
	slowConn  int64 // the connection (numbered from 1) served at slowDelay; 0: none
	slowDelay time.Duration

	conns    atomic.Int64 // connections accepted, numbering them
	newConns atomic.Int64 // StateNew transitions
	inflight atomic.Int64
	peak     atomic.Int64
	total    atomic.Int64
}

type connIDKey struct{}

// newTestServer starts a server answering every request after delay.
func newTestServer(t *testing.T, delay time.Duration) *testServer {
	return newSlowConnServer(t, delay, 0, 0)
}

// newSlowConnServer starts a server answering after delay, except on
// connection slowConn (numbered from 1), answered after slowDelay.
func newSlowConnServer(t *testing.T, delay time.Duration, slowConn int64, slowDelay time.Duration) *testServer {
	t.Helper()
	s := &testServer{delay: delay, slowConn: slowConn, slowDelay: slowDelay}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connIDKey{}, s.conns.Add(1))
	}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.newConns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) serve(w http.ResponseWriter, r *http.Request) {
	s.total.Add(1)
	v := s.inflight.Add(1)
	for {
		p := s.peak.Load()
		if v <= p || s.peak.CompareAndSwap(p, v) {
			break
		}
	}
	d := s.delay
	if id, _ := r.Context().Value(connIDKey{}).(int64); s.slowConn != 0 && id == s.slowConn {
		d = s.slowDelay
	}
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
	}
	s.inflight.Add(-1)
	_, _ = w.Write([]byte("Hello!"))
}

// config returns a Config for procs workers against s.
func (s *testServer) config(procs int) Config {
	return Config{
		Client: clients.Config{Targets: []string{s.URL + "/"}, Timeout: 20 * time.Second},
		Procs:  procs,
	}
}

// startPool starts the named strategy and closes it at the end of the test
// (tests that check Close call it themselves first).
func startPool(t *testing.T, ctx context.Context, strategy string, cfg Config) *Pool {
	t.Helper()
	p, err := Start(ctx, strategy, cfg)
	if err != nil {
		t.Fatalf("Start(%s): %v", strategy, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, _, state, ok := leaktest.ParseStat(b)
	return ok && state != 'Z'
}

// assertReaped fails unless every pid is gone (reaped: ESRCH) and this
// process has no children left.
func assertReaped(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("worker pid %d: kill(pid, 0) = %v, want ESRCH", pid, err)
		}
	}
	if c := leaktest.Children(t); len(c) > 0 {
		t.Errorf("children left: %v", c)
	}
}

// checkAllOK fails unless res accounts for n successful requests.
func checkAllOK(t *testing.T, res *clients.Result, strategy string, n int) {
	t.Helper()
	if err := res.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if res.Strategy != strategy {
		t.Errorf("Strategy = %q, want %q", res.Strategy, strategy)
	}
	if res.Requests != int64(n) || res.OK != int64(n) || res.Failed() != 0 {
		t.Errorf("requests %d ok %d failed %d, want %d ok: %v", res.Requests, res.OK, res.Failed(), n, res)
	}
	if got := res.Latency.TotalCount(); got != int64(n) {
		t.Errorf("latencies = %d, want %d", got, n)
	}
	if res.Bytes != int64(6*n) || res.Codes[200] != int64(n) {
		t.Errorf("bytes %d codes %v, want %d bytes and %d×200", res.Bytes, res.Codes, 6*n, n)
	}
}

// sum adds up xs.
func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
