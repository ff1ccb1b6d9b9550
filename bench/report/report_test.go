package report

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// result returns a batch of ok successful requests and failed ones, each
// 10 ms long.
func result(ok, failed int) *clients.Result {
	rec := clients.NewRecorder("fanout", ok+failed, time.Second)
	ctx := context.Background()
	for i := range ok + failed {
		start := rec.Begin().Add(-10 * time.Millisecond)
		if i < ok {
			rec.End(ctx, start, 200, 6, nil)
		} else {
			rec.End(ctx, start, 0, 0, errors.New("connection refused"))
		}
	}
	return rec.Finish(10*time.Millisecond, nil)
}

func TestBatch(t *testing.T) {
	total := result(4, 1)
	const ideal = 10 * time.Microsecond
	r := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			for s := time.Now(); time.Since(s) < 2*ideal; {
			}
		}
		Batch(b, total, ideal)
	})
	if r.N == 0 {
		t.Fatal("the benchmark failed")
	}
	for _, unit := range []string{"req/s", "p50-ns", "p99-ns", "max-ns", "errors", "ideal-ns", "overhead-x"} {
		if _, ok := r.Extra[unit]; !ok {
			t.Errorf("no %s metric in %v", unit, r.Extra)
		}
	}
	if got := r.Extra["errors"]; got != 1 {
		t.Errorf("errors = %v, want 1", got)
	}
	if got := r.Extra["ideal-ns"]; got != float64(ideal) {
		t.Errorf("ideal-ns = %v, want %v", got, float64(ideal))
	}
	if p50 := r.Extra["p50-ns"]; p50 < float64(10*time.Millisecond) || p50 > float64(11*time.Millisecond) {
		t.Errorf("p50-ns = %v, want about 10 ms", p50)
	}
	// sec/op ÷ ideal, each batch here taking at least twice the ideal.
	want := float64(r.T/time.Duration(r.N)) / float64(ideal)
	if got := r.Extra["overhead-x"]; got != want || got < 2 {
		t.Errorf("overhead-x = %v, want ns/op ÷ ideal = %v (≥ 2)", got, want)
	}
	if got, want := r.Extra["req/s"], 4/r.T.Seconds(); got < want*0.999 || got > want*1.001 {
		t.Errorf("req/s = %v, want 4 successful requests ÷ %v = %v", got, r.T, want)
	}
}

// A failed request fails the benchmark (testing.Benchmark then returns an
// empty result); none does not.
func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		failed   int
		wantFail bool
	}{{0, false}, {1, true}} {
		total := result(3, tc.failed)
		r := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
			}
			Failures(b, total)
		})
		if failed := r.N == 0; failed != tc.wantFail {
			t.Errorf("%d failed requests: benchmark failed = %v, want %v", tc.failed, failed, tc.wantFail)
		}
	}
}
