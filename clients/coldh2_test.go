package clients

import (
	"context"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestColdHTTP2OneConnPerRequest: a cold HTTP/2 fan-out (over TLS and h2c)
// opens exactly one connection per request, every request over HTTP/2. With
// net/http's DisableKeepAlives alone a connection dialled for one request
// is handed to other waiting requests too; a single-use connection then
// serves one of them, and the others dial again (more connections than
// requests, and a second set-up on some requests' paths).
func TestColdHTTP2OneConnPerRequest(t *testing.T) {
	const c = 50
	for _, tls := range []bool{true, false} {
		t.Run(map[bool]string{true: "tls", false: "h2c"}[tls], func(t *testing.T) {
			var accepted, h2 atomic.Int64
			s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.ProtoMajor == 2 {
					h2.Add(1)
				}
				time.Sleep(20 * time.Millisecond) // keep the wave in flight together
				_, _ = w.Write([]byte("ok"))
			}))
			s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
				if st == http.StateNew {
					accepted.Add(1)
				}
			}
			var p http.Protocols
			p.SetHTTP1(true)
			p.SetHTTP2(true)
			p.SetUnencryptedHTTP2(!tls)
			s.Config.Protocols = &p
			if tls {
				s.EnableHTTP2 = true
				s.StartTLS()
			} else {
				s.Start()
			}
			defer s.Close()
			cfg := Config{Targets: []string{s.URL + "/"}, Concurrency: c, Timeout: 10 * time.Second, HTTP2: HTTP2, Conn: Cold}
			if tls {
				cfg.RootCAs = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
			}
			cl, err := NewFanout("fanout", cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			for batch := range 3 {
				a0 := accepted.Load()
				res, err := cl.Run(context.Background(), c)
				if err != nil || res.Err() != nil {
					t.Fatalf("batch %d: %v, %v", batch, err, res.Err())
				}
				if a := accepted.Load() - a0; a != c {
					t.Errorf("batch %d: %d connections accepted for %d requests; want one each", batch, a, c)
				}
			}
			if n := h2.Load(); n != 3*c {
				t.Errorf("%d of %d requests over HTTP/2, want all", n, 3*c)
			}
		})
	}
}
