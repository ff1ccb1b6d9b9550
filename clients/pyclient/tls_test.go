package pyclient

import (
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// TestTLS runs the kinds over HTTPS trusting the test server's certificate
// through Client.RootCAs (requests' verify=, aiohttp's and httpx's SSL
// context): every request succeeds over TLS, one connection per request
// when cold. Without RootCAs the certificate is not trusted and every
// request fails, counted.
func TestTLS(t *testing.T) {
	const n = 4
	var conns, plain atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			plain.Add(1)
		}
		time.Sleep(20 * time.Millisecond)
		_, _ = w.Write([]byte("Hello!"))
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	for _, tc := range []struct {
		kind  Kind
		procs int
	}{{Sequential, 0}, {AioHTTP, 0}, {HTTPX, 0}, {PoolChunked, 2}} {
		t.Run(string(tc.kind), func(t *testing.T) {
			need(t, tc.kind)
			cl := startClient(t, "py-"+string(tc.kind), Config{Kind: tc.kind, Procs: tc.procs,
				Client: clients.Config{Targets: []string{srv.URL + "/"}, Conn: clients.Cold, Timeout: 20 * time.Second, RootCAs: ca}}, workerSource)
			c0 := conns.Load()
			res := run(t, cl, n)
			if res.OK != n || res.Codes[200] != n {
				t.Fatalf("%v, want %d OK over TLS", res, n)
			}
			if c := conns.Load() - c0; c != n {
				t.Errorf("%d connections for %d cold requests, want one each", c, n)
			}
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		need(t, AioHTTP)
		cl := startClient(t, "py-aiohttp", Config{Kind: AioHTTP,
			Client: clients.Config{Targets: []string{srv.URL + "/"}, Conn: clients.Cold, Timeout: 20 * time.Second}}, workerSource)
		res := run(t, cl, n)
		if res.OK != 0 || res.Failed() != n {
			t.Errorf("without RootCAs: %v; want all %d failed (certificate not trusted)", res, n)
		}
	})
	if p := plain.Load(); p != 0 {
		t.Errorf("%d requests reached the server without TLS", p)
	}
}

func TestConfigRefusesH2AndResume(t *testing.T) {
	ok := clients.Config{Targets: []string{"https://127.0.0.1:1/"}}
	h2 := ok
	h2.HTTP2 = clients.HTTP2
	if err := (Config{Kind: AioHTTP, Client: h2}).Validate(); err == nil {
		t.Error("HTTP/2: want an error")
	}
	res := ok
	res.TLSResume = true
	if err := (Config{Kind: AioHTTP, Client: res}).Validate(); err == nil {
		t.Error("TLS resumption: want an error")
	}
}
