package servers_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   servers.Config
		field string   // "" = valid
		want  []string // substrings of the message
	}{
		{"zero", servers.Config{}, "", nil},
		{"seed experiment", servers.Config{Delay: 3 * time.Second}, "", nil},
		{"all set", servers.Config{Delay: time.Second, Body: "x", Capacity: 8, Dist: servers.DistLognormal, Sigma: 1, Seed: 9, MaxDelay: time.Hour, MaxBytes: 10, MaxBody: 10}, "", nil},
		{"delay at max", servers.Config{Delay: 10 * time.Minute}, "", nil},
		{"negative delay", servers.Config{Delay: -time.Second}, "Delay", []string{"Delay: -1s is out of range", "0s..10m0s"}},
		{"delay above max", servers.Config{Delay: 2 * time.Second, MaxDelay: time.Second}, "Delay", []string{"Delay: 2s", "0s..1s"}},
		{"negative capacity", servers.Config{Capacity: -3}, "Capacity", []string{"Capacity: -3 is out of range", "0..1000000"}},
		{"huge capacity", servers.Config{Capacity: 2_000_000}, "Capacity", []string{"0..1000000"}},
		{"bad dist", servers.Config{Dist: "foo"}, "Dist", []string{`Dist: "foo" is not a distribution`, "fixed, uniform, exp or lognormal"}},
		{"negative sigma", servers.Config{Sigma: -1}, "Sigma", []string{"Sigma: -1 is out of range", "0..4"}},
		{"NaN sigma", servers.Config{Sigma: math.NaN()}, "Sigma", []string{"Sigma: NaN"}},
		{"big sigma", servers.Config{Sigma: 5}, "Sigma", []string{"0..4"}},
		{"negative max delay", servers.Config{MaxDelay: -1}, "MaxDelay", []string{"MaxDelay: -1ns is out of range", "0s..24h0m0s"}},
		{"huge max delay", servers.Config{MaxDelay: 25 * time.Hour}, "MaxDelay", []string{"0s..24h0m0s"}},
		{"negative max bytes", servers.Config{MaxBytes: -1}, "MaxBytes", []string{"MaxBytes: -1 is out of range"}},
		{"negative max body", servers.Config{MaxBody: -1}, "MaxBody", []string{"MaxBody: -1 is out of range"}},
		{"body too long", servers.Config{Body: "abcdef", MaxBytes: 3}, "Body", []string{"Body: 6 bytes is too long", "1..3 bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ce *servers.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("Validate() = %v, want a ConfigError for %s", err, tc.field)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	c := servers.Config{}.WithDefaults()
	if c.Body != "Hello!" || c.Dist != servers.DistFixed || c.Sigma != 0.5 || c.MaxDelay != 10*time.Minute ||
		c.MaxBytes != 16<<20 || c.MaxBody != 1<<20 || c.Delay != 0 || c.Capacity != 0 {
		t.Fatalf("WithDefaults() = %+v", c)
	}
}
