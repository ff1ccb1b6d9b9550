package pitfalls

import (
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/pitfall"
)

// TestCheckSettings checks that each bad flag value is refused with its
// flag's name.
func TestCheckSettings(t *testing.T) {
	good := settings{delay: 10 * time.Millisecond, hangBound: time.Second, stallTimeout: 100 * time.Millisecond}
	if s, err := checkSettings(good, "loopback,wan", "h1,h1tls13", "all"); err != nil || len(s.nets) != 2 || len(s.protos) != 2 || len(s.pitfalls) != len(pitfall.Names()) || s.reqTimeout == 0 {
		t.Fatalf("good settings: %+v, %v", s, err)
	}
	for _, tc := range []struct {
		mod          func(*settings)
		nets, protos string
		pitfalls     string
		want         string
	}{
		{func(s *settings) { s.delay = -time.Second }, "wan", "h1", "all", "-delay"},
		{func(s *settings) { s.reqTimeout = time.Microsecond }, "wan", "h1", "all", "-req-timeout"},
		{nil, "wan,moon", "h1", "all", "-nets"},
		{nil, "wan", "h1", "idle-pool,bogus", "-pitfalls"},
		{func(s *settings) { s.hangBound = time.Millisecond }, "wan", "h1", "all", "-hang-bound"},
		{func(s *settings) { s.stallTimeout = 2 * time.Second }, "wan", "h1", "all", "-stall-timeout"},
		{nil, "wan", "h1,h2", "all", "-protos"},
		{nil, "wan", "h3", "all", "-protos"},
	} {
		s := good
		if tc.mod != nil {
			tc.mod(&s)
		}
		if _, err := checkSettings(s, tc.nets, tc.protos, tc.pitfalls); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("checkSettings(%+v, %q, %q, %q) = %v; want an error starting %q", s, tc.nets, tc.protos, tc.pitfalls, err, tc.want)
		}
	}
}

func TestGain(t *testing.T) {
	if g := gain(0.1, 1000, 0.05, 2000); g != 2 {
		t.Errorf("gain by goodput = %v; want 2", g)
	}
	if g := gain(1, 0, 0.1, 0); g != 10 {
		t.Errorf("gain by sec/op when neither succeeds = %v; want 10", g)
	}
}
