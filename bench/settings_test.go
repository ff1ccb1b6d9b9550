package bench

import (
	"strings"
	"testing"
	"time"
)

func TestCheckSettings(t *testing.T) {
	good := settings{delay: 50 * time.Millisecond, procs: 8}
	s, err := checkSettings(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.reqTimeout != 10*s.delay+5*time.Second {
		t.Errorf("default req-timeout %v", s.reqTimeout)
	}
	for _, tt := range []struct {
		mut  func(*settings)
		want string
	}{
		{func(s *settings) { s.delay = 0 }, "-delay 0s: want 1ms..10m"},
		{func(s *settings) { s.delay = time.Hour }, "-delay 1h0m0s: want 1ms..10m"},
		{func(s *settings) { s.procs = 0 }, "-procs 0: want 1..256"},
		{func(s *settings) { s.procs = 300 }, "-procs 300: want 1..256"},
		{func(s *settings) { s.reqTimeout = -time.Second }, "-req-timeout -1s"},
		{func(s *settings) { s.target = "ftp://x/" }, `-target "ftp://x/"`},
		{func(s *settings) { s.target = "127.0.0.1:5000" }, `-target "127.0.0.1:5000"`},
		{func(s *settings) { s.target = "http://192.0.2.1:80/" }, `-target "http://192.0.2.1:80/": load goes to loopback only`},
	} {
		s := good
		tt.mut(&s)
		if _, err := checkSettings(s); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("checkSettings(%+v) = %v, want %q", s, err, tt.want)
		}
	}
}
