package clients

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder accounts for the requests of one batch. It is safe for concurrent
// use: Begin and End may be called from many goroutines.
type Recorder struct {
	timeout  time.Duration
	base     time.Time // a reading of both clocks; Begin's times are base + monotonic time since
	begun    atomic.Int64
	inflight atomic.Int64
	peak     atomic.Int64

	mu  sync.Mutex
	res *Result
}

// NewRecorder returns a Recorder for a batch of n requests made by strategy,
// whose requests time out after timeout (the latency recorded for a
// timed-out request).
func NewRecorder(strategy string, n int, timeout time.Duration) *Recorder {
	res := NewResult(strategy)
	res.Requests = int64(n)
	return &Recorder{timeout: timeout, base: time.Now(), res: res}
}

// Begin marks a request as started and returns its start time. The time
// is computed from one reading of the monotonic clock (time.Now reads the
// wall clock too, which doubles the cost of the harness's timing); its
// wall-clock part is the Recorder's creation time plus the monotonic time
// since, so it is meant for measuring latency (End), not for display.
func (r *Recorder) Begin() time.Time {
	r.begun.Add(1)
	v := r.inflight.Add(1)
	for {
		p := r.peak.Load()
		if v <= p || r.peak.CompareAndSwap(p, v) {
			break
		}
	}
	return r.base.Add(time.Since(r.base))
}

// End records the outcome of a request started at start: its status code
// (0 if no response arrived), the body bytes read, and the error that ended
// it, if any. A request whose run context (runCtx) was already done when it
// failed is counted as Canceled, whatever its error says.
func (r *Recorder) End(runCtx context.Context, start time.Time, code int, nbytes int64, err error) {
	lat := time.Since(start)
	r.inflight.Add(-1)

	var kind ErrorKind
	switch {
	case err != nil && runEnded(runCtx):
		kind = Canceled
	case err != nil:
		kind = Classify(err)
	case code < 200 || code > 299:
		kind = Status
		err = errors.New(httpStatusText(code))
	}
	if kind == Timeout {
		lat = r.timeout
	}
	v := int64(lat)
	if v > histHighest {
		v = histHighest
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	// RecordValue fails only outside the histogram's range, which v cannot be.
	_ = r.res.Latency.RecordValue(v)
	if code > 0 {
		r.res.Codes[code]++
	}
	r.res.Bytes += nbytes
	if kind == "" {
		r.res.OK++
		return
	}
	r.res.Errors[kind]++
	if _, ok := r.res.Samples[kind]; !ok {
		r.res.Samples[kind] = err.Error()
	}
}

// Finish returns the batch's Result with its wall time. Requests of the
// batch that were never begun (the run's context ended first) are counted as
// Canceled and NotIssued, with cause as the sample message. The Recorder must
// not be used afterwards.
func (r *Recorder) Finish(wall time.Duration, cause error) *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Wall = wall
	r.res.MaxInFlight = r.peak.Load()
	if k := r.res.Requests - r.begun.Load(); k > 0 {
		r.res.NotIssued += k
		r.res.Errors[Canceled] += k
		if _, ok := r.res.Samples[Canceled]; !ok {
			msg := "not issued"
			if cause != nil {
				msg += ": " + cause.Error()
			}
			r.res.Samples[Canceled] = msg
		}
	}
	return r.res
}

// runEnded reports whether the run's context is done or past its deadline.
// The deadline is checked too because a transport that enforces it itself
// (fasthttp's DoDeadline) can fail a request a moment before the context's
// timer fires.
func runEnded(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// httpStatusText describes a non-2xx status for an error sample.
func httpStatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("HTTP %d %s", code, t)
	}
	return fmt.Sprintf("HTTP %d", code)
}
