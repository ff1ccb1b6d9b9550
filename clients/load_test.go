package clients_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// loaders are the strategies that implement clients.Loader.
func loaders() []string {
	return []string{strategy.Sequential, strategy.FakeAsync, strategy.Fanout, strategy.FastHTTP}
}

func newLoader(t *testing.T, name string, cfg clients.Config) clients.Loader {
	t.Helper()
	l, ok := newClient(t, name, cfg).(clients.Loader)
	if !ok {
		t.Fatalf("%s does not implement clients.Loader", name)
	}
	return l
}

// workersFor is the widest load each strategy's pool allows.
func workersFor(name string, c int) int {
	if name == strategy.Sequential || name == strategy.FakeAsync {
		return 1
	}
	return c
}

func TestLoadIsDurationBoundedClosedLoop(t *testing.T) {
	for _, name := range loaders() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := servertest.Start(t, servers.Config{Delay: 2 * time.Millisecond})
			w := workersFor(name, 4)
			l := newLoader(t, name, clients.Config{Targets: []string{srv.URL}, Concurrency: 4})
			const d = 300 * time.Millisecond
			res, err := l.Load(t.Context(), clients.LoadConfig{Workers: w, Duration: d, MaxRequests: 1 << 30})
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Check(); err != nil {
				t.Fatal(err)
			}
			st := srv.Stats()
			// Every request issued is counted once and succeeded; the loops
			// ran back to back, never more than w at once, over at most w
			// (warm) connections.
			if res.Requests < 2 || res.OK != res.Requests || res.Failed() != 0 || st.Served != res.Requests {
				t.Errorf("result %v, server served %d; want every issued request ok and served", res, st.Served)
			}
			if res.MaxInFlight > int64(w) || st.MaxInFlight > int64(w) || st.Conns > int64(w) {
				t.Errorf("in flight: client %d, server %d, connections %d; want at most %d", res.MaxInFlight, st.MaxInFlight, st.Conns, w)
			}
			if res.Wall < d {
				t.Errorf("wall %v, want at least the %v duration", res.Wall, d)
			}
			if res.Throughput() <= 0 {
				t.Errorf("throughput %v", res.Throughput())
			}
		})
	}
}

func TestLoadStopsAtMaxRequests(t *testing.T) {
	for _, name := range []string{strategy.Fanout, strategy.FastHTTP} {
		srv := servertest.Start(t, servers.Config{})
		l := newLoader(t, name, clients.Config{Targets: []string{srv.URL, srv.URL + "?delay=0s"}, Concurrency: 8})
		res, err := l.Load(t.Context(), clients.LoadConfig{Workers: 8, Duration: time.Hour, MaxRequests: 101})
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests != 101 || res.OK != 101 || srv.Stats().Served != 101 {
			t.Errorf("%s: %v, server served %d; want exactly 101 requests", name, res, srv.Stats().Served)
		}
	}
}

// When ctx ends, no new request starts and the ones in flight are canceled.
func TestLoadCanceled(t *testing.T) {
	for _, name := range []string{strategy.Fanout, strategy.FastHTTP} {
		srv := servertest.Start(t, servers.Config{Delay: 200 * time.Millisecond})
		l := newLoader(t, name, clients.Config{Targets: []string{srv.URL}, Concurrency: 4})
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		res, err := l.Load(ctx, clients.LoadConfig{Workers: 4, Duration: time.Hour, MaxRequests: 1 << 30})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Check(); err != nil {
			t.Fatal(err)
		}
		if res.Wall > 30*time.Second || res.Requests == 0 || res.NotIssued != 0 {
			t.Errorf("%s: %v; want it to end soon after the context, every issued request accounted for", name, res)
		}
		if name == strategy.Fanout && res.Errors[clients.Canceled] == 0 {
			// net/http aborts the requests in flight; fasthttp lets them
			// finish within their deadline.
			t.Errorf("%s: %v; want the requests in flight at the cancel counted as canceled", name, res)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer ts.Close()
	cfg := clients.Config{Targets: []string{ts.URL}, Concurrency: 2}
	for _, name := range []string{strategy.Sequential, strategy.Fanout, strategy.FastHTTP} {
		l := newLoader(t, name, cfg)
		for _, tc := range []struct {
			lc   clients.LoadConfig
			want string
		}{
			{clients.LoadConfig{Workers: 0, Duration: time.Second, MaxRequests: 1}, "workers: 0"},
			{clients.LoadConfig{Workers: 1, Duration: 0, MaxRequests: 1}, "duration: 0s"},
			{clients.LoadConfig{Workers: 1, Duration: 2 * time.Hour, MaxRequests: 1}, "duration: 2h0m0s"},
			{clients.LoadConfig{Workers: 1, Duration: time.Second, MaxRequests: 0}, "max requests: 0"},
			{clients.LoadConfig{Workers: 3, Duration: time.Second, MaxRequests: 1}, "at most"},
		} {
			if _, err := l.Load(t.Context(), tc.lc); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: Load(%+v) = %v, want an error containing %q", name, tc.lc, err, tc.want)
			}
		}
	}
	if hits.Load() != 0 {
		t.Errorf("invalid loads sent %d requests", hits.Load())
	}
}
