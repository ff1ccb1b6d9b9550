package pyclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// need skips the test, in one line naming the package, unless Debian's
// python3 can run kind.
func need(t *testing.T, kind Kind) {
	t.Helper()
	if err := Check(t.Context(), "", kind); err != nil {
		t.Skip(err)
	}
}

// startClient starts a client and closes it at the end of the test,
// checking that nothing is left behind.
func startClient(t *testing.T, name string, cfg Config, script string) *Client {
	t.Helper()
	c, err := start(t.Context(), name, cfg, script)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = c.Close()
		leaktest.WaitNoChildren(t, name)
	})
	return c
}

func run(t *testing.T, c *Client, n int) *clients.Result {
	t.Helper()
	res, err := c.Run(t.Context(), n)
	if err != nil {
		t.Fatalf("Run(%d): %v", n, err)
	}
	if err := res.Check(); err != nil {
		t.Fatalf("Run(%d): %v", n, err)
	}
	return res
}

// TestKinds runs every kind, warm and cold, against an in-process server
// and checks what the server saw: every request, the concurrency the kind
// should reach, and new connections per request (cold) or reused ones
// (warm).
func TestKinds(t *testing.T) {
	const n = 8
	cases := []struct {
		kind  Kind
		c     int // Client.Concurrency
		procs int
		peak  int64 // the server's max in flight
		warm  int64 // connections of a warm client
		delay time.Duration
	}{
		{Sequential, 0, 0, 1, 1, 50 * time.Millisecond},
		{FakeAsync, 0, 0, 1, 1, 50 * time.Millisecond},
		{AioHTTP, 0, 0, n, n, 300 * time.Millisecond},
		{AioHTTP, 3, 0, 3, 3, 300 * time.Millisecond},
		{AioHTTPUVLoop, 0, 0, n, n, 300 * time.Millisecond},
		{HTTPX, 0, 0, n, n, 300 * time.Millisecond},
		{HTTPX, 3, 0, 3, 3, 300 * time.Millisecond},
		{PoolChunked, 0, 2, 2, 2, 100 * time.Millisecond},
		{ProcsAioHTTP, 2, 2, 4, 4, 300 * time.Millisecond},
	}
	for _, tc := range cases {
		for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
			name := "py-" + string(tc.kind)
			t.Run(string(tc.kind)+"/c"+itoa(tc.c)+"/"+conn.String(), func(t *testing.T) {
				need(t, tc.kind)
				srv := servertest.Start(t, servers.Config{Delay: tc.delay})
				cl := startClient(t, name, Config{
					Kind:   tc.kind,
					Procs:  tc.procs,
					Client: clients.Config{Targets: []string{srv.URL}, Conn: conn, Concurrency: tc.c, Timeout: 20 * time.Second},
				}, workerSource)
				if cl.StartupTime() <= 0 || cl.PythonVersion() == "" {
					t.Errorf("StartupTime %v, PythonVersion %q", cl.StartupTime(), cl.PythonVersion())
				}
				if uv := strings.HasPrefix(cl.EventLoop(), "uvloop."); uv != (tc.kind == AioHTTPUVLoop) {
					t.Errorf("event loop %q", cl.EventLoop())
				}
				for batch := 1; batch <= 2; batch++ {
					res := run(t, cl, n)
					if res.OK != n || res.Strategy != name || res.Codes[200] != n || res.Bytes != 6*n {
						t.Fatalf("batch %d: %v, want %d ok from %s", batch, res, n, name)
					}
					st := srv.Stats()
					if st.Served != int64(batch*n) {
						t.Errorf("batch %d: server served %d, want %d", batch, st.Served, batch*n)
					}
					if st.MaxInFlight != tc.peak {
						t.Errorf("batch %d: server max in flight %d, want %d", batch, st.MaxInFlight, tc.peak)
					}
					if res.MaxInFlight < 1 || res.MaxInFlight > max(tc.peak, 1) {
						t.Errorf("batch %d: client max in flight %d, want 1..%d", batch, res.MaxInFlight, tc.peak)
					}
					switch {
					case conn == clients.Cold && st.Conns != int64(batch*n):
						t.Errorf("cold batch %d: %d connections, want one per request (%d)", batch, st.Conns, batch*n)
					case conn == clients.Warm && st.Conns != tc.warm:
						t.Errorf("warm batch %d: %d connections, want %d reused", batch, st.Conns, tc.warm)
					}
				}
				costs := cl.PyCosts()
				if len(costs) != 2 || costs[0] < tc.delay {
					t.Errorf("PyCosts = %v, want 2 batches of at least the delay", costs)
				}
			})
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestErrorKinds causes each kind of failure with each HTTP library and
// checks it is counted as the Go clients count it.
func TestErrorKinds(t *testing.T) {
	srv := servertest.Start(t, servers.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()
	cases := []struct {
		what    string
		target  string
		timeout time.Duration
		want    clients.ErrorKind
	}{
		{"refused", closed, 0, clients.Refused},
		{"status", srv.URL + "?fail=1", 0, clients.Status},
		{"reset", srv.URL + "?reset=1", 0, clients.Reset},
		{"timeout", srv.URL + "?delay=30s", 300 * time.Millisecond, clients.Timeout},
	}
	const n = 3
	for _, kind := range []Kind{Sequential, AioHTTP, HTTPX} {
		t.Run(string(kind), func(t *testing.T) {
			need(t, kind)
			for _, tc := range cases {
				cl := startClient(t, "py-"+string(kind), Config{
					Kind:   kind,
					Client: clients.Config{Targets: []string{tc.target}, Timeout: tc.timeout},
				}, workerSource)
				res := run(t, cl, n)
				if res.Errors[tc.want] != n || res.OK != 0 {
					t.Errorf("%s: errors %v (samples %v), want %d %s", tc.what, res.Errors, res.Samples, n, tc.want)
				}
				if res.Samples[tc.want] == "" {
					t.Errorf("%s: no sample message for %s", tc.what, tc.want)
				}
				if tc.want == clients.Timeout && !res.Latency.ValuesAreEquivalent(int64(res.Max()), int64(tc.timeout)) {
					t.Errorf("timeout recorded at %v, want exactly %v", res.Max(), tc.timeout)
				}
				_ = cl.Close()
			}
		})
	}
}

// patched returns the worker with code inserted before its entry point.
func patched(t *testing.T, code string) string {
	t.Helper()
	const entry = "\nif __name__ == \"__main__\":"
	if !strings.Contains(workerSource, entry) {
		t.Fatal("worker.py has no entry point to patch before")
	}
	return strings.Replace(workerSource, entry, "\n"+code+"\n"+entry, 1)
}

func seqConfig(target string) Config {
	return Config{Kind: Sequential, Client: clients.Config{Targets: []string{target}, Timeout: 10 * time.Second}}
}

// A Python exception in the worker fails Run, naming the strategy and
// quoting the traceback; the client is unusable afterwards.
func TestWorkerRaises(t *testing.T) {
	need(t, Sequential)
	srv := servertest.Start(t, servers.Config{})
	script := patched(t, "def boom(self, n, first, samples):\n    raise ZeroDivisionError('boom in batch of %d' % n)\nSequential.run = boom")
	cl := startClient(t, "py-seq-raises", seqConfig(srv.URL), script)
	_, err := cl.Run(t.Context(), 4)
	if err == nil {
		t.Fatal("Run succeeded, want the worker's exception")
	}
	for _, want := range []string{"py-seq-raises", "ZeroDivisionError: boom in batch of 4", "Traceback", "in boom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := cl.Run(t.Context(), 1); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Errorf("second Run = %v, want unusable", err)
	}
}

// A worker that exits mid-batch fails Run with its exit status and stderr.
func TestWorkerExits(t *testing.T) {
	need(t, Sequential)
	srv := servertest.Start(t, servers.Config{})
	script := patched(t, "import os\ndef bye(self, n, first, samples):\n    sys.stderr.write('leaving now\\n'); sys.stderr.flush(); os._exit(3)\nSequential.run = bye")
	cl := startClient(t, "py-seq-exits", seqConfig(srv.URL), script)
	_, err := cl.Run(t.Context(), 4)
	if err == nil {
		t.Fatal("Run succeeded, want the worker's exit")
	}
	for _, want := range []string{"py-seq-exits", "exit status 3", "leaving now"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// A pool process that dies makes procs-aiohttp's batch fail, not hang.
func TestProcsChildExits(t *testing.T) {
	need(t, ProcsAioHTTP)
	srv := servertest.Start(t, servers.Config{})
	script := patched(t, "import os\n_orig = AioHTTP.run_indices\ndef die(self, pos, idx, c, samples):\n    os._exit(5)\nAioHTTP.run_indices = die")
	cl := startClient(t, "py-procs-dies", Config{Kind: ProcsAioHTTP, Procs: 2, Client: clients.Config{Targets: []string{srv.URL}}}, script)
	_, err := cl.Run(t.Context(), 4)
	if err == nil || !strings.Contains(err.Error(), "exited with 5") {
		t.Fatalf("Run = %v, want a process that exited with 5", err)
	}
}

// When Run's ctx ends, the worker is killed, the batch counts as canceled
// and Run returns without waiting for the server.
func TestRunCanceled(t *testing.T) {
	need(t, AioHTTP)
	srv := servertest.Start(t, servers.Config{Delay: time.Minute})
	cl := startClient(t, "py-aiohttp", Config{Kind: AioHTTP, Client: clients.Config{Targets: []string{srv.URL}}}, workerSource)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for srv.Stats().InFlight < 5 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	res, err := cl.Run(ctx, 5)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := res.Check(); err != nil {
		t.Fatal(err)
	}
	if res.Errors[clients.Canceled] != 5 || res.OK != 0 {
		t.Errorf("result %v, want 5 canceled", res)
	}
	if _, err := cl.Run(t.Context(), 1); err == nil {
		t.Error("Run after a canceled batch succeeded, want the client unusable")
	}
}

// A batch whose ctx has already ended issues nothing and keeps the worker.
func TestRunAlreadyCanceled(t *testing.T) {
	need(t, Sequential)
	srv := servertest.Start(t, servers.Config{})
	cl := startClient(t, "py-sequential", seqConfig(srv.URL), workerSource)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := cl.Run(ctx, 3)
	if err != nil || res.Check() != nil || res.NotIssued != 3 || res.Errors[clients.Canceled] != 3 {
		t.Fatalf("Run = %v, %v, want 3 not issued", res, err)
	}
	if res := run(t, cl, 2); res.OK != 2 || srv.Stats().Served != 2 {
		t.Errorf("next batch %v, want 2 ok", res)
	}
}

// Under a small open-file limit, an aiohttp fan-out runs out of file
// descriptors; every request that could not open its socket counts as
// fdlimit, and none is lost.
func TestFDLimit(t *testing.T) {
	need(t, AioHTTP)
	const n = 80
	srv := servertest.Start(t, servers.Config{Delay: 300 * time.Millisecond})
	py := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(py, []byte("#!/bin/sh\nulimit -n 48 || exit 9\nexec "+DefaultPython+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cl := startClient(t, "py-aiohttp", Config{Kind: AioHTTP, Python: py,
		Client: clients.Config{Targets: []string{srv.URL}, Conn: clients.Cold}}, workerSource)
	res := run(t, cl, n)
	if res.Errors[clients.FDLimit] == 0 || res.OK+res.Errors[clients.FDLimit] != n {
		t.Errorf("%v, want fdlimit failures and the rest ok", res)
	}
	if !strings.Contains(res.Samples[clients.FDLimit], "open files") {
		t.Errorf("fdlimit sample %q", res.Samples[clients.FDLimit])
	}
}

// fakePython writes an interpreter that runs Debian's python3 with a
// module that fails to import, as on a machine without its package.
func fakePython(t *testing.T, module string) string {
	t.Helper()
	dir := t.TempDir()
	pkg := filepath.Join(dir, "lib", module)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte("raise ModuleNotFoundError(\"No module named '"+module+"'\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	py := filepath.Join(dir, "python3")
	sh := "#!/bin/sh\nPYTHONPATH=" + filepath.Join(dir, "lib") + " exec " + DefaultPython + " \"$@\"\n"
	if err := os.WriteFile(py, []byte(sh), 0o755); err != nil {
		t.Fatal(err)
	}
	return py
}

func TestCheckMissingModule(t *testing.T) {
	need(t, AioHTTP)
	py := fakePython(t, "aiohttp")
	err := Check(t.Context(), py, AioHTTP)
	if err == nil || !strings.Contains(err.Error(), "install python3-aiohttp") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Check = %v, want one line naming python3-aiohttp", err)
	}
	if err := Check(t.Context(), py, Sequential); err != nil {
		t.Errorf("Check(sequential) = %v, want nil: requests is there", err)
	}
	_, err = start(t.Context(), "py-aiohttp", Config{Kind: AioHTTP, Python: py, Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}}, workerSource)
	if err == nil || !strings.Contains(err.Error(), "ModuleNotFoundError") {
		t.Errorf("New with the module missing = %v, want its ModuleNotFoundError", err)
	}
	leaktest.WaitNoChildren(t, "failed start")
}

func TestCheckMissingInterpreter(t *testing.T) {
	err := Check(t.Context(), filepath.Join(t.TempDir(), "no-python3"), Sequential)
	if err == nil || !strings.Contains(err.Error(), "install python3") {
		t.Errorf("Check = %v, want the interpreter missing", err)
	}
	if err := Check(t.Context(), "", "no-such-kind"); err == nil {
		t.Error("Check of an unknown kind succeeded")
	}
}

func TestConfigValidate(t *testing.T) {
	ok := clients.Config{Targets: []string{"http://127.0.0.1:1/"}}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Kind: "nope", Client: ok}, "kind"},
		{Config{Kind: PoolChunked, Client: ok}, "procs"},
		{Config{Kind: ProcsAioHTTP, Procs: MaxProcs + 1, Client: ok}, "procs"},
		{Config{Kind: Sequential}, "targets"},
		{Config{Kind: Sequential, Client: ok, StartTimeout: -1}, "start timeout"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error about %s", tc.cfg, err, tc.want)
		}
	}
	if _, err := New(t.Context(), "", Config{Kind: Sequential, Client: ok}); err == nil {
		t.Error("New with an empty name succeeded")
	}
}

func TestDecodeResultRejects(t *testing.T) {
	for _, tc := range []struct {
		what string
		reqs [][5]int64
	}{
		{"count", [][5]int64{}},
		{"kind", [][5]int64{{0, 1, 0, 0, 9}}},
		{"code", [][5]int64{{0, 1, 42, 0, 0}}},
		{"both", [][5]int64{{0, 1, 200, 0, 1}}},
		{"negative", [][5]int64{{0, -1, 200, 0, 0}}},
	} {
		if _, err := decodeResult("x", 1, time.Second, &message{Type: "result", Reqs: tc.reqs}); err == nil {
			t.Errorf("%s: decoded %v", tc.what, tc.reqs)
		}
	}
	if _, err := decodeMessage([]byte(`{"type":"result","bogus":1}`)); err == nil {
		t.Error("decoded an unknown field")
	}
	res, err := decodeResult("x", 2, time.Second, &message{Type: "result",
		Reqs: [][5]int64{{0, 10, 200, 6, 0}, {5, 10, 503, 0, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 1 || res.Errors[clients.Status] != 1 || res.MaxInFlight != 2 || !strings.Contains(res.Samples[clients.Status], "503") {
		t.Errorf("decoded %v (peak %d)", res, res.MaxInFlight)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unreachable")
	}
}

// TestRequestIndices checks that every kind sends the request index header
// (servers.HeaderIndex), numbered as bench/model numbers the kind's
// requests, consecutive across batches (Result.FirstIndex). Warm, with one
// connection per lane, a connection's indices show the numbering: a process
// share of procs-aiohttp is one run of consecutive indices, a Pool process
// of pool-chunked runs whole chunks of ChunkSize(n, P) = 2 indices.
func TestRequestIndices(t *testing.T) {
	const n = 13
	cases := []struct {
		kind     Kind
		c, procs int
		run      int // consecutive indices per connection: a share's size, a chunk's, or 0 to skip
	}{
		{Sequential, 0, 0, 0},
		{FakeAsync, 0, 0, 0},
		{AioHTTP, 4, 0, 0},
		{AioHTTPUVLoop, 0, 0, 0},
		{HTTPX, 4, 0, 0},
		{PoolChunked, 0, 2, 2},
		{ProcsAioHTTP, 1, 3, -1},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			need(t, tc.kind)
			var mu sync.Mutex
			byConn := map[string][]int64{}
			var all []int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i, err := strconv.ParseInt(r.Header.Get(servers.HeaderIndex), 10, 64)
				if err != nil {
					http.Error(w, "no index", http.StatusBadRequest)
					return
				}
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
				byConn[r.RemoteAddr] = append(byConn[r.RemoteAddr], i)
				all = append(all, i)
				mu.Unlock()
				_, _ = w.Write([]byte("Hello!"))
			}))
			defer srv.Close()
			cl := startClient(t, "py-"+string(tc.kind), Config{
				Kind: tc.kind, Procs: tc.procs,
				Client: clients.Config{Targets: []string{srv.URL + "/"}, Conn: clients.Warm, Concurrency: tc.c, Timeout: 20 * time.Second},
			}, workerSource)
			for batch := range 2 {
				mu.Lock()
				byConn, all = map[string][]int64{}, nil
				mu.Unlock()
				res := run(t, cl, n)
				if res.OK != n || res.FirstIndex != int64(batch*n) {
					t.Fatalf("batch %d: %v with FirstIndex %d, want %d ok from index %d", batch, res, res.FirstIndex, n, batch*n)
				}
				mu.Lock()
				got := slices.Sorted(slices.Values(all))
				conns := byConn
				mu.Unlock()
				for j, i := range got {
					if i != int64(batch*n+j) {
						t.Fatalf("batch %d: indices %v, want %d..%d once each", batch, got, batch*n, batch*n+n-1)
					}
				}
				connOf := map[int64]string{}
				for addr, idx := range conns {
					for _, i := range idx {
						connOf[i-int64(batch*n)] = addr
					}
					slices.Sort(idx)
					if tc.run < 0 && idx[len(idx)-1]-idx[0] != int64(len(idx)-1) {
						t.Errorf("batch %d: connection %s carried %v, want one process's consecutive share", batch, addr, idx)
					}
				}
				for j := int64(0); tc.run > 0 && j < n; j++ {
					if chunk := j - j%int64(tc.run); connOf[j] != connOf[chunk] {
						t.Errorf("batch %d: index %d went over %s, its chunk's first over %s: want whole chunks of %d", batch, j, connOf[j], connOf[chunk], tc.run)
					}
				}
			}
		})
	}
}
