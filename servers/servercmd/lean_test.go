package servercmd_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servercmd"
)

// TestLean: the lean server holds a request for -delay, answers "ok",
// counts it at /_stats, zeroes on POST /_stats/reset, and reports its
// delay; it stops cleanly with the "stopped:" line serverproc expects.
func TestLean(t *testing.T) {
	url, stop, _, stderr := run(t, servercmd.LeanArg, "-delay", "20ms")
	c := &http.Client{}
	defer c.CloseIdleConnections()
	for range 3 {
		resp, err := c.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != "ok\n" {
			t.Fatalf("GET /: %d %q", resp.StatusCode, b)
		}
	}
	st := fetchStats(t, c, url)
	if st.Served != 3 || st.MaxInFlight != 1 || st.InFlight != 0 || st.DelayNS != 20e6 || st.Dist != string(servers.DistFixed) || st.Conns != 1 {
		t.Errorf("stats %+v", st)
	}
	resp, err := c.Get(url + servers.ResetPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET reset: %d, want 405", resp.StatusCode)
	}
	resp, err = c.Post(url+servers.ResetPath, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("POST reset: %d, want 204", resp.StatusCode)
	}
	if st := fetchStats(t, c, url); st.Served != 0 {
		t.Errorf("after reset: %+v", st)
	}
	c.CloseIdleConnections()
	if code := stop(); code != servercmd.ExitOK {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(stderr.String(), servercmd.Name+": stopped: served 0") {
		t.Errorf("stderr %q lacks the stopped line", stderr.String())
	}
}

func TestLeanBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-delay", "-1s"}, "-delay -1s: want 0..10m0s"},
		{[]string{"-capacity", "8"}, "-capacity"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
	} {
		var stdout, stderr bytes.Buffer
		code := servercmd.Main(t.Context(), append([]string{servercmd.LeanArg}, tc.args...), &stdout, &stderr)
		if code != servercmd.ExitUsage || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and one line with %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
