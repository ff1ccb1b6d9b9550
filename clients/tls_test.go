package clients

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// h2Server is a TLS (or cleartext h2c) test server with an HTTP/2 stream
// limit that records each request's protocol, connection and the most
// requests in service at once.
type h2Server struct {
	*httptest.Server
	mu       sync.Mutex
	protos   map[string]int
	conns    map[string]bool
	inFlight int
	peak     int
}

func newH2Server(t *testing.T, streams int, tls bool) *h2Server {
	s := &h2Server{protos: map[string]int{}, conns: map[string]bool{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.protos[r.Proto]++
		s.conns[r.RemoteAddr] = true
		s.inFlight++
		s.peak = max(s.peak, s.inFlight)
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	}))
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(!tls)
	s.Config.Protocols = &p
	s.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: streams}
	if tls {
		s.EnableHTTP2 = true
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *h2Server) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// TestHTTP2Modes checks each mode over TLS and h2c: h1 speaks HTTP/1.1
// even to an h2 server; h2 speaks HTTP/2 and dials past the stream limit
// (more than one connection, more than s in service); h2-strict keeps one
// connection and at most s in service; every request of several waves
// succeeds.
func TestHTTP2Modes(t *testing.T) {
	const streams, c = 4, 12
	for _, tls := range []bool{true, false} {
		for _, mode := range []HTTP2Mode{HTTP1, HTTP2, HTTP2Strict} {
			if !tls && mode == HTTP1 {
				continue // plain HTTP/1.1 is every other test's
			}
			name := mode.String() + map[bool]string{true: "/tls", false: "/h2c"}[tls]
			t.Run(name, func(t *testing.T) {
				s := newH2Server(t, streams, tls)
				cfg := Config{Targets: []string{s.URL + "/"}, Concurrency: c, Timeout: 10 * time.Second, HTTP2: mode, HTTP2Streams: streams}
				if tls {
					cfg.RootCAs = s.pem()
				}
				cl, err := NewFanout("fanout", cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				for range 3 {
					res, err := cl.Run(context.Background(), c)
					if err != nil || res.Err() != nil {
						t.Fatalf("batch: %v, %v", err, res.Err())
					}
				}
				s.mu.Lock()
				defer s.mu.Unlock()
				wantProto := "HTTP/2.0"
				if mode == HTTP1 {
					wantProto = "HTTP/1.1"
				}
				if s.protos[wantProto] != 3*c {
					t.Errorf("protocols %v, want all %d %s", s.protos, 3*c, wantProto)
				}
				switch mode {
				case HTTP2:
					if len(s.conns) < 2 || s.peak <= streams {
						t.Errorf("%d connections, peak %d in service: want more than one connection and more than %d (dials past the limit)", len(s.conns), s.peak, streams)
					}
				case HTTP2Strict:
					if len(s.conns) != 1 || s.peak > streams {
						t.Errorf("%d connections, peak %d in service: want 1 connection and at most %d", len(s.conns), s.peak, streams)
					}
				}
			})
		}
	}
}

// TestTLSTrust checks that RootCAs makes the server's certificate trusted
// and that without it every request fails, counted.
func TestTLSTrust(t *testing.T) {
	s := newH2Server(t, 10, true)
	for _, trusted := range []bool{true, false} {
		cfg := Config{Targets: []string{s.URL + "/"}, Concurrency: 3}
		if trusted {
			cfg.RootCAs = s.pem()
		}
		for _, newClient := range []func(string, Config) (Client, error){NewFanout, NewFastHTTP} {
			cl, err := newClient("x", cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := cl.Run(context.Background(), 3)
			cl.Close()
			if err != nil {
				t.Fatal(err)
			}
			if trusted && (res.OK != 3 || res.Err() != nil) {
				t.Errorf("trusted: %d ok, %v", res.OK, res.Err())
			}
			if !trusted && (res.Failed() != 3 || !strings.Contains(res.Err().Error(), "certificate")) {
				t.Errorf("untrusted: %d failed, %v; want 3 certificate failures", res.Failed(), res.Err())
			}
		}
	}
	if _, err := NewFastHTTP("fasthttp", Config{Targets: []string{s.URL}, HTTP2: HTTP2}); err == nil || !strings.Contains(err.Error(), "no HTTP/2") {
		t.Errorf("fasthttp with HTTP/2: %v, want an error saying it has none", err)
	}
}
