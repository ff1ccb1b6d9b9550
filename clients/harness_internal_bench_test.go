package clients

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/clients/usage"
)

// stubTransport answers every request at once with a canned 200, so that
// a benchmark over it counts the harness's work around a request (timeout
// context, request, index header, recording) and net/http's client-side
// bookkeeping, but no connection.
type stubTransport struct{}

func (stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("Hello!")), Request: r}, nil
}

// BenchmarkFanoutHarness runs the fanout strategy's batches of n = 100
// over stubTransport: one op is one batch of 100 requests; cpu-ns is
// the process's CPU time per batch (getrusage).
func BenchmarkFanoutHarness(b *testing.B) {
	cfg := Config{Targets: []string{"http://127.0.0.1:1/"}}
	c := &netHTTP{name: "fanout", cfg: cfg, conns: 100, client: &http.Client{Transport: stubTransport{}},
		runFunc: func(ctx context.Context, n int, do func(int)) { runFanout(ctx, n, 0, do) }}
	ctx, cancel := context.WithCancel(context.Background()) // a cancelable run context, as b.Context() is
	defer cancel()
	const n = 100
	b.ReportAllocs()
	cpu0, err := usage.SelfCPU()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := c.Run(ctx, n)
		if err != nil {
			b.Fatal(err)
		}
		if res.OK != n {
			b.Fatalf("%d of %d ok", res.OK, n)
		}
	}
	cpu1, err := usage.SelfCPU()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns")
}
