package pitfall_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/pitfall"
)

// TestTLSHook runs rows over HTTPS through Config.TLS (the hook for a TLS
// variant of every row): requests succeed, the pool's churn is the same,
// and no row falls back to plain HTTP. The server is in-process (httptest):
// a test, not a measurement.
func TestTLSHook(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			http.Error(w, "plain HTTP", http.StatusBadRequest)
			return
		}
		time.Sleep(5 * time.Millisecond) // keep c requests in flight at once
		_, _ = io.WriteString(w, "Hello!")
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	const c = 10
	for _, tc := range []struct {
		name pitfall.Name
		v    pitfall.Variant
		min  int64 // dials per warm batch at least
		max  int64 // and at most
	}{
		{pitfall.IdlePool, pitfall.Bad, c / 2, c},
		{pitfall.IdlePool, pitfall.Fix, 0, 1},
		{pitfall.FastHTTPMaxConns, pitfall.Fix, 0, 1},
	} {
		cfg := pitfall.Config{Target: srv.URL + "/", C: c, TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		os := batches(t, tc.name, tc.v, cfg, c, 1)
		requireOK(t, string(tc.name)+" over TLS", os)
		if d := os[0].Dials; d < tc.min || d > tc.max {
			t.Errorf("%s/%s over TLS: %d dials in a warm batch; want %d..%d", tc.name, tc.v, d, tc.min, tc.max)
		}
	}
}
