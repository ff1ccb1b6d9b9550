package pyclient

import (
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
)

// h2Server is a Go server counting its connections, the requests that came
// over HTTP/2 and the peak of requests in flight; each request sleeps
// delay. tls serves https (ALPN h2 unless h1Only), else h2c with prior
// knowledge; streams > 0 sets its MaxConcurrentStreams.
type h2Server struct {
	srv                *httptest.Server
	ca                 []byte
	conns, h2, h1, all atomic.Int64
	mu                 sync.Mutex
	cur, peak          int64
}

func startH2Server(t *testing.T, tls, h1Only bool, streams int, delay time.Duration) *h2Server {
	t.Helper()
	s := &h2Server{}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.all.Add(1)
		if r.ProtoMajor == 2 {
			s.h2.Add(1)
		} else {
			s.h1.Add(1)
		}
		s.mu.Lock()
		s.cur++
		s.peak = max(s.peak, s.cur)
		s.mu.Unlock()
		time.Sleep(delay)
		s.mu.Lock()
		s.cur--
		s.mu.Unlock()
		_, _ = w.Write([]byte("Hello!"))
	}))
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(!h1Only)
	p.SetUnencryptedHTTP2(!tls)
	s.srv.Config.Protocols = &p
	if streams > 0 {
		s.srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: streams}
	}
	if tls {
		s.srv.EnableHTTP2 = !h1Only
		s.srv.StartTLS()
		s.ca = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	} else {
		s.srv.Start()
	}
	t.Cleanup(s.srv.Close)
	return s
}

func (s *h2Server) config(conn clients.ConnMode, c int) Config {
	return Config{Kind: HTTPX, Client: clients.Config{Targets: []string{s.srv.URL + "/"}, Conn: conn, Concurrency: c,
		Timeout: 20 * time.Second, RootCAs: s.ca, HTTP2: clients.HTTP2}}
}

// needH2 skips the test unless Debian's python3 runs httpx over HTTP/2.
func needH2(t *testing.T) {
	t.Helper()
	if err := CheckHTTP2(t.Context(), "", HTTPX); err != nil {
		t.Skip(err)
	}
}

// TestHTTP2 runs httpx over HTTP/2, by ALPN over TLS and with prior
// knowledge in clear (h2c): the server sees every request over HTTP/2, on
// one connection when warm (all n at once), one connection per request
// when cold.
func TestHTTP2(t *testing.T) {
	needH2(t)
	const n = 12
	for _, tls := range []bool{true, false} {
		for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
			t.Run(map[bool]string{true: "tls", false: "h2c"}[tls]+"/"+conn.String(), func(t *testing.T) {
				s := startH2Server(t, tls, false, 0, 50*time.Millisecond)
				cl := startClient(t, "py-httpx", s.config(conn, 0), workerSource)
				for batch := range 2 {
					c0 := s.conns.Load()
					res := run(t, cl, n)
					if res.OK != n {
						t.Fatalf("batch %d: %v, want %d OK: %v", batch, res, n, res.Samples)
					}
					got := s.conns.Load() - c0
					switch want := map[clients.ConnMode]int64{clients.Warm: 1, clients.Cold: n}[conn]; {
					case conn == clients.Cold && got != want:
						t.Errorf("batch %d: %d connections for %d cold requests, want one each", batch, got, n)
					case conn == clients.Warm && batch == 0 && got != want:
						t.Errorf("batch %d: %d connections for %d warm requests at once, want 1 (HTTP/2 multiplexes)", batch, got, n)
					case conn == clients.Warm && batch > 0 && got != 0:
						t.Errorf("batch %d: %d new connections, want the warm one reused", batch, got)
					}
				}
				if h2, all := s.h2.Load(), s.all.Load(); h2 != 2*n || all != 2*n {
					t.Errorf("%d of %d requests over HTTP/2, want all %d", h2, all, 2*n)
				}
			})
		}
	}
}

// TestHTTP2Mismatch: a TLS server without h2 answers over HTTP/1.1; httpx
// asked for HTTP/2 counts every request as failed, naming the version,
// instead of falling back silently.
func TestHTTP2Mismatch(t *testing.T) {
	needH2(t)
	const n = 4
	s := startH2Server(t, true, true, 0, time.Millisecond)
	cl := startClient(t, "py-httpx", s.config(clients.Warm, 0), workerSource)
	res := run(t, cl, n)
	if res.OK != 0 || res.Errors[clients.Other] != n {
		t.Fatalf("%v: want all %d failed as other", res, n)
	}
	if msg := res.Samples[clients.Other]; !strings.Contains(msg, "HTTP/1.1, want HTTP/2") {
		t.Errorf("sample %q, want the version mismatch named", msg)
	}
	if h1 := s.h1.Load(); h1 != n {
		t.Errorf("the server saw %d HTTP/1.1 requests, want %d", h1, n)
	}
}

// TestHTTP2StreamLimit: httpx (httpcore 0.16) opens no second connection
// past a server's stream limit s. At s = 100, its own cap, it queues the
// requests past s on its one connection: all succeed, at most s in flight.
// Below 100 it sends past s, and each request past s fails at once: h2
// refuses it (LocalProtocolError, other) or, sent before the server's
// SETTINGS arrived, the server does (REFUSED_STREAM, reset): only s succeed.
func TestHTTP2StreamLimit(t *testing.T) {
	needH2(t)
	for _, tc := range []struct{ s, n, ok int }{{100, 150, 150}, {10, 30, 10}} {
		t.Run(fmt.Sprintf("s=%d", tc.s), func(t *testing.T) {
			srv := startH2Server(t, true, false, tc.s, 100*time.Millisecond)
			cl := startClient(t, "py-httpx", srv.config(clients.Warm, 0), workerSource)
			res := run(t, cl, tc.n)
			past := res.Errors[clients.Other] + res.Errors[clients.Reset]
			if res.OK != int64(tc.ok) || res.Failed() != int64(tc.n-tc.ok) || past != res.Failed() {
				t.Fatalf("%v: want %d OK and %d failed as other or reset", res, tc.ok, tc.n-tc.ok)
			}
			if msg := res.Samples[clients.Other] + res.Samples[clients.Reset]; tc.ok < tc.n &&
				!strings.Contains(msg, "Max outbound streams") && !strings.Contains(msg, "error_code:7") {
				t.Errorf("samples %q, want h2's stream limit or the server's REFUSED_STREAM (7) named", msg)
			}
			srv.mu.Lock()
			peak := srv.peak
			srv.mu.Unlock()
			if c := srv.conns.Load(); c != 1 {
				t.Errorf("%d connections for %d requests past s = %d, want 1", c, tc.n, tc.s)
			}
			if peak != int64(tc.s) {
				t.Errorf("the server's peak in flight is %d, want s = %d", peak, tc.s)
			}
		})
	}
}

// TestHTTP2Config: only httpx speaks HTTP/2; requests and aiohttp get an
// error naming the kind, and httpx refuses h2-strict.
func TestHTTP2Config(t *testing.T) {
	h2 := clients.Config{Targets: []string{"https://127.0.0.1:1/"}, HTTP2: clients.HTTP2}
	for _, k := range Kinds() {
		err := Config{Kind: k, Procs: 2, Client: h2}.Validate()
		switch {
		case k == HTTPX && err != nil:
			t.Errorf("%s over h2: %v, want nil", k, err)
		case k != HTTPX && (err == nil || !strings.Contains(err.Error(), "speaks HTTP/1.1 only")):
			t.Errorf("%s over h2: %v, want an error saying it speaks HTTP/1.1 only", k, err)
		}
		if err := CheckHTTP2(t.Context(), "", k); k != HTTPX && (err == nil || !strings.Contains(err.Error(), "HTTP/1.1 only")) {
			t.Errorf("CheckHTTP2(%s) = %v, want an error saying it speaks HTTP/1.1 only", k, err)
		}
	}
	strict := h2
	strict.HTTP2, strict.HTTP2Streams = clients.HTTP2Strict, 10
	if err := (Config{Kind: HTTPX, Client: strict}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "http2") {
		t.Errorf("httpx over h2-strict: %v, want an error about http2", err)
	}
	if _, err := New(t.Context(), "py-aiohttp", Config{Kind: AioHTTP, Client: h2}); err == nil {
		t.Error("New(aiohttp over h2) succeeded")
	}
}

// TestCheckHTTP2MissingH2: without module h2, CheckHTTP2 names python3-h2
// in one line while Check of httpx over HTTP/1.1 passes, and a worker
// asked for HTTP/2 fails to start naming the package.
func TestCheckHTTP2MissingH2(t *testing.T) {
	needH2(t)
	py := fakePython(t, H2Module)
	err := CheckHTTP2(t.Context(), py, HTTPX)
	if err == nil || !strings.Contains(err.Error(), "install python3-h2") || strings.Contains(err.Error(), "\n") {
		t.Errorf("CheckHTTP2 = %v, want one line naming python3-h2", err)
	}
	if err := Check(t.Context(), py, HTTPX); err != nil {
		t.Errorf("Check(httpx) = %v, want nil: HTTP/1.1 needs no h2", err)
	}
	cfg := Config{Kind: HTTPX, Python: py, Client: clients.Config{Targets: []string{"https://127.0.0.1:1/"}, HTTP2: clients.HTTP2}}
	if _, err := start(t.Context(), "py-httpx", cfg, workerSource); err == nil || !strings.Contains(err.Error(), "install python3-h2") {
		t.Errorf("New over h2 with h2 missing = %v, want an error naming python3-h2", err)
	}
	leaktest.WaitNoChildren(t, "failed start")
}
