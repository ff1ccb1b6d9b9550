// Package servertest runs crawlbench's slow server in the test's own process,
// the way net/http/httptest runs a handler. Unit tests use it; benchmarks
// never do (they run the server in its own process, see serverproc).
package servertest

import (
	"net/http/httptest"
	"testing"

	"github.com/crawlbench/crawlbench/servers"
)

// Server is a slow server listening on a loopback port.
type Server struct {
	*servers.Server
	// URL is the base URL, "http://127.0.0.1:PORT/".
	URL string
	ts  *httptest.Server
}

// Start starts a slow server with cfg on 127.0.0.1 and stops it when the
// test ends. Its ConnState and ConnContext hooks are wired, so Stats().Conns
// counts connections. A bad cfg fails the test.
func Start(t testing.TB, cfg servers.Config) *Server {
	t.Helper()
	s, err := servers.New(cfg)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	ts := httptest.NewUnstartedServer(s)
	ts.Config.ConnState = s.ConnState
	ts.Config.ConnContext = s.ConnContext
	ts.Start()
	t.Cleanup(ts.Close)
	return &Server{Server: s, URL: ts.URL + "/", ts: ts}
}

// CloseClientConnections closes every connection to the server, as if the
// server went away mid-run.
func (s *Server) CloseClientConnections() { s.ts.CloseClientConnections() }

// Kill stops the server as if its process died: the listener closes, so
// new connections are refused, and every open connection is closed at once,
// requests in service included. It returns once their handlers have
// returned. Calling it again, or letting the test end, is harmless.
func (s *Server) Kill() {
	_ = s.ts.Listener.Close() // ts.Close closes it again and ignores the error
	s.ts.CloseClientConnections()
	s.ts.Close()
}
