package clients

import (
	"context"
	"errors"
	"testing"
	"time"
)

type valueKey struct{}

// waitDone fails the test unless ctx is done within a generous bound.
func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("request context not done 10s after its run ended")
	}
}

func TestBatchTimeoutsFollowTheRun(t *testing.T) {
	run, cancel := context.WithCancel(context.WithValue(t.Context(), valueKey{}, "v"))
	defer cancel()
	bt := newBatchTimeouts(run, 3, time.Hour)
	defer bt.close()
	before := time.Now()
	r0, c0 := bt.request(0)
	defer c0()
	if got := r0.Value(valueKey{}); got != "v" {
		t.Fatalf("request context value %v: want the run's, v", got)
	}
	if d, ok := r0.Deadline(); !ok || d.Before(before.Add(time.Hour)) || d.After(time.Now().Add(time.Hour)) {
		t.Fatalf("deadline %v, %v: want now + 1h", d, ok)
	}
	if r0.Err() != nil {
		t.Fatalf("request context done before its run: %v", r0.Err())
	}
	cancel()
	waitDone(t, r0)
	if !errors.Is(r0.Err(), context.Canceled) {
		t.Fatalf("request context error %v: want context.Canceled", r0.Err())
	}
	r1, c1 := bt.request(1) // begun after the run ended
	defer c1()
	if r1.Err() == nil {
		t.Fatal("a request begun after its run ended is not done")
	}
}

func TestBatchTimeoutsDeadline(t *testing.T) {
	run, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	runDeadline, _ := run.Deadline()
	long := newBatchTimeouts(run, 1, 2*time.Hour)
	defer long.close()
	r, c := long.request(0)
	defer c()
	if d, _ := r.Deadline(); !d.Equal(runDeadline) {
		t.Fatalf("deadline %v: want the run's, %v", d, runDeadline)
	}
	short := newBatchTimeouts(run, 1, time.Millisecond)
	defer short.close()
	r, c = short.request(0)
	defer c()
	waitDone(t, r)
	if !errors.Is(r.Err(), context.DeadlineExceeded) {
		t.Fatalf("request context error %v: want its own timeout, context.DeadlineExceeded", r.Err())
	}
	if run.Err() != nil {
		t.Fatal("a request's timeout ended its run")
	}
}
