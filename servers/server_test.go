package servers_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/servers"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// live is a Server behind a real http.Server on a loopback port.
type live struct {
	srv    *servers.Server
	url    string
	client *http.Client
}

// startLive serves cfg on 127.0.0.1:0 until the test ends.
func startLive(t *testing.T, cfg servers.Config) *live {
	t.Helper()
	srv, err := servers.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	hs := srv.HTTPServer("")
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	client := newClient(false)
	t.Cleanup(func() {
		client.CloseIdleConnections()
		if err := hs.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return &live{srv: srv, url: "http://" + ln.Addr().String(), client: client}
}

func newClient(noKeepAlive bool) *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: noKeepAlive}}
}

// get fetches path and returns status, body and headers.
func get(ctx context.Context, c *http.Client, url string) (int, string, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header, err
}

// mustGet is get that fails the test on a transport error.
func mustGet(t *testing.T, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	code, body, h, err := get(t.Context(), c, url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return code, body, h
}

// waitStats polls s until cond holds or the timeout passes.
func waitStats(t *testing.T, s *servers.Server, timeout time.Duration, what string, cond func(servers.Stats) bool) servers.Stats {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := s.Stats()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s never held; stats %+v", timeout, what, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// fanOut starts n GETs of url with ctx; wait() returns their errors.
func fanOut(ctx context.Context, c *http.Client, url string, n int) (wait func() []error) {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code, _, _, err := get(ctx, c, url)
			if err == nil && code != http.StatusOK {
				err = errors.New("status " + strconv.Itoa(code))
			}
			errs[i] = err
		})
	}
	return func() []error { wg.Wait(); return errs }
}

func TestBodyAndStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  servers.Config
		want string
	}{
		{"default body", servers.Config{}, "Hello!"},
		{"custom body", servers.Config{Body: "abc"}, "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := startLive(t, tc.cfg)
			code, body, h := mustGet(t, l.client, l.url+"/")
			if code != http.StatusOK || body != tc.want {
				t.Fatalf("GET / = %d %q, want 200 %q", code, body, tc.want)
			}
			if got := h.Get("Content-Length"); got != strconv.Itoa(len(tc.want)) {
				t.Errorf("Content-Length = %q, want %d", got, len(tc.want))
			}
			if got := h.Get("Content-Type"); !strings.HasPrefix(got, "text/plain") {
				t.Errorf("Content-Type = %q, want text/plain", got)
			}
			// Any other path is the slow endpoint too.
			if code, body, _ := mustGet(t, l.client, l.url+"/some/page"); code != http.StatusOK || body != tc.want {
				t.Errorf("GET /some/page = %d %q, want 200 %q", code, body, tc.want)
			}
			if st := l.srv.Stats(); st.Served != 2 {
				t.Errorf("Served = %d, want 2", st.Served)
			}
		})
	}
}

func TestHead(t *testing.T) {
	l := startLive(t, servers.Config{})
	resp, err := l.client.Head(l.url + "/?bytes=100")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != 100 {
		t.Fatalf("HEAD = %d, Content-Length %d; want 200, 100", resp.StatusCode, resp.ContentLength)
	}
}

func TestDelayHonoured(t *testing.T) {
	const d = 100 * time.Millisecond
	l := startLive(t, servers.Config{Delay: d})
	for _, tc := range []struct {
		query string
		want  time.Duration
	}{
		{"", d},
		{"?delay=150ms", 150 * time.Millisecond},
	} {
		start := time.Now()
		code, _, h := mustGet(t, l.client, l.url+"/"+tc.query)
		elapsed := time.Since(start)
		if code != http.StatusOK {
			t.Fatalf("GET /%s = %d", tc.query, code)
		}
		if elapsed < tc.want {
			t.Errorf("GET /%s took %v, want at least %v", tc.query, elapsed, tc.want)
		}
		if got := h.Get(servers.HeaderDelay); got != tc.want.String() {
			t.Errorf("GET /%s: %s = %q, want %q", tc.query, servers.HeaderDelay, got, tc.want)
		}
	}
}

func TestCapacityOneSerialises(t *testing.T) {
	t.Run("queue", func(t *testing.T) {
		// Long delays and a cancel at the end: the check does not depend on
		// timing.
		l := startLive(t, servers.Config{Delay: time.Minute, Capacity: 1})
		ctx, cancel := context.WithCancel(t.Context())
		wait := fanOut(ctx, l.client, l.url+"/", 5)
		st := waitStats(t, l.srv, 10*time.Second, "1 in service and 4 queued", func(s servers.Stats) bool {
			return s.InFlight == 1 && s.Queued == 4
		})
		cancel()
		wait()
		st = waitStats(t, l.srv, 10*time.Second, "all 5 canceled", func(s servers.Stats) bool { return s.Canceled == 5 })
		if st.MaxInFlight != 1 || st.MaxQueued != 4 || st.InFlight != 0 || st.Queued != 0 || st.Served != 0 {
			t.Fatalf("stats %+v, want MaxInFlight 1, MaxQueued 4, gauges 0, Served 0", st)
		}
	})
	t.Run("serve", func(t *testing.T) {
		const d, n = 50 * time.Millisecond, 4
		l := startLive(t, servers.Config{Delay: d, Capacity: 1})
		start := time.Now()
		// One long request first so the others must queue behind it.
		first := fanOut(t.Context(), l.client, l.url+"/?delay=500ms", 1)
		waitStats(t, l.srv, 10*time.Second, "first in service", func(s servers.Stats) bool { return s.InFlight == 1 })
		rest := fanOut(t.Context(), l.client, l.url+"/", n)
		for _, err := range append(first(), rest()...) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if elapsed, min := time.Since(start), 500*time.Millisecond+n*d; elapsed < min {
			t.Errorf("%d requests at capacity 1 took %v, want at least %v", n+1, elapsed, min)
		}
		st := l.srv.Stats()
		if st.Served != n+1 || st.MaxInFlight != 1 || st.MaxQueued < 1 {
			t.Fatalf("stats %+v, want Served %d, MaxInFlight 1, MaxQueued >= 1", st, n+1)
		}
	})
}

func TestUnlimitedCapacity(t *testing.T) {
	const n = 20
	l := startLive(t, servers.Config{Delay: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	wait := fanOut(ctx, l.client, l.url+"/", n)
	waitStats(t, l.srv, 20*time.Second, "20 in service", func(s servers.Stats) bool { return s.InFlight == n })
	cancel()
	wait()
	st := waitStats(t, l.srv, 10*time.Second, "all canceled", func(s servers.Stats) bool { return s.Canceled == n })
	if st.MaxInFlight != n || st.MaxQueued != 0 || st.InFlight != 0 {
		t.Fatalf("stats %+v, want MaxInFlight %d, MaxQueued 0, InFlight 0", st, n)
	}
}

func TestClientCancel(t *testing.T) {
	const d, bound = 10 * time.Second, 2 * time.Second
	t.Run("in service", func(t *testing.T) {
		l := startLive(t, servers.Config{Delay: d})
		ctx, cancel := context.WithCancel(t.Context())
		wait := fanOut(ctx, l.client, l.url+"/", 1)
		waitStats(t, l.srv, bound, "in service", func(s servers.Stats) bool { return s.InFlight == 1 })
		start := time.Now()
		cancel()
		if errs := wait(); !errors.Is(errs[0], context.Canceled) {
			t.Errorf("client error %v, want context.Canceled", errs[0])
		}
		st := waitStats(t, l.srv, bound, "handler returned", func(s servers.Stats) bool { return s.Canceled == 1 && s.InFlight == 0 })
		t.Logf("handler returned %v after the cancel (delay %v)", time.Since(start), d)
		if st.Served != 0 {
			t.Errorf("Served = %d, want 0", st.Served)
		}
	})
	t.Run("queued", func(t *testing.T) {
		l := startLive(t, servers.Config{Delay: d, Capacity: 1})
		ctx1, cancel1 := context.WithCancel(t.Context())
		defer cancel1()
		wait1 := fanOut(ctx1, l.client, l.url+"/", 1)
		waitStats(t, l.srv, bound, "first in service", func(s servers.Stats) bool { return s.InFlight == 1 })
		ctx2, cancel2 := context.WithCancel(t.Context())
		wait2 := fanOut(ctx2, l.client, l.url+"/", 1)
		waitStats(t, l.srv, bound, "second queued", func(s servers.Stats) bool { return s.Queued == 1 })
		cancel2()
		wait2()
		st := waitStats(t, l.srv, bound, "queued one canceled", func(s servers.Stats) bool { return s.Canceled == 1 && s.Queued == 0 })
		if st.InFlight != 1 {
			t.Errorf("InFlight = %d, want the first still in service", st.InFlight)
		}
		cancel1()
		wait1()
		waitStats(t, l.srv, bound, "both canceled", func(s servers.Stats) bool { return s.Canceled == 2 && s.InFlight == 0 })
	})
}

func TestBytesOverride(t *testing.T) {
	l := startLive(t, servers.Config{})
	for _, tc := range []struct {
		query string
		n     int
	}{
		{"bytes=0", 0},
		{"bytes=14", 14},
		{"bytes=6", 6},
		{"bytes=100000", 100000},
		{"bytes=16777216", 16 << 20},
		{"delay=0s&bytes=7", 7},
	} {
		code, body, h := mustGet(t, l.client, l.url+"/?"+tc.query)
		if code != http.StatusOK || len(body) != tc.n {
			t.Fatalf("GET /?%s = %d, %d bytes; want 200, %d bytes", tc.query, code, len(body), tc.n)
		}
		if got := h.Get("Content-Length"); got != strconv.Itoa(tc.n) {
			t.Errorf("GET /?%s: Content-Length %q, want %d", tc.query, got, tc.n)
		}
		if want := strings.Repeat("Hello!", tc.n/6+1)[:tc.n]; body != want {
			t.Errorf("GET /?%s: body is not %q repeated", tc.query, "Hello!")
		}
	}
}

func TestBadRequests(t *testing.T) {
	srv, err := servers.New(servers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target string
		want   []string // substrings of the one-line message
	}{
		{"/?delay=abc", []string{`delay: "abc" is not a duration`, "0s..10m0s"}},
		{"/?delay=", []string{`delay: "" is not a duration`, "0s..10m0s"}},
		{"/?delay=5", []string{`delay: "5" is not a duration`}},
		{"/?delay=-1s", []string{`delay: "-1s" is out of range`, "0s..10m0s"}},
		{"/?delay=10m1s", []string{`delay: "10m1s" is out of range`, "0s..10m0s"}},
		{"/?delay=99999999h", []string{`delay: "99999999h" is not a duration`}},
		{"/?bytes=x", []string{`bytes: "x" is not an integer`, "0..16777216"}},
		{"/?bytes=1.5", []string{`bytes: "1.5" is not an integer`, "0..16777216"}},
		{"/?bytes=-1", []string{`bytes: "-1" is out of range`, "0..16777216"}},
		{"/?bytes=16777217", []string{`bytes: "16777217" is out of range`, "0..16777216"}},
		{"/?bytes=99999999999999999999", []string{`bytes: "99999999999999999999" is out of range`}},
		{"/?foo=1", []string{`"foo" is not a parameter`, "bytes, delay"}},
		{"/?delay=1s&foo", []string{`"foo" is not a parameter`}},
		{"/?Delay=1s", []string{`"Delay" is not a parameter`}},
		{"/?delay=1s&delay=2s", []string{`delay: "1s,2s" is given 2 times`}},
		{"/?a=%zz", []string{"query:", "is not a well-formed query"}},
		{"/?a=1;b=2", []string{"query:", "is not a well-formed query"}},
		{"/?delay=%0a1s", []string{`delay: "\n1s" is not a duration`}},
		{"/?x=" + strings.Repeat("y", 500), []string{`"x" is not a parameter`}},
		{"/?" + strings.Repeat("y", 500) + "=1", []string{`"yyyy`, `"... is not a parameter`}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.target, nil))
			body := rec.Body.String()
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("GET %s = %d %q, want 400", tc.target, rec.Code, body)
			}
			if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
				t.Errorf("message %q is not one line", body)
			}
			if len(body) > 300 {
				t.Errorf("message is %d bytes long: %q", len(body), body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("message %q does not contain %q", body, w)
				}
			}
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %q, body %d bytes", got, len(body))
			}
		})
	}
	if st := srv.Stats(); st.Served != 0 || st.BadRequests != 20 {
		t.Errorf("stats %+v, want BadRequests 20 and nothing served", st)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	l := startLive(t, servers.Config{MaxBody: 10})
	post := func(body io.Reader, contentLength int64) int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, l.url+"/", body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = contentLength
		resp, err := l.client.Do(req)
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusRequestEntityTooLarge && !strings.Contains(string(msg), "body: larger than 10 bytes") {
			t.Errorf("413 message %q does not name the limit", msg)
		}
		return resp.StatusCode
	}
	if code := post(strings.NewReader("12345"), 5); code != http.StatusOK {
		t.Errorf("5-byte body: %d, want 200", code)
	}
	if code := post(strings.NewReader("1234567890"), 10); code != http.StatusOK {
		t.Errorf("10-byte body: %d, want 200", code)
	}
	if code := post(strings.NewReader(strings.Repeat("x", 20)), 20); code != http.StatusRequestEntityTooLarge {
		t.Errorf("20-byte body: %d, want 413", code)
	}
	// Unknown length (chunked): the limit is found while reading.
	if code := post(io.MultiReader(strings.NewReader(strings.Repeat("x", 20))), -1); code != http.StatusRequestEntityTooLarge {
		t.Errorf("20-byte chunked body: %d, want 413", code)
	}
	if st := l.srv.Stats(); st.Served != 2 || st.BadRequests != 2 {
		t.Errorf("stats %+v, want Served 2, BadRequests 2", st)
	}
}

func TestConns(t *testing.T) {
	l := startLive(t, servers.Config{})
	fresh := newClient(true)
	defer fresh.CloseIdleConnections()
	for range 3 {
		mustGet(t, fresh, l.url+"/")
	}
	if st := l.srv.Stats(); st.Conns != 3 || st.Served != 3 {
		t.Fatalf("3 requests without keep-alive: stats %+v, want Conns 3", st)
	}

	l.srv.ResetStats()
	for range 3 {
		mustGet(t, l.client, l.url+"/")
	}
	if st := l.srv.Stats(); st.Conns != 1 || st.Served != 3 {
		t.Fatalf("3 requests over keep-alive: stats %+v, want Conns 1", st)
	}

	// Reading or resetting the stats over a new connection does not count.
	resetOver(t, fresh, l.url)
	mustGet(t, fresh, l.url+"/")
	for range 2 {
		code, body, _ := mustGet(t, fresh, l.url+servers.StatsPath)
		var st servers.Stats
		if err := json.Unmarshal([]byte(body), &st); code != http.StatusOK || err != nil {
			t.Fatalf("GET /_stats = %d %q: %v", code, body, err)
		}
		if st.Conns != 1 {
			t.Fatalf("after reset and one request: stats %+v, want Conns 1", st)
		}
	}
	// A control request on a connection that carried client requests does
	// not take it out of the count.
	warm := newClient(false)
	defer warm.CloseIdleConnections()
	mustGet(t, warm, l.url+"/")
	mustGet(t, warm, l.url+servers.StatsPath)
	if st := l.srv.Stats(); st.Conns != 2 {
		t.Fatalf("stats %+v, want Conns 2", st)
	}
}

func resetOver(t *testing.T, c *http.Client, base string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+servers.ResetPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s = %d, want 204", servers.ResetPath, resp.StatusCode)
	}
}

func TestStatsEndpoints(t *testing.T) {
	l := startLive(t, servers.Config{Delay: 3 * time.Millisecond, Dist: servers.DistUniform})
	mustGet(t, l.client, l.url+"/")
	mustGet(t, l.client, l.url+"/?bytes=x")

	code, body, h := mustGet(t, l.client, l.url+servers.StatsPath)
	if code != http.StatusOK || h.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /_stats = %d %q (%s)", code, body, h.Get("Content-Type"))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("stats %q: %v", body, err)
	}
	// The configuration beside the counters, so a client can check it.
	if raw["delay_ns"] != float64(3*time.Millisecond) || raw["dist"] != "uniform" {
		t.Errorf("stats say delay_ns %v, dist %v; want %d and uniform", raw["delay_ns"], raw["dist"], 3*time.Millisecond)
	}
	delete(raw, "delay_ns")
	delete(raw, "dist")
	// The timer-lateness counters and the pid (timerlate_test.go).
	if raw["timer_wakes"] != float64(1) || raw["pid"] == nil {
		t.Errorf("stats say timer_wakes %v, pid %v; want 1 and the server's pid", raw["timer_wakes"], raw["pid"])
	}
	for _, k := range []string{"timer_late_ns", "timer_late_max_ns", "timer_wakes", "pre_timer_ns", "post_timer_ns", "pid",
		"bursts", "burst_span_ns", "burst_arrival_ns", "burst_pre_ns", "burst_delay_ns", "burst_late_ns", "burst_post_ns", "burst_first_mono_ns"} {
		delete(raw, k)
	}
	want := map[string]float64{"served": 1, "canceled": 0, "bad_requests": 1, "failed": 0, "resets": 0, "stalled": 0, "in_flight": 0, "max_in_flight": 1, "queued": 0, "max_queued": 0, "conns": 1}
	for k, v := range want {
		if got, ok := raw[k]; !ok || got != v {
			t.Errorf("stats[%q] = %v (present %v), want %v; all %s", k, got, ok, v, body)
		}
	}
	if len(raw) != len(want) {
		t.Errorf("stats has keys %v, want %v", raw, want)
	}
	// The stats endpoints are not slow-endpoint requests.
	if st := l.srv.Stats(); st.Served != 1 {
		t.Errorf("Served = %d after GET /_stats, want 1", st.Served)
	}

	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, servers.StatsPath},
		{http.MethodGet, servers.ResetPath},
		{http.MethodDelete, servers.ResetPath},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), tc.method, l.url+tc.path, nil)
		resp, err := l.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" || !strings.Contains(string(msg), "method:") {
			t.Errorf("%s %s = %d %q (Allow %q), want 405 naming the method", tc.method, tc.path, resp.StatusCode, msg, resp.Header.Get("Allow"))
		}
	}
	if st := l.srv.Stats(); st.BadRequests != 4 {
		t.Errorf("BadRequests = %d, want 4", st.BadRequests)
	}

	resetOver(t, l.client, l.url)
	if st := l.srv.Stats(); st != (servers.Stats{DelayNS: st.DelayNS, Dist: st.Dist}) {
		t.Errorf("after reset: %+v, want zero", st)
	}
}

func TestResetRestartsSequence(t *testing.T) {
	const d, seed = 20 * time.Millisecond, 42
	l := startLive(t, servers.Config{Delay: d, Dist: servers.DistExp, Seed: seed})
	var first []string
	for i := range 3 {
		_, _, h := mustGet(t, l.client, l.url+"/")
		if got := h.Get(servers.HeaderSeq); got != strconv.Itoa(i) {
			t.Fatalf("request %d: %s = %q", i, servers.HeaderSeq, got)
		}
		want := servers.DrawDelay(servers.DistExp, d, 0, seed, uint64(i)).String()
		if got := h.Get(servers.HeaderDelay); got != want {
			t.Fatalf("request %d: %s = %q, want DrawDelay = %q", i, servers.HeaderDelay, got, want)
		}
		first = append(first, h.Get(servers.HeaderDelay))
	}
	l.srv.ResetStats()
	for i := range 3 {
		_, _, h := mustGet(t, l.client, l.url+"/")
		if got := h.Get(servers.HeaderDelay); got != first[i] {
			t.Fatalf("after reset, request %d: delay %q, want %q as before", i, got, first[i])
		}
	}
}

func TestDelayCappedAtMaxDelay(t *testing.T) {
	// A uniform draw on [0, 2d] with d = MaxDelay exceeds MaxDelay half the
	// time; the server caps it. Draws are reproducible, so find one above.
	const d = 50 * time.Millisecond
	seq := -1
	for i := range 64 {
		if servers.DrawDelay(servers.DistUniform, d, 0, 7, uint64(i)) > d {
			seq = i
			break
		}
	}
	if seq < 0 {
		t.Fatal("no draw above d in 64 uniform draws")
	}
	srv, err := servers.New(servers.Config{Delay: d, MaxDelay: d, Dist: servers.DistUniform, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= seq; i++ {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?bytes=0", nil))
		if got, _ := time.ParseDuration(rec.Header().Get(servers.HeaderDelay)); rec.Code != http.StatusOK || got > d {
			t.Fatalf("request %d: %d, delay %v, want 200 and at most %v", i, rec.Code, got, d)
		}
	}
}

func TestHTTPServer(t *testing.T) {
	srv, err := servers.New(servers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer("127.0.0.1:5000")
	if hs.Addr != "127.0.0.1:5000" || hs.Handler != srv || hs.ReadHeaderTimeout != 10*time.Second ||
		hs.IdleTimeout != 120*time.Second || hs.MaxHeaderBytes != 64<<10 || hs.ConnState == nil ||
		hs.ConnContext == nil || hs.ErrorLog == nil || hs.ReadTimeout != 0 || hs.WriteTimeout != 0 {
		t.Fatalf("HTTPServer = %+v", hs)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := servers.New(servers.Config{Capacity: -1})
	var ce *servers.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Capacity" {
		t.Fatalf("New(Capacity -1) = %v, want a ConfigError for Capacity", err)
	}
}
