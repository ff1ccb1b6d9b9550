package procpool

import (
	"context"
	"testing"
	"time"
)

// TestPoolIPC checks that a pool measures its pipe time: every work
// message's round trip beyond the worker's own Wall, positive since a pipe
// round trip is never free, and one critical-path entry per batch.
func TestPoolIPC(t *testing.T) {
	srv := newTestServer(t, 5*time.Millisecond)
	p := startPool(t, context.Background(), ProcsFanoutName, srv.config(2))
	if got := p.IPC(); got != (IPCStats{}) {
		t.Errorf("IPC before any Run = %+v, want zero", got)
	}
	const batches, n = 3, 10
	for range batches {
		if _, err := p.Run(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
	got := p.IPC()
	if got.Batches != batches || got.Messages != 2*batches {
		t.Errorf("IPC counted %d batches, %d messages; want %d and %d", got.Batches, got.Messages, batches, 2*batches)
	}
	if got.Total <= 0 || got.Path <= 0 || got.Path > got.Total {
		t.Errorf("IPC %+v: want 0 < Path <= Total", got)
	}
}
