package openloop

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// RunClosed is the closed loop that Run is contrasted with: c lanes, each
// sending its next request through doer the moment the previous one
// completes, until duration has passed (the fan-out with a fixed c). It
// fills the same Result: Uncorrected from each actual send, and
// Corrected as wrk2 corrects a closed loop, from the lane's j-th request's
// intended time j·c / rate (rate: the loop's unimpeded rate, c / d for a
// server of delay d); Lag is the send minus that intended time.
// Scheduled = Sent, and nothing is dropped.
func RunClosed(ctx context.Context, doer Doer, c int, rate float64, duration time.Duration, name string) (*Result, error) {
	if c < 1 || c > clients.MaxConcurrency {
		return nil, fmt.Errorf("openloop: closed loop c = %d out of range 1..%d", c, clients.MaxConcurrency)
	}
	if _, err := check(rate, duration); err != nil {
		return nil, err
	}
	clk := realClock{start: time.Now()}
	gap := time.Duration(float64(c) / rate * float64(time.Second))
	res := &Result{
		Name: name, TargetRate: rate, Duration: duration,
		Errors:    make(map[clients.ErrorKind]int64),
		Corrected: clients.NewHistogram(), Uncorrected: clients.NewHistogram(), Lag: clients.NewHistogram(),
		PeakInFlight: int64(c),
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for lane := range c {
		wg.Go(func() {
			for j := 0; ctx.Err() == nil; j++ {
				sent := clk.Now()
				if sent >= duration {
					return
				}
				code, _, err := doer.Do(ctx, int64(lane)<<32|int64(j))
				done := clk.Now()
				kind := classify(ctx, code, err)
				intended := time.Duration(j) * gap
				mu.Lock()
				res.Sent++
				res.Scheduled++
				res.LastSend = max(res.LastSend, sent)
				record(res.Lag, max(sent-intended, 0))
				record(res.Corrected, max(done-intended, done-sent))
				record(res.Uncorrected, done-sent)
				if kind == "" {
					res.OK++
				} else {
					res.Errors[kind]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Elapsed = clk.Now()
	return res, nil
}
