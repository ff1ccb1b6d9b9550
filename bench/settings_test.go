package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
)

func TestCheckSettings(t *testing.T) {
	good := settings{delay: 50 * time.Millisecond}
	s, err := checkSettings(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.reqTimeout != 10*s.delay+30*time.Second || s.procs != 8 {
		t.Errorf("default req-timeout %v, procs %d; want 10×d + 30s and 8", s.reqTimeout, s.procs)
	}
	if s.python != harness.DefaultPython || s.server != harness.ServerSlow || s.runner.Python() != harness.DefaultPython {
		t.Errorf("default python %q (runner %q), server %q; want %s and slowserver", s.python, s.runner.Python(), s.server, harness.DefaultPython)
	}
	// A Flask server runs alone in BenchmarkConcurrency, as its slowserver
	// twin's name or by default.
	for _, tt := range []struct{ server, servers string }{{"flask", ""}, {"flask", "unlimited"}, {"flask-single", "all"}, {"flask-single", "k1"}, {"lean", ""}, {"lean", "unlimited"}} {
		s, err := checkSettings(settings{delay: 50 * time.Millisecond, server: harness.ServerKind(tt.server), matrix: matrixSettings{servers: tt.servers}})
		if err != nil {
			t.Fatalf("-server %s -servers %q: %v", tt.server, tt.servers, err)
		}
		got := s.concurrencyServers()
		if len(got) != 1 || got[0].name != tt.server || got[0].spec != harness.BundledSpec(s.server) || got[0].spec.Validate() != nil {
			t.Errorf("-server %s -servers %q: BenchmarkConcurrency runs %+v, want the %s server alone", tt.server, tt.servers, got, tt.server)
		}
	}
	for _, tt := range []struct {
		mut  func(*settings)
		want string
	}{
		{func(s *settings) { s.delay = 0 }, "-delay 0s: want 1ms..10m"},
		{func(s *settings) { s.delay = time.Hour }, "-delay 1h0m0s: want 1ms..10m"},
		{func(s *settings) { s.procs = -1 }, "-procs -1: want 0 (auto) or 1..256"},
		{func(s *settings) { s.server, s.breakdown = harness.ServerLean, true }, "-breakdown with -server lean: the breakdown needs"},
		{func(s *settings) { s.server, s.matrix.servers = harness.ServerLean, "k8" }, `-servers "k8" with -server lean`},
		{func(s *settings) { s.procs = 300 }, "-procs 300: want 0 (auto) or 1..256"},
		{func(s *settings) { s.reqTimeout = -time.Second }, "-req-timeout -1s"},
		{func(s *settings) { s.target = "ftp://x/" }, `-target "ftp://x/"`},
		{func(s *settings) { s.target = "127.0.0.1:5000" }, `-target "127.0.0.1:5000"`},
		{func(s *settings) { s.target = "http://127.0.0.1:99999/" }, `-target "http://127.0.0.1:99999/": port 99999: want 1..65535`},
		{func(s *settings) { s.target = "http://127.0.0.1:0/" }, `-target "http://127.0.0.1:0/": port 0: want 1..65535`},
		{func(s *settings) { s.target = "http://192.0.2.1:80/" }, `-target "http://192.0.2.1:80/": load goes to loopback only`},
		{func(s *settings) { s.python = " " }, `-python " ": want the interpreter's path`},
		{func(s *settings) { s.server = "apache" }, `-server "apache": want one of slowserver, flask, flask-single`},
		{func(s *settings) { s.server, s.matrix.servers = "flask", "uniform" }, `-servers "uniform" with -server flask: the k8, k64, uniform, exp and lognormal servers are slowserver-only`},
		{func(s *settings) { s.server, s.matrix.servers = "flask", "k1" }, `-servers "k1" with -server flask`},
		{func(s *settings) { s.server, s.matrix.servers = "flask-single", "unlimited,k1" }, `-servers "unlimited,k1" with -server flask-single`},
	} {
		s := good
		tt.mut(&s)
		if _, err := checkSettings(s); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("checkSettings(%+v) = %v, want %q", s, err, tt.want)
		}
	}
}
