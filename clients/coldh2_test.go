package clients

import (
	"context"
	"net"
	"net/http"
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
			s := newH2Server(t, 250, tls)
			var accepted atomic.Int64
			s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
				if st == http.StateNew {
					accepted.Add(1)
				}
			}
			cfg := Config{Targets: []string{s.URL + "/"}, Concurrency: c, Timeout: 10 * time.Second, HTTP2: HTTP2, Conn: Cold}
			if tls {
				cfg.RootCAs = s.pem()
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
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.protos["HTTP/2.0"] != 3*c {
				t.Errorf("protocols %v, want all %d HTTP/2.0", s.protos, 3*c)
			}
		})
	}
}
