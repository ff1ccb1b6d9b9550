package clients_test

import (
	"context"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// constructors are the in-process strategies under test.
var constructors = map[string]func(string, clients.Config) (clients.Client, error){
	strategy.Sequential: clients.NewSequential,
	strategy.FakeAsync:  clients.NewFakeAsync,
	strategy.Fanout:     clients.NewFanout,
	strategy.FastHTTP:   clients.NewFastHTTP,
}

// wantInFlight is the concurrency each strategy must reach with c = 0.
func wantInFlight(name string, n int) int64 {
	if name == strategy.Fanout || name == strategy.FastHTTP {
		return int64(n)
	}
	return 1
}

func newClient(t *testing.T, name string, cfg clients.Config) clients.Client {
	t.Helper()
	c, err := constructors[name](name, cfg)
	if err != nil {
		t.Fatalf("new %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

func run(t *testing.T, c clients.Client, n int) *clients.Result {
	t.Helper()
	res, err := c.Run(t.Context(), n)
	if err != nil {
		t.Fatalf("%s: Run: %v", c.Name(), err)
	}
	if err := res.Check(); err != nil {
		t.Fatalf("%s: %v", c.Name(), err)
	}
	return res
}

func TestStrategiesCountAndConcurrency(t *testing.T) {
	const n = 12
	for name := range constructors {
		for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
			t.Run(name+"/"+conn.String(), func(t *testing.T) {
				t.Parallel()
				// 200ms: long enough that all n overlap even on a loaded machine.
				srv := servertest.Start(t, servers.Config{Delay: 200 * time.Millisecond})
				c := newClient(t, name, clients.Config{Targets: []string{srv.URL}, Conn: conn})
				res := run(t, c, n)
				if res.OK != n || res.Failed() != 0 || res.Requests != n {
					t.Fatalf("got %v, want %d ok", res, n)
				}
				if res.Strategy != name || res.Latency.TotalCount() != n || res.Codes[200] != n || res.Bytes != 6*n {
					t.Errorf("result %v: want strategy %s, %d latencies, %d×200, %d bytes", res, name, n, n, 6*n)
				}
				st := srv.Stats()
				if st.Served != n {
					t.Errorf("server served %d, want %d", st.Served, n)
				}
				want := wantInFlight(name, n)
				if st.MaxInFlight != want || res.MaxInFlight != want {
					t.Errorf("in flight: server %d, client %d; want %d", st.MaxInFlight, res.MaxInFlight, want)
				}
				if res.Quantile(0.5) < 200*time.Millisecond {
					t.Errorf("p50 %v is below the server's delay", res.Quantile(0.5))
				}
				if conn == clients.Cold && st.Conns != n {
					t.Errorf("cold: server saw %d connections, want one per request (%d)", st.Conns, n)
				}
			})
		}
	}
}

func TestWarmConnectionsAreReused(t *testing.T) {
	for _, name := range []string{strategy.Fanout, strategy.FastHTTP, strategy.Sequential} {
		t.Run(name, func(t *testing.T) {
			srv := servertest.Start(t, servers.Config{Delay: 5 * time.Millisecond})
			c := newClient(t, name, clients.Config{Targets: []string{srv.URL}, Concurrency: 4})
			for range 3 {
				run(t, c, 20)
			}
			want := int64(4)
			if name == strategy.Sequential {
				want = 1
			}
			if got := srv.Stats().Conns; got > want {
				t.Errorf("3 warm batches of 20 opened %d connections, want at most %d", got, want)
			}
		})
	}
}

func TestConcurrencyLimit(t *testing.T) {
	for _, name := range []string{strategy.Fanout, strategy.FastHTTP} {
		t.Run(name, func(t *testing.T) {
			srv := servertest.Start(t, servers.Config{Delay: 100 * time.Millisecond})
			c := newClient(t, name, clients.Config{Targets: []string{srv.URL}, Concurrency: 5})
			res := run(t, c, 15)
			if res.OK != 15 {
				t.Fatal(res)
			}
			if st := srv.Stats(); st.MaxInFlight != 5 || res.MaxInFlight != 5 {
				t.Errorf("max in flight: server %d, client %d; want 5", st.MaxInFlight, res.MaxInFlight)
			}
		})
	}
}

// A capacity-1 server serialises a fan-out: the bottleneck moves to the
// server, as the seed says of Flask without threaded=True.
func TestCapacityOneSerialisesFanout(t *testing.T) {
	const n, d = 6, 20 * time.Millisecond
	srv := servertest.Start(t, servers.Config{Delay: d, Capacity: 1})
	c := newClient(t, strategy.Fanout, clients.Config{Targets: []string{srv.URL}})
	res := run(t, c, n)
	if res.OK != n {
		t.Fatal(res)
	}
	st := srv.Stats()
	if st.MaxInFlight != 1 || st.MaxQueued < 2 {
		t.Errorf("server max in flight %d, max queued %d; want 1 and a queue", st.MaxInFlight, st.MaxQueued)
	}
	if res.MaxInFlight != n {
		t.Errorf("client had %d in flight, want all %d", res.MaxInFlight, n)
	}
	if res.Wall < n*d {
		t.Errorf("wall %v < n×d = %v: the server did not serialise", res.Wall, n*d)
	}
}

// barrierServer answers nobody until n requests are in flight at once, so a
// client that cannot hold n requests open at the same time gets 503s (after
// wait) instead of 200s. It makes "all n were in flight together" a fact to
// check, not a timing to hope for.
func barrierServer(t *testing.T, n int64, wait time.Duration) string {
	var arrived atomic.Int64
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
			w.Write([]byte("Hello!"))
		case <-time.After(wait):
			http.Error(w, "the barrier never filled", http.StatusServiceUnavailable)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// Large fan-outs must not trip fasthttp's defaults (512 conns per host, no
// wait, 1000 concurrent dials): all 1200 requests must be in flight at once.
func TestLargeFanoutHoldsEveryRequestOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2400 sockets")
	}
	const n = 1200 // two sockets each, in one process: well under the open-file cap
	for _, name := range []string{strategy.FastHTTP, strategy.Fanout} {
		t.Run(name, func(t *testing.T) {
			url := barrierServer(t, n, 30*time.Second)
			c := newClient(t, name, clients.Config{Targets: []string{url}})
			res := run(t, c, n)
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			if res.MaxInFlight != n {
				t.Errorf("client peak in flight %d, want %d", res.MaxInFlight, n)
			}
		})
	}
}

func TestErrorsAreCountedByKind(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/"
	l.Close()

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusServiceUnavailable)
	}))
	t.Cleanup(failing.Close)
	slow := servertest.Start(t, servers.Config{Delay: 5 * time.Second})

	tests := []struct {
		name    string
		target  string
		timeout time.Duration
		kind    clients.ErrorKind
	}{
		{"refused", refused, 0, clients.Refused},
		{"status", failing.URL + "/", 0, clients.Status},
		{"timeout", slow.URL, 100 * time.Millisecond, clients.Timeout},
	}
	for _, tt := range tests {
		for name := range constructors {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				c := newClient(t, name, clients.Config{Targets: []string{tt.target}, Timeout: tt.timeout})
				res := run(t, c, 3)
				if res.Errors[tt.kind] != 3 || res.OK != 0 {
					t.Fatalf("want 3 %s errors, got %v", tt.kind, res)
				}
				if res.Latency.TotalCount() != 3 {
					t.Errorf("%d latencies recorded, want 3", res.Latency.TotalCount())
				}
				if err := res.Err(); err == nil || !strings.Contains(err.Error(), string(tt.kind)+"=3") {
					t.Errorf("Err() = %v, want it to count %s=3", err, tt.kind)
				}
				if tt.kind == clients.Timeout && res.Max() < tt.timeout {
					t.Errorf("timed-out latency %v, want the timeout %v", res.Max(), tt.timeout)
				}
				if tt.kind == clients.Status && res.Codes[503] != 3 {
					t.Errorf("codes %v, want 3×503", res.Codes)
				}
			})
		}
	}
}

func TestCancelCountsEveryRequest(t *testing.T) {
	for name := range constructors {
		t.Run(name, func(t *testing.T) {
			srv := servertest.Start(t, servers.Config{Delay: 50 * time.Millisecond})
			c := newClient(t, name, clients.Config{Targets: []string{srv.URL}, Concurrency: 2, Timeout: 2 * time.Second})
			ctx, cancel := context.WithTimeout(t.Context(), 120*time.Millisecond)
			defer cancel()
			res, err := c.Run(ctx, 20)
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Check(); err != nil {
				t.Fatal(err)
			}
			if res.Requests != 20 || res.Errors[clients.Canceled] == 0 || res.OK+res.Failed() != 20 {
				t.Fatalf("got %v: want 20 requests with some canceled", res)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	for name, newc := range constructors {
		if _, err := newc(name, clients.Config{}); err == nil || !strings.Contains(err.Error(), "targets") {
			t.Errorf("%s with no targets: %v", name, err)
		}
		c := newClient(t, name, clients.Config{Targets: []string{"http://127.0.0.1:1/"}})
		for _, n := range []int{0, -1} {
			if _, err := c.Run(context.Background(), n); err == nil || !strings.Contains(err.Error(), "n: ") {
				t.Errorf("%s.Run(%d) = %v, want an error naming n", name, n, err)
			}
		}
	}
}

func TestTargetsRoundRobin(t *testing.T) {
	a := servertest.Start(t, servers.Config{})
	b := servertest.Start(t, servers.Config{})
	for name := range constructors {
		c := newClient(t, name, clients.Config{Targets: []string{a.URL, b.URL}})
		run(t, c, 10)
	}
	if sa, sb := a.Stats().Served, b.Stats().Served; sa != 20 || sb != 20 {
		t.Errorf("served %d and %d, want 20 each", sa, sb)
	}
}

// Every request carries its index in servers.HeaderIndex: Run numbers a
// client's requests from 0 across its batches (Result.FirstIndex says
// where each batch began), RunFrom takes the caller's first index without
// moving Run's, a load reserves MaxRequests indices, and a bad first index
// is an error naming it.
func TestRequestIndices(t *testing.T) {
	for name := range constructors {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Header.Values(servers.HeaderIndex)...)
				mu.Unlock()
			}))
			defer ts.Close()
			cfg := clients.Config{Targets: []string{ts.URL + "/"}, Concurrency: 2}
			c := newClient(t, name, cfg)
			ic, ok := c.(clients.IndexedClient)
			if !ok {
				t.Fatalf("%s is not an IndexedClient", name)
			}
			check := func(what string, res *clients.Result, err error, first int64, want ...string) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				mu.Lock()
				seen := slices.Sorted(slices.Values(got))
				got = nil
				mu.Unlock()
				if res.FirstIndex != first || !slices.Equal(seen, want) {
					t.Errorf("%s: FirstIndex %d, indices sent %q; want %d, %q", what, res.FirstIndex, seen, first, want)
				}
			}
			res, err := c.Run(t.Context(), 3)
			check("first Run", res, err, 0, "0", "1", "2")
			res, err = c.Run(t.Context(), 2)
			check("second Run", res, err, 3, "3", "4")
			res, err = ic.RunFrom(t.Context(), 100, 2)
			check("RunFrom 100", res, err, 100, "100", "101")
			res, err = c.Run(t.Context(), 1)
			check("Run after RunFrom", res, err, 5, "5")
			if l, ok := c.(clients.Loader); ok {
				res, err = l.Load(t.Context(), clients.LoadConfig{Workers: 1, Duration: time.Minute, MaxRequests: 2})
				check("Load", res, err, 6, "6", "7")
				res, err = c.Run(t.Context(), 1)
				check("Run after Load", res, err, 8, "8")
			}
			for _, first := range []int64{-1, math.MaxInt64 - 1} {
				if _, err := ic.RunFrom(t.Context(), first, 2); err == nil || !strings.Contains(err.Error(), "first index") {
					t.Errorf("RunFrom(%d, 2) = %v, want an error naming the first index", first, err)
				}
			}
		})
	}
}
