package servercmd_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/servercmd"
)

// More bad values, of every flag type: one line naming the flag and what
// it wants, exit status 2 (TestBadFlags has the rest).
func TestBadFlagValuesOfEveryType(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-delay", ""}, []string{`invalid value "" for flag -delay`, "not a duration", "want 0s up to -max-delay"}},
		{[]string{"-delay", "1e3"}, []string{"-delay", "not a duration"}},
		{[]string{"-capacity", "1.5"}, []string{"-capacity", "not an integer; want 0..1000000"}},
		{[]string{"-capacity", "99999999999999999999"}, []string{"-capacity", "want 0..1000000"}},
		{[]string{"-sigma", "NaN"}, []string{"-sigma: NaN is out of range; want 0..4"}},
		{[]string{"-sigma", "Inf"}, []string{"-sigma: +Inf is out of range"}},
		{[]string{"-sigma", "x"}, []string{"-sigma", "not a number; want 0..4"}},
		{[]string{"-dist", ""}, []string{"-dist", "fixed, uniform, exp, lognormal"}},
		{[]string{"-seed", "0x"}, []string{"-seed", "not an unsigned integer"}},
		{[]string{"-max-bytes", "2147483648"}, []string{"-max-bytes: 2147483648 is out of range; want 0..1073741824"}},
		{[]string{"-max-body", "x"}, []string{"-max-body", "not an integer"}},
		{[]string{"-max-delay", "-1s"}, []string{"-max-delay: -1s is out of range"}},
		{[]string{"-shutdown-timeout", "soon"}, []string{"-shutdown-timeout", "not a duration"}},
		{[]string{"-addr", ""}, []string{"-addr", "is not host:port"}},
		{[]string{"-addr", "[::1]"}, []string{"-addr", "is not host:port"}},
		{[]string{"-addr", "localhost:-1"}, []string{"-addr", "want 0..65535"}},
		{[]string{"-addr", "192.0.2.1:5000"}, []string{"-addr", "not a loopback address"}},
		{[]string{"-addr", "example.com:80"}, []string{"-addr", "not a loopback address"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := servercmd.Main(t.Context(), tc.args, &stdout, &stderr)
			msg := stderr.String()
			if code != servercmd.ExitUsage || strings.Count(msg, "\n") != 1 || stdout.Len() != 0 {
				t.Fatalf("Main(%q) = %d, stdout %q, stderr %q; want 2 and one stderr line", tc.args, code, stdout.String(), msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// After Main returns, its listener and connections are closed: the
// process has no more files open than before it started.
func TestMainLeavesNoFileOpen(t *testing.T) {
	before := leaktest.OpenFDs(t)
	url, stop, _, _ := run(t, "-addr", "127.0.0.1:0", "-delay", "1ms")
	c := &http.Client{Transport: &http.Transport{Proxy: nil}}
	for range 3 {
		resp, err := c.Get(url + "/?fail=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if leaktest.OpenFDs(t) <= before {
		t.Fatal("no more files open while serving: the count does not see sockets")
	}
	if code := stop(); code != 0 {
		t.Fatalf("Main = %d", code)
	}
	c.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for leaktest.OpenFDs(t) > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d files open after Main returned, %d before", leaktest.OpenFDs(t), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
