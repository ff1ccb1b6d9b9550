package clients

import (
	"context"
	"sync/atomic"
	"time"
)

// batchTimeouts gives each request of a batch its own timeout context
// without making it a child of the run context. As children, the requests
// of a fan-out would all lock the run context and add themselves to its
// map of children at once, and remove themselves again: about a
// microsecond of the harness's CPU per request (BenchmarkFanoutHarness).
// Instead each request's context derives from the run context's values
// alone (context.WithoutCancel), and one context.AfterFunc per batch
// cancels the requests in flight when the run context ends. A request's
// context has the deadline, values and errors it had as a child: done at
// the sooner of its own timeout and the run's deadline, or when the run
// is canceled.
type batchTimeouts struct {
	run     context.Context
	base    context.Context // run's values; never done
	timeout time.Duration
	slots   []atomic.Value // a context.CancelFunc per request of the batch
	stop    func() bool
}

// newBatchTimeouts returns the timeouts of a batch of n requests run
// under run, each bounded by timeout. Call close when the batch is done.
func newBatchTimeouts(run context.Context, n int, timeout time.Duration) *batchTimeouts {
	t := &batchTimeouts{run: run, base: context.WithoutCancel(run), timeout: timeout,
		slots: make([]atomic.Value, n)}
	t.stop = context.AfterFunc(run, t.cancelAll)
	return t
}

// request returns the context of request i (0..n-1) of the batch, which
// starts now, and its cancel function.
func (t *batchTimeouts) request(i int) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(t.timeout)
	if d, ok := t.run.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(t.base, deadline)
	t.slots[i].Store(cancel) // a func is pointer-shaped: no allocation
	// cancelAll may have passed slot i before the Store: then the run has
	// ended already, and the request cancels itself.
	if t.run.Err() != nil {
		cancel()
	}
	return ctx, cancel
}

// cancelAll cancels every request begun; a finished one's cancel is a no-op.
func (t *batchTimeouts) cancelAll() {
	for i := range t.slots {
		if f, ok := t.slots[i].Load().(context.CancelFunc); ok {
			f()
		}
	}
}

// close releases the batch's hook on the run context.
func (t *batchTimeouts) close() { t.stop() }
