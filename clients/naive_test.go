package clients_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

func TestNaiveClient(t *testing.T) {
	srv := servertest.Start(t, servers.Config{Delay: 100 * time.Millisecond})
	if _, err := clients.NewNaive(strategy.NaiveHTTPGet, clients.Config{Targets: []string{srv.URL}, Concurrency: 4}); err == nil || !strings.Contains(err.Error(), "concurrency") {
		t.Errorf("NewNaive with a concurrency limit = %v, want an error", err)
	}
	if _, err := clients.NewNaive(strategy.NaiveHTTPGet, clients.Config{}); err == nil {
		t.Error("NewNaive without targets succeeded")
	}
	for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
		c, err := clients.NewNaive(strategy.NaiveHTTPGet, clients.Config{Targets: []string{srv.URL}, Conn: conn, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		srv.ResetStats()
		const n = 20
		for range 2 {
			res, err := c.Run(t.Context(), n)
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Check(); err != nil {
				t.Fatal(err)
			}
			// Every request at once (a goroutine each, no limit).
			if res.OK != n || res.MaxInFlight != n || res.Strategy != strategy.NaiveHTTPGet {
				t.Errorf("%v: %v; want %d ok, all in flight at once", conn, res, n)
			}
		}
		// The default transport keeps at most 2 idle connections per host,
		// so even warm, the second batch opens at least n-2 new ones; cold
		// drops those 2 as well.
		st := srv.Stats()
		wantMin := int64(2*n - 2)
		if conn == clients.Cold {
			wantMin = 2 * n
		}
		if st.Conns < wantMin {
			t.Errorf("%v: %d connections for 2 batches of %d, want at least %d (the default transport keeps 2 idle)", conn, st.Conns, n, wantMin)
		}
		if _, err := c.Run(t.Context(), 0); err == nil {
			t.Error("Run(0) succeeded")
		}
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}
}
