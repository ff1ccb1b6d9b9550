package clients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want ErrorKind
	}{
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, Refused},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), Reset},
		{fmt.Errorf("write: %w", syscall.EPIPE), Reset},
		{fmt.Errorf("body: %w", io.ErrUnexpectedEOF), Reset},
		{fmt.Errorf("socket: %w", syscall.EMFILE), FDLimit},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), Timeout},
		{fmt.Errorf("get: %w", os.ErrDeadlineExceeded), Timeout},
		{fmt.Errorf("get: %w", context.Canceled), Canceled},
		{errors.New("fasthttp: the server closed connection before returning the first response byte. Make sure the server returns 'Connection: close' response header before closing the connection"), Reset},
		{errors.New("something odd"), Other},
		{nil, Other},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Targets: []string{"http://127.0.0.1:1/"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name string
		mut  func(*Config)
		want string
	}{
		{"no targets", func(c *Config) { c.Targets = nil }, "targets"},
		{"ftp", func(c *Config) { c.Targets = []string{"ftp://127.0.0.1/"} }, "targets[0]"},
		{"bad CA", func(c *Config) { c.RootCAs = []byte("not pem") }, "root CAs"},
		{"bad http2", func(c *Config) { c.HTTP2 = 7 }, "http2"},
		{"no host", func(c *Config) { c.Targets = []string{"http:///x"} }, "targets[0]"},
		{"bad url", func(c *Config) { c.Targets = []string{"http://[::1"} }, "targets[0]"},
		{"conn", func(c *Config) { c.Conn = 7 }, "conn"},
		{"negative concurrency", func(c *Config) { c.Concurrency = -1 }, "concurrency"},
		{"huge concurrency", func(c *Config) { c.Concurrency = MaxConcurrency + 1 }, "concurrency"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mut(&c)
			err := c.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error starting %q", err, tt.want)
			}
		})
	}
}

func TestParseConnMode(t *testing.T) {
	for _, m := range []ConnMode{Warm, Cold} {
		got, err := ParseConnMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseConnMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseConnMode("hot"); err == nil || !strings.Contains(err.Error(), "warm or cold") {
		t.Errorf("ParseConnMode(hot) = %v, want an error listing warm or cold", err)
	}
}

// sampleResult records a few requests through a Recorder.
func sampleResult(t *testing.T) *Result {
	t.Helper()
	ctx := context.Background()
	rec := NewRecorder("test", 5, 2*time.Second)
	for range 2 {
		rec.End(ctx, rec.Begin(), 200, 6, nil)
	}
	rec.End(ctx, rec.Begin(), 503, 0, nil)
	rec.End(ctx, rec.Begin(), 0, 0, fmt.Errorf("dial: %w", syscall.ECONNREFUSED))
	rec.End(ctx, rec.Begin(), 0, 0, fmt.Errorf("get: %w", context.DeadlineExceeded))
	res := rec.Finish(time.Second, nil)
	if err := res.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	return res
}

func TestRecorderCountsEveryOutcome(t *testing.T) {
	res := sampleResult(t)
	if res.OK != 2 || res.Errors[Status] != 1 || res.Errors[Refused] != 1 || res.Errors[Timeout] != 1 {
		t.Fatalf("counts: ok %d, errors %v", res.OK, res.Errors)
	}
	if res.Codes[200] != 2 || res.Codes[503] != 1 {
		t.Errorf("codes = %v, want 2×200 and 1×503", res.Codes)
	}
	if res.Bytes != 12 {
		t.Errorf("bytes = %d, want 12", res.Bytes)
	}
	if got := res.Latency.TotalCount(); got != 5 {
		t.Errorf("latencies = %d, want 5", got)
	}
	// The timed-out request is recorded at its timeout.
	if got := res.Max(); got < 2*time.Second || got > 2*time.Second+5*time.Millisecond {
		t.Errorf("max latency = %v, want the 2s timeout", got)
	}
	if !strings.Contains(res.Samples[Status], "503") {
		t.Errorf("status sample = %q, want it to name 503", res.Samples[Status])
	}
	err := res.Err()
	if err == nil || !strings.Contains(err.Error(), "3 of 5 requests failed") ||
		!strings.Contains(err.Error(), "refused=1") || !strings.Contains(err.Error(), "timeout=1") {
		t.Errorf("Err() = %v", err)
	}
}

func TestRecorderCountsRequestsNeverIssued(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	rec := NewRecorder("test", 10, time.Second)
	rec.End(ctx, rec.Begin(), 200, 6, nil)
	cancel()
	rec.End(ctx, rec.Begin(), 0, 0, errors.New("whatever the transport said"))
	res := rec.Finish(time.Second, context.Cause(ctx))
	if err := res.Check(); err != nil {
		t.Fatal(err)
	}
	if res.OK != 1 || res.Errors[Canceled] != 9 || res.NotIssued != 8 {
		t.Fatalf("ok %d canceled %d not issued %d, want 1, 9, 8", res.OK, res.Errors[Canceled], res.NotIssued)
	}
	if res.Latency.TotalCount() != 2 {
		t.Errorf("latencies %d, want 2 (only issued requests)", res.Latency.TotalCount())
	}
}

func TestResultJSONRoundTripIsLossless(t *testing.T) {
	res := sampleResult(t)
	res.FirstIndex = 1 << 41
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got Result
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Latency.Equals(res.Latency) {
		t.Error("latency histogram changed in the round trip")
	}
	if got.OK != res.OK || got.Failed() != res.Failed() || got.Wall != res.Wall || got.Codes[503] != 1 || got.Samples[Refused] != res.Samples[Refused] || got.FirstIndex != res.FirstIndex {
		t.Errorf("round trip: got %v, want %v", &got, res)
	}
}

func TestResultUnmarshalRejectsBadInput(t *testing.T) {
	good, err := json.Marshal(sampleResult(t))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(good, &m); err != nil {
		t.Fatal(err)
	}
	mutate := func(k string, v any) []byte {
		c := map[string]any{}
		for kk, vv := range m {
			c[kk] = vv
		}
		c[k] = v
		b, _ := json.Marshal(c)
		return b
	}
	for name, in := range map[string][]byte{
		"garbage":           []byte("garbage"),
		"truncated":         good[:len(good)/2],
		"bad histogram":     mutate("latency", "AAAA"),
		"wide histogram":    mutate("latency", map[string]any{"lowest": 1, "highest": int64(1) << 62, "sig_figs": 5, "buckets": [][2]int64{}}),
		"bucket past end":   mutate("latency", map[string]any{"lowest": 1000, "highest": 3600000000000, "sig_figs": 3, "buckets": [][2]int64{{1 << 40, 5}}}),
		"bucket not sorted": mutate("latency", map[string]any{"lowest": 1000, "highest": 3600000000000, "sig_figs": 3, "buckets": [][2]int64{{9, 1}, {3, 4}}}),
		"zero bucket":       mutate("latency", map[string]any{"lowest": 1000, "highest": 3600000000000, "sig_figs": 3, "buckets": [][2]int64{{3, 0}}}),
		"ok too high":       mutate("ok", 5),
		"negative wall":     mutate("wall_ns", -1),
		"unknown kind":      mutate("errors", map[string]int{"gremlins": 3}),
		"requests mismatch": mutate("requests", 7),
	} {
		var r Result
		if err := json.Unmarshal(in, &r); err == nil {
			t.Errorf("%s: Unmarshal accepted %q", name, in)
		}
	}
}

func TestMergeAddsEverything(t *testing.T) {
	a, b := sampleResult(t), sampleResult(t)
	b.Wall = 3 * time.Second
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(); err != nil {
		t.Fatal(err)
	}
	if a.Requests != 10 || a.OK != 4 || a.Errors[Refused] != 2 || a.Latency.TotalCount() != 10 || a.Wall != 3*time.Second {
		t.Errorf("merged: %v", a)
	}
}

func TestHistogramGeometryConstant(t *testing.T) {
	if got := len(NewHistogram().Export().Counts); got != histCounts {
		t.Fatalf("histCounts = %d, but the geometry has %d counts", histCounts, got)
	}
}
