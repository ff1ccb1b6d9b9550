package harness

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// testRunner is the Runner of this test binary, set once by TestMain.
var testRunner *Runner

func TestMain(m *testing.M) {
	testRunner = NewRunner(false)
	os.Exit(testRunner.Main(m, os.Stdout, !Benchmarking(), leaktest.FastHTTPCleaners()...))
}

// envFailLater names the server BenchmarkHelperFailLater runs against.
const envFailLater = "CRAWLBENCH_HARNESS_FAIL_LATER_URL"

// BenchmarkHelperFailLater is TestFailureInLaterRunFailsTheBinary's child:
// one batch of 2 requests per run against the server in envFailLater.
func BenchmarkHelperFailLater(b *testing.B) {
	url := os.Getenv(envFailLater)
	if url == "" {
		b.Skip("a helper of TestFailureInLaterRunFailsTheBinary")
	}
	srv := Server{URLs: []string{url}, Delay: time.Millisecond}
	testRunner.Run(b, srv, Case{Strategy: strategy.Fanout, Conn: clients.Cold, N: 2}, Options{Timeout: 10 * time.Second, Warmup: NoWarmup})
}

// Issue 15, defect 1: with -count 3, requests that fail only in runs 2 and
// 3 print --- FAIL, and package testing, which gives those runs no parent,
// would still end PASS with exit 0. Main must fail the binary and say so.
func TestFailureInLaterRunFailsTheBinary(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		time.Sleep(time.Millisecond)
		if n > 2 { // the first run's batch succeeds, every later one fails
			http.Error(w, "later", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run", "^$", "-test.bench", "^BenchmarkHelperFailLater$", "-test.benchtime", "1x", "-test.count", "3")
	cmd.Env = append(os.Environ(), envFailLater+"="+srv.URL+"/")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("exit %v, want non-zero:\n%s", err, out.String())
	}
	got := out.String()
	if n := strings.Count(got, "ns/op"); n != 1 {
		t.Errorf("%d successful runs, want 1 (the first):\n%s", n, got)
	}
	for _, want := range []string{"REQUESTS FAILED: 2 of 2 requests failed", "FAIL: 2 benchmark run(s) failed", "BenchmarkHelperFailLater"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "--- FAIL: BenchmarkHelperFailLater-"); n != 2 {
		t.Errorf("%d --- FAIL lines, want 2:\n%s", n, got)
	}
}

// batchResult returns a Result of ok requests, each lat long.
func batchResult(ok int, lat time.Duration) *clients.Result {
	rec := clients.NewRecorder(strategy.Fanout, ok, time.Minute)
	for range ok {
		rec.End(context.Background(), rec.Begin().Add(-lat), http.StatusOK, 2, nil)
	}
	return rec.Finish(lat, nil)
}

// Issue 15, defect 2: a median below the server's delay cannot come from
// that server; the error names both values.
func TestCheckDelay(t *testing.T) {
	srv := Server{Delay: 50 * time.Millisecond}
	if err := CheckDelay(batchResult(5, 50*time.Millisecond+300*time.Microsecond), srv); err != nil {
		t.Errorf("p50 above d: %v", err)
	}
	err := CheckDelay(batchResult(5, 5*time.Millisecond), srv)
	if err == nil || !strings.Contains(err.Error(), "below the delay d = 50ms") || !strings.Contains(err.Error(), "p50 5.") {
		t.Errorf("p50 5ms against d = 50ms: %v, want an error naming both", err)
	}
	srv.DelayOf = func(uint64) time.Duration { return time.Millisecond }
	if err := CheckDelay(batchResult(5, 5*time.Millisecond), srv); err != nil {
		t.Errorf("a variable-delay server has short requests: %v", err)
	}
}

// Issue 15, defect 2 and the non-slowserver minor: a -target whose delay is
// not -delay, or that is no slowserver at all, is refused with both values
// named.
func TestCheckTarget(t *testing.T) {
	slow := servertest.Start(t, servers.Config{Delay: 5 * time.Millisecond})
	ctx := t.Context()
	if err := CheckTarget(ctx, slow.URL, 5*time.Millisecond, ""); err != nil {
		t.Errorf("matching target: %v", err)
	}
	for _, tc := range []struct {
		target string
		d      time.Duration
		dist   string
		want   []string
	}{
		{slow.URL, 50 * time.Millisecond, "", []string{"serves with delay 5ms", "-delay is 50ms"}},
		{slow.URL + "?delay=1ms", 5 * time.Millisecond, "", []string{"asks for delay=1ms", "-delay is 5ms"}},
		{slow.URL, 5 * time.Millisecond, "exp", []string{`draws delays from "fixed"`, `"exp"`}},
	} {
		err := CheckTarget(ctx, tc.target, tc.d, tc.dist)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("CheckTarget(%s, %v, %q) = %v, want it to say %q", tc.target, tc.d, tc.dist, err, w)
			}
		}
	}
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	if err := CheckTarget(ctx, other.URL+"/", 5*time.Millisecond, ""); err == nil || !strings.Contains(err.Error(), "is not a crawlbench slowserver") {
		t.Errorf("a server without /_stats: %v", err)
	}
}

func TestCheckTargetURL(t *testing.T) {
	for _, tc := range []struct{ target, want string }{
		{"http://127.0.0.1:5000/", ""},
		{"http://localhost:5000/", ""},
		{"http://127.0.0.1:99999/", "port 99999: want 1..65535"},
		{"http://127.0.0.1:0/", "port 0: want 1..65535"},
		{"ftp://127.0.0.1/", "want an http://host:port/ URL"},
		{"http://192.0.2.1:80/", "loopback only"},
	} {
		err := CheckTargetURL(tc.target)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckTargetURL(%q) = %v, want %q", tc.target, err, tc.want)
		}
	}
}

// Issue 9, item 6: the timed loop keeps at most maxPending batch Results
// (≈ 196 KB of histogram each) whatever b.N is. 1000 batches kept until the
// end, as before, would hold about 200 MB.
func TestAccumulatorBoundsMemory(t *testing.T) {
	const batches = 1000
	acc := newAccumulator(strategy.Fanout)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range batches {
		if acc.add(batchResult(3, time.Millisecond)) {
			if err := acc.flush(); err != nil {
				t.Fatal(err)
			}
		}
		if len(acc.pending) >= maxPending {
			t.Fatalf("%d batches pending, want fewer than %d", len(acc.pending), maxPending)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if err := acc.flush(); err != nil {
		t.Fatal(err)
	}
	if acc.total.Requests != 3*batches || acc.total.OK != 3*batches {
		t.Errorf("merged %d requests, %d ok; want %d", acc.total.Requests, acc.total.OK, 3*batches)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Errorf("heap grew by %d MB over %d batches: batches are retained", grown>>20, batches)
	}
}

func TestIdealAndParams(t *testing.T) {
	srv := Spec{Capacity: 8}.Server("", 10*time.Millisecond)
	c := Case{Strategy: strategy.Fanout, N: 100}
	if d, err := Ideal(c, srv, []int64{0, 100, 200}); err != nil || d != 13*10*time.Millisecond {
		t.Errorf("Ideal(fanout n=100 against k=8) = %v, %v; want 13 rounds of 10ms", d, err)
	}
	if _, err := (Case{Strategy: "threads", N: 1}).Params(srv); err == nil || !strings.Contains(err.Error(), `"threads"`) {
		t.Errorf("unknown strategy: %v", err)
	}
	if got := moreBatches("3x", time.Second); got != 2*time.Second {
		t.Errorf("moreBatches(3x) = %v", got)
	}
}

// A Flask server has a fixed delay and its own capacity: Specs asking for
// more are refused, naming -server; the slowserver takes any.
func TestSpecValidate(t *testing.T) {
	for _, k := range ServerKinds() {
		if err := BundledSpec(k).Validate(); err != nil {
			t.Errorf("BundledSpec(%s): %v", k, err)
		}
		if got, err := ParseServerKind(string(k)); got != k || err != nil {
			t.Errorf("ParseServerKind(%s) = %q, %v", k, got, err)
		}
	}
	if BundledSpec(ServerFlaskSingle).Server("", time.Second).Capacity != 1 || BundledSpec(ServerFlask).Server("", time.Second).Capacity != 0 {
		t.Error("flask-single's capacity is not 1, or threaded flask's not unlimited")
	}
	if a := BundledSpec(ServerLean).Args(time.Second); a[0] != "lean" || !slices.Contains(a, "1s") {
		t.Errorf("lean server args %q", a)
	}
	if err := (Spec{Capacity: 8, Dist: string(servers.DistExp)}).Validate(); err != nil {
		t.Errorf("slowserver spec: %v", err)
	}
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Kind: ServerFlask, Dist: string(servers.DistUniform)}, "-server flask with the uniform delay distribution: variable delays are slowserver-only"},
		{Spec{Kind: ServerFlaskSingle}, "-server flask-single with capacity 0: its capacity is 1"},
		{Spec{Kind: ServerFlask, Capacity: 8}, "-server flask with capacity 8: its capacity is 0"},
		{Spec{Kind: ServerLean, Capacity: 1}, "-server lean with capacity 1: its capacity is 0"},
		{Spec{Kind: ServerLean, Dist: string(servers.DistExp)}, "-server lean with the exp delay distribution"},
		{Spec{Kind: "nginx"}, `server "nginx": want one of`},
	} {
		if err := tt.spec.Validate(); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%+v.Validate() = %v, want %q", tt.spec, err, tt.want)
		}
	}
	if _, err := ParseServerKind("Flask"); err == nil || err.Error() != `-server "Flask": want one of slowserver, flask, flask-single, lean` {
		t.Errorf("ParseServerKind(Flask) = %v", err)
	}
}
