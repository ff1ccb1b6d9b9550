package harness

import (
	"fmt"

	"github.com/crawlbench/crawlbench/clients"
)

// maxPending is how many batch Results an accumulator holds before it
// merges them: each holds an HDR histogram of about 196 KB, so memory stays
// near 3 MB whatever b.N is, and the timer is stopped once per maxPending
// batches rather than once per batch.
const maxPending = 16

// accumulator merges the Results of a case's batches into one.
type accumulator struct {
	total   *clients.Result
	pending []*clients.Result
	firsts  []int64               // every batch's Result.FirstIndex, in order (8 bytes a batch)
	observe func(*clients.Result) // if not nil, sees every batch before it is merged
}

func newAccumulator(strategy string) *accumulator {
	return &accumulator{total: clients.NewResult(strategy), pending: make([]*clients.Result, 0, maxPending)}
}

// add keeps res and reports whether flush is due.
func (a *accumulator) add(res *clients.Result) bool {
	a.pending = append(a.pending, res)
	a.firsts = append(a.firsts, res.FirstIndex)
	return len(a.pending) >= maxPending
}

// flush merges the pending Results into total and releases them.
func (a *accumulator) flush() error {
	for i, res := range a.pending {
		if a.observe != nil {
			a.observe(res)
		}
		if err := a.total.Merge(res); err != nil {
			return fmt.Errorf("merge batch results: %w", err)
		}
		a.pending[i] = nil
	}
	a.pending = a.pending[:0]
	return nil
}
