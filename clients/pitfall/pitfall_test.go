package pitfall_test

import (
	"context"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/pitfall"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

func TestMain(m *testing.M) {
	if serverproc.IsChild() {
		os.Exit(serverproc.ChildMain())
	}
	goleak.VerifyTestMain(m, leaktest.FastHTTPCleaners()...)
}

// server starts a slowserver in its own process with delay d (and extra
// flags) and returns its URL and port.
func server(t *testing.T, d time.Duration, extra ...string) (string, int) {
	t.Helper()
	args := append([]string{"-addr", "127.0.0.1:0", "-delay", d.String(), "-shutdown-timeout", "1s"}, extra...)
	p, err := serverproc.Start(t.Context(), args)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop server: %v", err)
		}
	})
	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p.URL + "/", port
}

// batches runs a warm-up batch and then k batches of n with a new client of
// (name, v, cfg), and returns the k batches' outcomes.
func batches(t *testing.T, name pitfall.Name, v pitfall.Variant, cfg pitfall.Config, n, k int) []*pitfall.Outcome {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Bound == 0 {
		cfg.Bound = 20 * time.Second
	}
	cl, err := pitfall.New(name, v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	var out []*pitfall.Outcome
	for i := range k + 1 {
		o, err := cl.Run(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Check(); err != nil {
			t.Fatalf("%s/%s batch %d: %v", name, v, i, err)
		}
		if i > 0 {
			out = append(out, o)
		}
	}
	return out
}

// requireOK fails t unless every request of os succeeded.
func requireOK(t *testing.T, what string, os []*pitfall.Outcome) {
	t.Helper()
	for i, o := range os {
		if err := o.Err(); err != nil {
			t.Fatalf("%s batch %d: %v", what, i, err)
		}
	}
}

// The symptom tests below fail if the pitfall's symptom disappears (the
// benchmark's row would then be lying) or the fix stops fixing it. They
// count; they never time.

func TestIdlePoolChurns(t *testing.T) {
	const c, k = 20, 3
	for _, v := range pitfall.Variants() {
		t.Run(string(v), func(t *testing.T) {
			target, port := server(t, 20*time.Millisecond)
			os := batches(t, pitfall.IdlePool, v, pitfall.Config{Target: target, C: c}, c, k)
			requireOK(t, "idle-pool", os)
			tw, err := pitfall.TimeWait(port)
			if err != nil {
				t.Skipf("no /proc/net/tcp: %v", err)
			}
			for i, o := range os {
				switch {
				case v == pitfall.Bad && o.Dials < c/2:
					t.Errorf("bad batch %d dialled %d connections; want ≥ %d (c − 2 = %d churned)", i, o.Dials, c/2, c-2)
				case v == pitfall.Fix && o.Dials > c/10:
					t.Errorf("fix batch %d dialled %d connections; want ≤ %d (a warm pool of %d)", i, o.Dials, c/10, c)
				}
			}
			if v == pitfall.Bad && tw < k*c/2 {
				t.Errorf("bad: %d sockets in TIME_WAIT on port %d; want ≥ %d", tw, port, k*c/2)
			}
			if v == pitfall.Fix && tw > c {
				t.Errorf("fix: %d sockets in TIME_WAIT on port %d; want ≤ %d", tw, port, c)
			}
		})
	}
}

func TestBodyUnreadNoReuse(t *testing.T) {
	const c, k = 20, 3
	target, _ := server(t, 5*time.Millisecond)
	for _, v := range pitfall.Variants() {
		os := batches(t, pitfall.BodyUnread, v, pitfall.Config{Target: target, C: c}, c, k)
		requireOK(t, "body-unread", os)
		for i, o := range os {
			if v == pitfall.Bad && o.Dials != int64(c) {
				t.Errorf("bad batch %d dialled %d connections; want one per request, %d", i, o.Dials, c)
			}
			if v == pitfall.Fix && o.Dials > c/10 {
				t.Errorf("fix batch %d dialled %d connections; want ≤ %d", i, o.Dials, c/10)
			}
			if v == pitfall.Bad && o.Bytes != 0 || v == pitfall.Fix && o.Bytes == 0 {
				t.Errorf("%s batch %d read %d body bytes", v, i, o.Bytes)
			}
		}
	}
}

func TestBodyUnclosedLeaks(t *testing.T) {
	const c, k = 20, 2
	target, _ := server(t, 5*time.Millisecond)
	for _, v := range pitfall.Variants() {
		os := batches(t, pitfall.BodyUnclosed, v, pitfall.Config{Target: target, C: c}, c, k)
		requireOK(t, "body-unclosed", os)
		for i, o := range os {
			if v == pitfall.Bad && (o.Dials != int64(c) || o.Leaked != int64(c)) {
				t.Errorf("bad batch %d: %d dials, %d connections leaked; want %d each", i, o.Dials, o.Leaked, c)
			}
			if v == pitfall.Fix && (o.Dials > c/10 || o.Leaked != 0) {
				t.Errorf("fix batch %d: %d dials, %d leaked; want ≤ %d and 0", i, o.Dials, o.Leaked, c/10)
			}
		}
	}
}

func TestClientPerRequestLeaks(t *testing.T) {
	const c, k = 20, 2
	target, _ := server(t, 5*time.Millisecond)
	for _, v := range pitfall.Variants() {
		os := batches(t, pitfall.ClientPerRequest, v, pitfall.Config{Target: target, C: c}, c, k)
		requireOK(t, "client-per-request", os)
		for i, o := range os {
			if v == pitfall.Bad && (o.Dials != int64(c) || o.Leaked != int64(c)) {
				t.Errorf("bad batch %d: %d dials, %d connections leaked; want %d each", i, o.Dials, o.Leaked, c)
			}
			if v == pitfall.Fix && (o.Dials > c/10 || o.Leaked != 0) {
				t.Errorf("fix batch %d: %d dials, %d leaked; want ≤ %d and 0", i, o.Dials, o.Leaked, c/10)
			}
		}
	}
}

func TestNoTimeoutHangs(t *testing.T) {
	const c = 10
	target, _ := server(t, time.Millisecond)
	cfg := pitfall.Config{Target: target, C: c, Timeout: 50 * time.Millisecond, Bound: 400 * time.Millisecond}
	bad := batches(t, pitfall.NoTimeout, pitfall.Bad, cfg, c, 1)[0]
	if bad.Hung != c || bad.OK != 0 {
		t.Errorf("bad: %d hung, %d ok when the bound passed; want all %d still in flight (%v)", bad.Hung, bad.OK, c, bad.Err())
	}
	fix := batches(t, pitfall.NoTimeout, pitfall.Fix, cfg, c, 1)[0]
	if fix.Hung != 0 || fix.Errors[clients.Timeout] != c {
		t.Errorf("fix: %d hung, %d timed out; want 0 and %d (%v)", fix.Hung, fix.Errors[clients.Timeout], c, fix.Err())
	}
}

func TestFastHTTPNoFreeConns(t *testing.T) {
	const c = 1000
	target, _ := server(t, 100*time.Millisecond)
	bad := batches(t, pitfall.FastHTTPMaxConns, pitfall.Bad, pitfall.Config{Target: target, C: c}, c, 1)[0]
	if bad.NoFreeConns < (c-512)/2 || bad.Errors[clients.Other] < bad.NoFreeConns {
		t.Errorf("bad: %d ErrNoFreeConns (other %d); want ≥ %d of %d past the 512 limit (%v)",
			bad.NoFreeConns, bad.Errors[clients.Other], (c-512)/2, c-512, bad.Err())
	}
	if bad.Dials > 512 {
		t.Errorf("bad: %d dials past MaxConnsPerHost 512", bad.Dials)
	}
	fix := batches(t, pitfall.FastHTTPMaxConns, pitfall.Fix, pitfall.Config{Target: target, C: c}, c, 1)[0]
	requireOK(t, "fasthttp fix", []*pitfall.Outcome{fix})
}

func TestResolvePerConnLooksUp(t *testing.T) {
	const c, k = 10, 2
	target, _ := server(t, time.Millisecond)
	for _, v := range pitfall.Variants() {
		os := batches(t, pitfall.ResolvePerConn, v, pitfall.Config{Target: target, C: c}, c, k)
		requireOK(t, "resolve-per-conn", os)
		for i, o := range os {
			if o.Dials != c {
				t.Errorf("%s batch %d: %d dials; want one per request (cold), %d", v, i, o.Dials, c)
			}
			if v == pitfall.Bad && o.Lookups < o.Dials {
				t.Errorf("bad batch %d: %d lookups for %d new connections; want ≥ 1 each", i, o.Lookups, o.Dials)
			}
			if v == pitfall.Fix && o.Lookups != 0 {
				t.Errorf("fix batch %d: %d lookups after the first; want 0 (cached)", i, o.Lookups)
			}
		}
	}
}

// TestIdlePoolWAN checks the churn through the emulated network (one small
// RTT), counted by the server.
func TestIdlePoolWAN(t *testing.T) {
	const c = 10
	target, _ := server(t, time.Millisecond, "-rtt", "5ms")
	for _, v := range pitfall.Variants() {
		cl, err := pitfall.New(pitfall.IdlePool, v, pitfall.Config{Target: target, C: c, Timeout: 10 * time.Second, Bound: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Run(t.Context(), c); err != nil { // warm-up
			t.Fatal(err)
		}
		if err := serverproc.ResetStats(t.Context(), target); err != nil {
			t.Fatal(err)
		}
		o, err := cl.Run(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		_ = cl.Close()
		requireOK(t, "idle-pool wan", []*pitfall.Outcome{o})
		st, err := serverproc.FetchStats(context.Background(), target)
		if err != nil {
			t.Fatal(err)
		}
		if st.Conns != o.Dials {
			t.Errorf("%s: server accepted %d connections, client dialled %d", v, st.Conns, o.Dials)
		}
		if v == pitfall.Bad && st.Conns < c/2 || v == pitfall.Fix && st.Conns > 1 {
			t.Errorf("%s: %d new connections in a warm batch of %d", v, st.Conns, c)
		}
	}
}

func TestBadConfig(t *testing.T) {
	good := pitfall.Config{Target: "http://127.0.0.1:1/", Timeout: time.Second, Bound: time.Second}
	for _, tc := range []struct {
		name pitfall.Name
		v    pitfall.Variant
		mod  func(*pitfall.Config)
		want string
	}{
		{"nope", pitfall.Bad, nil, "unknown"},
		{pitfall.IdlePool, "worse", nil, "variant"},
		{pitfall.IdlePool, pitfall.Bad, func(c *pitfall.Config) { c.C = -1 }, "C -1"},
		{pitfall.IdlePool, pitfall.Bad, func(c *pitfall.Config) { c.Timeout = 0 }, "Timeout"},
		{pitfall.IdlePool, pitfall.Bad, func(c *pitfall.Config) { c.Bound = 2 * time.Hour }, "Bound"},
		{pitfall.IdlePool, pitfall.Bad, func(c *pitfall.Config) { c.Target = "ftp://x" }, "Target"},
	} {
		cfg := good
		if tc.mod != nil {
			tc.mod(&cfg)
		}
		if _, err := pitfall.New(tc.name, tc.v, cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%s, %s, %+v): %v; want an error naming %q", tc.name, tc.v, cfg, err, tc.want)
		}
	}
	if _, err := pitfall.ParseNames("idle-pool,bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("ParseNames: %v; want an error naming bogus", err)
	}
}
