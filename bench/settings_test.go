package bench

import (
	"strings"
	"testing"
	"time"
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
	for _, tt := range []struct {
		mut  func(*settings)
		want string
	}{
		{func(s *settings) { s.delay = 0 }, "-delay 0s: want 1ms..10m"},
		{func(s *settings) { s.delay = time.Hour }, "-delay 1h0m0s: want 1ms..10m"},
		{func(s *settings) { s.procs = -1 }, "-procs -1: want 0 (auto) or 1..256"},
		{func(s *settings) { s.procs = 300 }, "-procs 300: want 0 (auto) or 1..256"},
		{func(s *settings) { s.reqTimeout = -time.Second }, "-req-timeout -1s"},
		{func(s *settings) { s.target = "ftp://x/" }, `-target "ftp://x/"`},
		{func(s *settings) { s.target = "127.0.0.1:5000" }, `-target "127.0.0.1:5000"`},
		{func(s *settings) { s.target = "http://127.0.0.1:99999/" }, `-target "http://127.0.0.1:99999/": port 99999: want 1..65535`},
		{func(s *settings) { s.target = "http://127.0.0.1:0/" }, `-target "http://127.0.0.1:0/": port 0: want 1..65535`},
		{func(s *settings) { s.target = "http://192.0.2.1:80/" }, `-target "http://192.0.2.1:80/": load goes to loopback only`},
	} {
		s := good
		tt.mut(&s)
		if _, err := checkSettings(s); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("checkSettings(%+v) = %v, want %q", s, err, tt.want)
		}
	}
}
