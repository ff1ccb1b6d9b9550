package harness

import (
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
