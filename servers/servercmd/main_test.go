package servercmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servercmd"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The lean server's fasthttp keeps a process-wide date updater, and
		// a stopped server's worker-pool cleaner sleeps out its period.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"))
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of the single stderr line
	}{
		{"negative delay", []string{"-delay", "-1s"}, []string{"-delay", "-1s", "0s..10m0s"}},
		{"delay above max", []string{"-delay", "2s", "-max-delay", "1s"}, []string{"-delay", "0s..1s"}},
		{"delay not a duration", []string{"-delay", "3"}, []string{"-delay", "not a duration", "-max-delay"}},
		{"negative capacity", []string{"-capacity", "-3"}, []string{"-capacity", "-3", "0..1000000"}},
		{"capacity not a number", []string{"-capacity", "x"}, []string{"-capacity", `"x"`, "not an integer", "0..1000000"}},
		{"bad dist", []string{"-dist", "foo"}, []string{"-dist", `"foo"`, "fixed, uniform, exp, lognormal"}},
		{"negative sigma", []string{"-sigma", "-1"}, []string{"-sigma", "0..4"}},
		{"bad seed", []string{"-seed", "-1"}, []string{"-seed", "not an unsigned integer"}},
		{"negative max-bytes", []string{"-max-bytes", "-1"}, []string{"-max-bytes", "out of range"}},
		{"negative max-body", []string{"-max-body", "-5"}, []string{"-max-body", "out of range"}},
		{"huge max-delay", []string{"-max-delay", "100h"}, []string{"-max-delay", "0s..24h0m0s"}},
		{"body too long", []string{"-body", "abcdef", "-max-bytes", "3"}, []string{"-body", "too long"}},
		{"empty body", []string{"-body", ""}, []string{"-body", "empty", `"Hello!"`}},
		{"bad shutdown timeout", []string{"-shutdown-timeout", "-1s"}, []string{"-shutdown-timeout", "0s..1h0m0s"}},
		{"unknown flag", []string{"-nope"}, []string{"-nope", "not defined"}},
		{"missing value", []string{"-delay"}, []string{"-delay", "needs an argument"}},
		{"argument", []string{"serve"}, []string{`"serve"`, "flags only"}},
		{"non-loopback addr", []string{"-addr", "0.0.0.0:5000"}, []string{"-addr", `"0.0.0.0"`, "loopback", "-allow-remote"}},
		{"empty host", []string{"-addr", ":5000"}, []string{"-addr", "loopback"}},
		{"no port", []string{"-addr", "127.0.0.1"}, []string{"-addr", "host:port"}},
		{"bad port", []string{"-addr", "127.0.0.1:http"}, []string{"-addr", "0..65535"}},
		{"port too big", []string{"-addr", "127.0.0.1:70000"}, []string{"-addr", "0..65535"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := servercmd.Main(t.Context(), tc.args, &stdout, &stderr)
			if code != servercmd.ExitUsage {
				t.Fatalf("Main(%q) = %d, want 2; stderr %q", tc.args, code, stderr.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") {
				t.Errorf("stderr %q is not one line", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q does not contain %q", msg, w)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := servercmd.Main(t.Context(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("Main(-h) = %d, want 0; stderr %q", code, stderr.String())
	}
	for _, w := range []string{"usage: slowserver", "-addr", "-delay", "-capacity", "-shutdown-timeout", "127.0.0.1:5000", "3s"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("usage does not mention %q:\n%s", w, stdout.String())
		}
	}
}

func TestListenFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := servercmd.Main(t.Context(), []string{"-addr", ln.Addr().String()}, &stdout, &stderr)
	if code != servercmd.ExitError || !strings.Contains(stderr.String(), "listen on "+ln.Addr().String()) {
		t.Fatalf("Main on a taken port = %d, stderr %q; want 1 and the listen error", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
}

// lineWriter collects output and hands over the first line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
	sent  bool
}

func newLineWriter() *lineWriter { return &lineWriter{first: make(chan string, 1)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok && !w.sent {
		w.sent = true
		w.first <- line
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// run starts Main with args in the background; it returns the base URL and
// a function that cancels Main's context and returns its exit status.
func run(t *testing.T, args ...string) (url string, stop func() int, stdout, stderr *lineWriter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = newLineWriter(), newLineWriter()
	done := make(chan int, 1)
	go func() { done <- servercmd.Main(ctx, args, stdout, stderr) }()
	stopped := false
	var code int
	stop = func() int {
		if !stopped {
			stopped = true
			cancel()
			code = <-done
		}
		return code
	}
	t.Cleanup(func() { stop() })
	select {
	case line := <-stdout.first:
		u, ok := strings.CutPrefix(line, servercmd.ListeningPrefix)
		if !ok || !strings.HasPrefix(u, "http://127.0.0.1:") || strings.HasSuffix(u, ":0") {
			t.Fatalf("first stdout line %q, want %shttp://127.0.0.1:PORT", line, servercmd.ListeningPrefix)
		}
		return u, stop, stdout, stderr
	case code := <-done:
		t.Fatalf("Main returned %d before listening; stderr %q", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("no listening line after 10s; stderr %q", stderr.String())
	}
	return "", nil, nil, nil
}

func fetchStats(t *testing.T, c *http.Client, url string) servers.Stats {
	t.Helper()
	resp, err := c.Get(url + servers.StatsPath)
	if err != nil {
		t.Fatalf("GET /_stats: %v", err)
	}
	defer resp.Body.Close()
	var st servers.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("GET /_stats: %v", err)
	}
	return st
}

func TestServeAndDrain(t *testing.T) {
	url, stop, stdout, stderr := run(t, "-addr", "127.0.0.1:0", "-delay", "50ms")
	c := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()

	start := time.Now()
	resp, err := c.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "Hello!" {
		t.Fatalf("GET / = %d %q, want 200 Hello!", resp.StatusCode, body)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("GET / took %v, want at least the 50ms delay", elapsed)
	}

	// A request in service when the context ends is drained, not dropped.
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := c.Get(url + "/?delay=700ms")
		if err != nil {
			res <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{resp.StatusCode, string(b), err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for fetchStats(t, c, url).InFlight != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the slow request never got in service")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code := stop(); code != 0 {
		t.Fatalf("Main = %d after cancel, want 0; stderr %q", code, stderr.String())
	}
	r := <-res
	if r.err != nil || r.code != http.StatusOK || r.body != "Hello!" {
		t.Fatalf("in-flight request: %d %q %v; want 200 Hello! (drained)", r.code, r.body, r.err)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		t.Error("server still accepts connections after Main returned")
	}
	if got := strings.Count(stdout.String(), "\n"); got != 1 {
		t.Errorf("stdout has %d lines, want exactly 1: %q", got, stdout.String())
	}
	if !strings.Contains(stderr.String(), "served 2") {
		t.Errorf("stderr %q does not report 2 served", stderr.String())
	}
}

func TestDrainDeadline(t *testing.T) {
	url, stop, _, stderr := run(t, "-addr", "127.0.0.1:0", "-delay", "1m", "-shutdown-timeout", "100ms")
	c := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	errc := make(chan error, 1)
	go func() {
		resp, err := c.Get(url + "/")
		if err == nil {
			resp.Body.Close()
			err = errors.New(resp.Status)
		}
		errc <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for fetchStats(t, c, url).InFlight != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the slow request never got in service")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if code := stop(); code != 0 {
		t.Fatalf("Main = %d, want 0", code)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("Main took %v to return with a 100ms drain deadline and a 1m request", elapsed)
	}
	if err := <-errc; err == nil {
		t.Error("the 1m request succeeded, want its connection closed")
	}
	if msg := stderr.String(); !strings.Contains(msg, "drain deadline 100ms passed with 1 in service") || !strings.Contains(msg, "canceled 1") {
		t.Errorf("stderr %q does not report the forced close", msg)
	}
}

// -allow-remote lets a non-loopback -addr past the flag check. The test
// uses an address this machine does not have (TEST-NET-1), so nothing
// listens beyond loopback: the listen fails (exit 1), not the flags (2).
func TestAllowRemote(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := servercmd.Main(t.Context(), []string{"-addr", "192.0.2.1:0"}, &stdout, &stderr); code != servercmd.ExitUsage {
		t.Fatalf("without -allow-remote: exit %d, want %d; stderr %q", code, servercmd.ExitUsage, stderr.String())
	}
	stderr.Reset()
	code := servercmd.Main(t.Context(), []string{"-allow-remote", "-addr", "192.0.2.1:0"}, &stdout, &stderr)
	if code != servercmd.ExitError || strings.Contains(stderr.String(), "loopback") {
		t.Fatalf("with -allow-remote: exit %d, stderr %q; want %d from the listen, not a flag error", code, stderr.String(), servercmd.ExitError)
	}
}
