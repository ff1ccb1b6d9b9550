package servers_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

func TestParseParams(t *testing.T) {
	cfg := servers.Config{Delay: 3 * time.Second, Body: "abc"}
	for _, tc := range []struct {
		query string
		want  servers.Params
	}{
		{"", servers.Params{Delay: 3 * time.Second, Bytes: 3}},
		{"delay=50ms", servers.Params{Delay: 50 * time.Millisecond, Bytes: 3}},
		{"delay=0", servers.Params{Delay: 0, Bytes: 3}},
		{"delay=10m", servers.Params{Delay: 10 * time.Minute, Bytes: 3}},
		{"bytes=1024", servers.Params{Delay: 3 * time.Second, Bytes: 1024}},
		{"bytes=0&delay=1.5s", servers.Params{Delay: 1500 * time.Millisecond, Bytes: 0}},
	} {
		got, err := servers.ParseQuery(tc.query, cfg)
		if err != nil || got != tc.want {
			t.Errorf("ParseQuery(%q) = %+v, %v; want %+v", tc.query, got, err, tc.want)
		}
	}
	// The limits follow the config.
	small := servers.Config{MaxDelay: time.Second, MaxBytes: 10}
	for _, q := range []string{"delay=2s", "bytes=11"} {
		_, err := servers.ParseQuery(q, small)
		var pe *servers.ParamError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("ParseQuery(%q) with small limits = %v, want out of range", q, err)
		}
	}
	if _, err := servers.ParseQuery("delay=1s", small); err != nil {
		t.Errorf("ParseQuery(delay=1s) with MaxDelay 1s: %v", err)
	}
}

// FuzzParseQuery checks that any query either resolves to in-range params or
// gives a one-line ParamError, and never panics.
func FuzzParseQuery(f *testing.F) {
	// More seeds are in testdata/fuzz/FuzzParseQuery.
	for _, s := range []string{"", "delay=1s", "bytes=10", "delay=-1s", "bytes=x", "a=%zz", "delay=1s&delay=2s", "foo=1&bar", ";", "delay=9223372036854775807ns",
		"fail=0.2", "reset=1", "stall=1", "fail=0.5&reset=0.5", "fail=0.6&stall=0.6", "fail=NaN", "reset=-0", "stall=1e-320"} {
		f.Add(s)
	}
	cfg := servers.Config{Delay: time.Second}
	full := cfg.WithDefaults()
	f.Fuzz(func(t *testing.T, q string) {
		p, err := servers.ParseQuery(q, cfg)
		if err != nil {
			var pe *servers.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseQuery(%q) error %T %v, want *ParamError", q, err, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ParseQuery(%q) message %q is not one line", q, err)
			}
			return
		}
		if p.Delay < 0 || p.Delay > full.MaxDelay || p.Bytes < 0 || p.Bytes > full.MaxBytes {
			t.Fatalf("ParseQuery(%q) = %+v, out of range", q, p)
		}
		for _, f := range []float64{p.Fail, p.Reset, p.Stall} {
			if !(f >= 0 && f <= 1) {
				t.Fatalf("ParseQuery(%q) = %+v: a fault fraction outside 0..1", q, p)
			}
		}
		if sum := p.Fail + p.Reset + p.Stall; sum > 1+1e-9 {
			t.Fatalf("ParseQuery(%q) = %+v: fault fractions add up to %g", q, p, sum)
		}
		if v, perr := url.ParseQuery(q); perr == nil {
			if _, ok := v["delay"]; !ok && p.Delay != full.Delay {
				t.Fatalf("ParseQuery(%q) changed the delay without ?delay=", q)
			}
		}
	})
}
