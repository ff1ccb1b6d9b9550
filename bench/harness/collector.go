package harness

import (
	"context"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// Collector measures a case's timed loop beyond the suite's metrics (the
// overhead breakdown of package bench/breakdown). Run calls Start right
// before the timed loop, Stop right after it, and Report after the
// suite's metrics with the merged Result and the model's ideal batch
// time. With Hooks.Collector nil, none of it runs.
type Collector interface {
	Start(b *testing.B, c Case, cl clients.Client, srv Server)
	Stop(b *testing.B)
	Report(b *testing.B, total *clients.Result, ideal time.Duration)
}

// BatchObserver is a Collector that also sees each timed batch's Result,
// in order, when the accumulator merges it: with the timer stopped, every
// few batches and after the loop.
type BatchObserver interface {
	Batch(res *clients.Result)
}

// BatchRunner is a Collector that runs each timed batch itself, around
// the client's Run (to time the batch on its own clock and trace its
// requests); Run calls RunBatch instead of cl.Run in the timed loop.
type BatchRunner interface {
	RunBatch(ctx context.Context, cl clients.Client, n int) (*clients.Result, error)
}
