package openloop

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/openloop"
)

// runSelf runs this test binary with args and returns its combined output
// and exit code.
func runSelf(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$"}, args...)...)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("run %v: %v", args, err)
	return "", 0
}

// TestBadFlagsExit2 runs the binary with each bad flag: exit 2 and one
// line naming the flag and its range.
func TestBadFlagsExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-loads", "0"}, "-loads"},
		{[]string{"-loads", "50,-10"}, "a rate must be > 0"},
		{[]string{"-pacer-rates", "0"}, "-pacer-rates"},
		{[]string{"-pacer-rates", "2e6"}, "(0, 1e+06]"},
		{[]string{"-duration", "50ms"}, "-duration 50ms: want 100ms..10m (shorter is too short for the pacer to settle)"},
		{[]string{"-pacer-duration", "10ms"}, "-pacer-duration 10ms"},
		{[]string{"-stall-duration", "1ms"}, "-stall-duration"},
		{[]string{"-max-inflight", "50"}, "-max-inflight 50 cannot fit -loads 80 at k64"},
		{[]string{"-max-inflight", "-1"}, "-max-inflight -1: want 0 (none)"},
		{[]string{"-servers", "k0"}, "-servers"},
		{[]string{"-servers", "64"}, "want kN"},
		{[]string{"-arrivals", "burst"}, "-arrivals"},
		{[]string{"-strategies", "sequential"}, "-strategies"},
		{[]string{"-procs", "65"}, "-procs 65"},
		{[]string{"-stall-window", "10ms"}, "-stall-window"},
		{[]string{"-stall-at", "9500ms"}, "-stall-at"},
		{[]string{"-delay", "0s"}, "-delay"},
		{[]string{"-pacer-delay", "2s"}, "-pacer-delay"},
		{[]string{"-stall-c", "0"}, "-stall-c"},
	} {
		out, code := runSelf(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%v: exit %d, output %q; want exit 2 and one line containing %q", tc.args, code, out, tc.want)
		}
	}
	if out, code := runSelf(t, "-max-inflight", "96", "-loads", "150", "-servers", "k64"); code != 0 {
		t.Errorf("a cap that fits: exit %d: %s", code, out)
	}
}

// TestFailedRequestsFailTheBenchmark: a request timeout below d makes
// every request fail (from the warm-up on); the benchmark fails loudly, naming the count by
// kind, and the binary exits 1.
func TestFailedRequestsFailTheBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	out, code := runSelf(t, "-test.bench=OpenLoop", "-test.benchtime=1x", "-servers", "k8", "-loads", "10",
		"-arrivals", "constant", "-strategies", "fanout", "-duration", "200ms", "-req-timeout", "1ms", "-histlog", t.TempDir()+"/x.hlog")
	if code != 1 || !strings.Contains(out, "REQUESTS FAILED: 2 of 2 requests failed: timeout 2") || !strings.Contains(out, "FAIL: 1 benchmark run(s) failed") {
		t.Fatalf("exit %d, output:\n%s\nwant exit 1 and REQUESTS FAILED naming 2 timeouts", code, out)
	}
}

func TestVegetaResult(t *testing.T) {
	// Four hits at 10/s: hit 2 sent 3 ms late, hit 3 a 500 and one an
	// error without a response.
	in := `{"seq":0,"code":200,"timestamp":"2026-01-01T00:00:00Z","latency":5000000,"error":""}
{"seq":1,"code":200,"timestamp":"2026-01-01T00:00:00.1Z","latency":5000000,"error":""}
{"seq":2,"code":200,"timestamp":"2026-01-01T00:00:00.203Z","latency":5000000,"error":""}
{"seq":3,"code":500,"timestamp":"2026-01-01T00:00:00.3Z","latency":5000000,"error":"500 Internal Server Error"}
{"seq":4,"code":0,"timestamp":"2026-01-01T00:00:00.4Z","latency":1000000,"error":"connection refused"}
`
	res, texts, err := VegetaResult(strings.NewReader(in), 10, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 || texts[0] != "connection refused" {
		t.Errorf("error texts %q, want the one transport error's", texts)
	}
	if res.Sent != 5 || res.OK != 3 || res.Errors[clients.Status] != 1 || res.Errors[clients.Refused] != 1 || res.Late != 1 {
		t.Fatalf("sent %d OK %d errors %v late %d", res.Sent, res.OK, res.Errors, res.Late)
	}
	if m := time.Duration(res.Lag.Max()); m < 2990*time.Microsecond || m > 3010*time.Microsecond {
		t.Errorf("lag max %v, want 3ms", m)
	}
	if c := time.Duration(res.Corrected.Max()); c < 7990*time.Microsecond || c > 8010*time.Microsecond {
		t.Errorf("corrected max %v, want 8ms (lag + latency)", c)
	}
	if got := FailureText(res); got != "2 of 5 requests failed: refused 1, status 1" {
		t.Errorf("FailureText = %q", got)
	}
	// Ten scheduled in a second, five sent: five dropped, not failed.
	if res, _, err := VegetaResult(strings.NewReader(in), 10, time.Second); err != nil || res.Dropped != 5 || res.Failed() != 2 {
		t.Errorf("10 scheduled, 5 sent: dropped %d, failed %d, %v; want 5 dropped, 2 failed", res.Dropped, res.Failed(), err)
	}
	if _, _, err := VegetaResult(strings.NewReader(`{"seq":1}`+"\n"), 10, time.Second); err == nil {
		t.Error("no seq 0: want an error")
	}
	if _, _, err := VegetaResult(strings.NewReader("not json\n"), 10, time.Second); err == nil {
		t.Error("garbage: want an error")
	}
	for text, want := range map[string]clients.ErrorKind{
		"Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: connect: connection refused":                          clients.Refused,
		"Get \"http://127.0.0.1:1/\": read tcp 127.0.0.1:2->127.0.0.1:1: read: connection reset by peer":          clients.Reset,
		"Get \"http://127.0.0.1:1/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)": clients.Timeout,
		"Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: socket: too many open files":                          clients.FDLimit,
		"Get \"http://127.0.0.1:1/\": dial tcp: cannot assign requested address":                                  clients.Other,
	} {
		if got := VegetaKind(text); got != want {
			t.Errorf("VegetaKind(%q) = %s, want %s", text, got, want)
		}
	}
}

// TestMetricsAndMerge: two runs merge into one; the metrics are the
// merged counts and the corrected percentiles over the model's.
func TestMetricsAndMerge(t *testing.T) {
	one := func(lat time.Duration, kind clients.ErrorKind) *openloop.Result {
		r := NewTotal("x", 100)
		r.Duration, r.Scheduled, r.Sent = time.Second, 100, 100
		for range 100 {
			recordTo(r.Corrected, lat)
			recordTo(r.Uncorrected, lat/2)
			recordTo(r.Lag, time.Millisecond)
		}
		if kind != "" {
			r.Errors[kind] = 2
			r.OK = 98
		} else {
			r.OK = 100
		}
		return r
	}
	total := NewTotal("x", 100)
	Merge(total, one(100*time.Millisecond, ""))
	Merge(total, one(100*time.Millisecond, clients.Timeout))
	ms, err := Metrics(total, []time.Duration{50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range ms {
		got[m.Unit] = m.Value
	}
	if got["achieved-req/s"] != 100 || got["errors"] != 2 || got["achieved-x"] != 1 {
		t.Errorf("metrics %v", got)
	}
	if x := got["p50-model-x"]; x < 1.99 || x > 2.01 {
		t.Errorf("p50-model-x = %v, want 2", x)
	}
	if u := got["uncorrected-p99-ns"]; u > 0.51e8 || u < 0.49e8 {
		t.Errorf("uncorrected p99 = %v, want 50ms", u)
	}
	if FailureText(total) != "2 of 200 requests failed: timeout 2" {
		t.Errorf("FailureText = %q", FailureText(total))
	}
}
