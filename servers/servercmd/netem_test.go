package servercmd_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers/servercmd"
)

func TestNetemBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-rtt", "-1ms"}, []string{"-rtt", "-1ms", "0s..10s"}},
		{[]string{"-rtt", "11s"}, []string{"-rtt", "0s..10s"}},
		{[]string{"-rtt", "40"}, []string{"-rtt", "not a duration"}},
		{[]string{"-bandwidth", "5"}, []string{"-bandwidth", "5", "1000..1000000000000"}},
		{[]string{"-bandwidth", "-1"}, []string{"-bandwidth", "out of range"}},
		{[]string{"-bandwidth", "fast"}, []string{"-bandwidth", "not an integer"}},
	} {
		var stdout, stderr bytes.Buffer
		if code := servercmd.Main(t.Context(), tc.args, &stdout, &stderr); code != servercmd.ExitUsage {
			t.Errorf("Main(%q) = %d, want %d; stderr %q", tc.args, code, servercmd.ExitUsage, stderr.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr.String(), w) {
				t.Errorf("Main(%q): stderr %q does not contain %q", tc.args, stderr.String(), w)
			}
		}
	}
}

// TestNetemFlags checks that -rtt wraps the listener: a cold request cannot
// finish before set-up RTT + 1 RTT, nor a warm one before 1 RTT.
func TestNetemFlags(t *testing.T) {
	const rtt = 30 * time.Millisecond
	url, stop, _, stderr := run(t, "-rtt", rtt.String(), "-bandwidth", "10000000")
	tr := &http.Transport{}
	c := &http.Client{Transport: tr}
	get := func() time.Duration {
		start := time.Now()
		resp, err := c.Get(url + "/?delay=0s")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}
	if d := get(); d < 2*rtt {
		t.Errorf("cold request took %v, less than set-up RTT + 1 RTT = %v", d, 2*rtt)
	}
	if d := get(); d < rtt {
		t.Errorf("warm request took %v, less than 1 RTT = %v", d, rtt)
	}
	tr.CloseIdleConnections()
	if code := stop(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "emulated network") {
		t.Errorf("stderr %q does not describe the emulated network", stderr.String())
	}
}
