package flaskserver_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/flaskserver"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start runs the Flask server, skipping the test (in one line naming the
// package) where python3-flask is missing, and stops it at the end.
func start(t *testing.T, o flaskserver.Options) *flaskserver.Proc {
	t.Helper()
	if err := flaskserver.Check(t.Context(), o.Python); err != nil {
		t.Skip(err)
	}
	p, err := flaskserver.Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start(%+v): %v", o, err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
		leaktest.WaitNoChildren(t, "flask server")
	})
	return p
}

// fanout runs n requests at once against url with cold connections.
func fanout(t *testing.T, url string, n int) *clients.Result {
	t.Helper()
	cl, err := clients.NewFanout("fanout", clients.Config{Targets: []string{url}, Conn: clients.Cold, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	res, err := cl.Run(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != int64(n) || res.Bytes != int64(6*n) {
		t.Fatalf("fan-out of %d: %v, want every request answered Hello!", n, res)
	}
	return res
}

// Threaded, the server has every request of a fan-out in service at once.
func TestThreadedServesFanoutAtOnce(t *testing.T) {
	const n = 8
	p := start(t, flaskserver.Options{Delay: 300 * time.Millisecond})
	fanout(t, p.URL+"/", n)
	st, err := p.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Served != n || st.MaxInFlight != n || st.Conns != n || st.InFlight != 0 {
		t.Errorf("stats %+v, want %d served, all %d in flight at once over %d connections", st, n, n, n)
	}
	if st.DelayNS != int64(300*time.Millisecond) || st.Dist != "fixed" {
		t.Errorf("stats report delay %dns, dist %q; want the configured 300ms, fixed", st.DelayNS, st.Dist)
	}
}

// Single-threaded, the server serialises a fan-out: one request in service
// at a time, so the batch takes at least n·d.
func TestSingleSerialises(t *testing.T) {
	const n = 5
	const d = 100 * time.Millisecond
	p := start(t, flaskserver.Options{Delay: d, Single: true})
	res := fanout(t, p.URL+"/", n)
	st, err := p.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Served != n || st.MaxInFlight != 1 {
		t.Errorf("stats %+v, want %d served one at a time", st, n)
	}
	if res.Wall < n*d {
		t.Errorf("fan-out took %v, want at least n·d = %v", res.Wall, n*d)
	}
}

// ?delay= overrides d as on the Go server; a bad value is a 400 naming it.
// Reset zeroes the counters.
func TestDelayOverrideAndReset(t *testing.T) {
	p := start(t, flaskserver.Options{Delay: time.Hour, MaxDelay: 2 * time.Hour})
	c := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	get := func(q string) (int, string) {
		resp, err := c.Get(p.URL + "/?delay=" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, q := range []string{"0s", "0", "1ms", "1.5ms", "2us"} {
		if code, body := get(q); code != 200 || body != "Hello!" {
			t.Errorf("?delay=%s: %d %q, want 200 Hello!", q, code, body)
		}
	}
	for _, q := range []string{"abc", "3h", "-1s", "5"} {
		if code, body := get(q); code != 400 || !strings.Contains(body, "delay") {
			t.Errorf("?delay=%s: %d %q, want 400 naming delay", q, code, body)
		}
	}
	st, err := p.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// werkzeug's development server closes every connection after its
	// response, keep-alive or not.
	if st.Served != 5 || st.BadRequests != 4 || st.Conns != 9 {
		t.Errorf("stats %+v, want 5 served, 4 bad requests, a connection each", st)
	}
	if err := p.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st, err := p.Stats(t.Context()); err != nil || st.Served != 0 || st.BadRequests != 0 {
		t.Errorf("stats after reset %+v, %v, want zeroes", st, err)
	}
}

// Stop is clean while a request is in service, idempotent, and leaves no
// process behind.
func TestStop(t *testing.T) {
	p := start(t, flaskserver.Options{Delay: time.Minute})
	go func() {
		resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Get(p.URL + "/")
		if err == nil {
			resp.Body.Close()
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := p.Stats(t.Context())
		if err == nil && st.InFlight == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("request never in service: %+v %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	leaktest.WaitNoChildren(t, "stopped flask server")
	if _, err := p.Stats(t.Context()); err == nil {
		t.Error("stopped server still answers")
	}
}

// A python without flask: Check names the package, Start fails with the
// import error instead of hanging.
func TestMissingFlask(t *testing.T) {
	if err := flaskserver.Check(t.Context(), ""); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	pkg := filepath.Join(dir, "lib", "flask")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte("raise ModuleNotFoundError(\"No module named 'flask'\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	py := filepath.Join(dir, "python3")
	sh := "#!/bin/sh\nPYTHONPATH=" + filepath.Join(dir, "lib") + " exec " + flaskserver.DefaultPython + " \"$@\"\n"
	if err := os.WriteFile(py, []byte(sh), 0o755); err != nil {
		t.Fatal(err)
	}
	err := flaskserver.Check(t.Context(), py)
	if err == nil || !strings.Contains(err.Error(), "install python3-flask") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Check = %v, want one line naming python3-flask", err)
	}
	_, err = flaskserver.Start(t.Context(), flaskserver.Options{Python: py})
	if err == nil || !strings.Contains(err.Error(), "ModuleNotFoundError") {
		t.Errorf("Start = %v, want the import error", err)
	}
	leaktest.WaitNoChildren(t, "failed start")
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []flaskserver.Options{
		{Delay: -time.Second},
		{Delay: 11 * time.Minute},
		{MaxDelay: -1},
	} {
		if _, err := flaskserver.Start(t.Context(), o); err == nil {
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
}

// The seed's pairing: Python aiohttp against the threaded Flask server, a
// fan-out served all at once, with the warm client reconnecting for each
// request because werkzeug closes every connection.
func TestPythonClientAgainstFlask(t *testing.T) {
	const n = 8
	if err := pyclient.Check(t.Context(), "", pyclient.AioHTTP); err != nil {
		t.Skip(err)
	}
	p := start(t, flaskserver.Options{Delay: 300 * time.Millisecond})
	cl, err := pyclient.New(t.Context(), "py-aiohttp", pyclient.Config{Kind: pyclient.AioHTTP,
		Client: clients.Config{Targets: []string{p.URL + "/"}, Conn: clients.Warm, Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	res, err := cl.Run(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != n || res.Bytes != 6*n {
		t.Fatalf("%v, want %d ok", res, n)
	}
	st, err := p.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Served != n || st.MaxInFlight != n || st.Conns != n {
		t.Errorf("stats %+v, want %d served at once over %d connections", st, n, n)
	}
}
