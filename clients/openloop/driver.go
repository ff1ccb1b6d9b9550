package openloop

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/crawlbench/crawlbench/clients"
)

// DefaultTolerance is the lag beyond which a request counts as late when
// Config.Tolerance is 0.
const DefaultTolerance = time.Millisecond

// Config configures a Run.
type Config struct {
	// Name labels the Result (e.g. "fanout", "fasthttp").
	Name string
	// MaxInFlight caps the requests in flight; a request due while the cap
	// is reached is dropped and counted (k6's dropped_iterations), not
	// queued. 0: no cap. 0..clients.MaxConcurrency.
	MaxInFlight int
	// Delay is the server's delay d, a lower bound on latency, used only to
	// check that the schedule can fit MaxInFlight: rate × Delay requests
	// are in flight at the least. 0: not checked.
	Delay time.Duration
	// AllowDrops accepts a schedule that cannot fit MaxInFlight at Delay
	// (to measure the drops) instead of rejecting it.
	AllowDrops bool
	// Tolerance is the lag beyond which a request counts as late; 0 means
	// DefaultTolerance.
	Tolerance time.Duration
	// FirstIndex is the index (servers.HeaderIndex) of the schedule's
	// request 0; request i carries FirstIndex + i.
	FirstIndex int64
	// Stride spaces the indices: request i carries FirstIndex + i·Stride
	// (a worker's share of a schedule). 0 means 1.
	Stride int64
	// Samples keeps every request's times and outcome in Result.Samples.
	Samples bool
	// Sleep is how the pacer waits; "" means SleepTimer.
	Sleep Sleep
}

// Sample is one scheduled request: times are offsets from the start of
// the run.
type Sample struct {
	Intended time.Duration // when the schedule meant to send it
	Sent     time.Duration // when the pacer sent it (≥ Intended)
	Done     time.Duration // when it completed or failed (if Sent and not Dropped)
	Code     int           // status code, 0 if no response
	Kind     clients.ErrorKind
	Issued   bool // sent to the server
	Dropped  bool // not sent: MaxInFlight was reached
}

// Result is what an open-loop run measured. Every scheduled request is
// exactly one of OK, a failure in Errors, or Dropped: OK + ΣErrors +
// Dropped = Scheduled. Requests never sent because ctx ended count as
// clients.Canceled.
type Result struct {
	Name         string
	TargetRate   float64       // the schedule's rate, req/s
	Duration     time.Duration // the schedule's span
	Elapsed      time.Duration // from the start to the last completion
	Scheduled    int64
	Sent         int64 // requests issued
	OK           int64
	Errors       map[clients.ErrorKind]int64
	Dropped      int64 // due while MaxInFlight were in flight
	Late         int64 // sent more than Tolerance after their intended time
	PeakInFlight int64
	LastSend     time.Duration // the last send's offset

	// Corrected holds latency from the intended send time, Uncorrected
	// from the actual send time, of every issued request (failures
	// included), in nanoseconds; Lag the send time minus the intended
	// time of every issued or dropped request.
	Corrected, Uncorrected, Lag *hdrhistogram.Histogram

	Samples []Sample // with Config.Samples
}

// AchievedRate is the rate requests were issued at: Sent over the longer
// of the schedule's span and the time of the last send.
func (r *Result) AchievedRate() float64 {
	span := max(r.Duration, r.LastSend)
	if span <= 0 {
		return 0
	}
	return float64(r.Sent) / span.Seconds()
}

// Failed is the number of failed requests, of every kind.
func (r *Result) Failed() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Run sends sched's requests through doer on time, whatever the server
// does, and waits for all of them. ctx bounds the run: when it ends the
// requests in flight are abandoned and the rest not sent, all counted as
// clients.Canceled. The error is for a run that could not start (bad
// schedule or config).
func Run(ctx context.Context, doer Doer, sched Schedule, cfg Config) (*Result, error) {
	return run(ctx, realClock{start: time.Now(), fine: cfg.Sleep == SleepNano}, doer, sched, cfg)
}

// RunAt is Run with the schedule's offsets counted from start, which may
// lie ahead (worker processes start one schedule together at a wall-clock
// instant). A start in the past makes the first requests late.
func RunAt(ctx context.Context, start time.Time, doer Doer, sched Schedule, cfg Config) (*Result, error) {
	now := time.Now()
	return run(ctx, realClock{start: now.Add(start.Sub(now)), fine: cfg.Sleep == SleepNano}, doer, sched, cfg)
}

func (cfg Config) validate(sched Schedule) error {
	if len(sched.Times) == 0 {
		return errors.New("openloop: empty schedule (build it with Constant or Poisson)")
	}
	if _, err := check(sched.Rate, sched.Duration); err != nil {
		return err
	}
	for i, t := range sched.Times {
		if t < 0 || t >= sched.Duration || (i > 0 && t < sched.Times[i-1]) {
			return fmt.Errorf("openloop: schedule time %d = %v: times must be nondecreasing in 0..%v", i, t, sched.Duration)
		}
	}
	if cfg.Sleep != "" && cfg.Sleep != SleepTimer && cfg.Sleep != SleepNano {
		return fmt.Errorf("openloop: Sleep %q: want %q or %q", cfg.Sleep, SleepTimer, SleepNano)
	}
	if cfg.MaxInFlight < 0 || cfg.MaxInFlight > clients.MaxConcurrency {
		return fmt.Errorf("openloop: MaxInFlight = %d out of range 0..%d", cfg.MaxInFlight, clients.MaxConcurrency)
	}
	if cfg.Delay < 0 {
		return fmt.Errorf("openloop: Delay = %v out of range ≥ 0", cfg.Delay)
	}
	if cfg.Tolerance < 0 {
		return fmt.Errorf("openloop: Tolerance = %v out of range ≥ 0", cfg.Tolerance)
	}
	if cfg.Stride < 0 {
		return fmt.Errorf("openloop: Stride = %d out of range ≥ 0", cfg.Stride)
	}
	if cfg.FirstIndex < 0 {
		return fmt.Errorf("openloop: FirstIndex = %d out of range ≥ 0", cfg.FirstIndex)
	}
	if cfg.MaxInFlight > 0 && cfg.Delay > 0 && !cfg.AllowDrops {
		need := math.Ceil(sched.Rate * cfg.Delay.Seconds())
		if need > float64(cfg.MaxInFlight) {
			return fmt.Errorf("openloop: MaxInFlight = %d cannot fit the schedule: %v req/s × Delay %v needs ≥ %.0f in flight; raise MaxInFlight to ≥ %.0f, lower the rate, or set AllowDrops",
				cfg.MaxInFlight, sched.Rate, cfg.Delay, need, need)
		}
	}
	return nil
}

func run(ctx context.Context, clk clock, doer Doer, sched Schedule, cfg Config) (*Result, error) {
	if err := cfg.validate(sched); err != nil {
		return nil, err
	}
	tol := cfg.Tolerance
	if tol == 0 {
		tol = DefaultTolerance
	}
	n := len(sched.Times)
	stride := max(cfg.Stride, 1)
	res := &Result{
		Name: cfg.Name, TargetRate: sched.Rate, Duration: sched.Duration, Scheduled: int64(n),
		Errors:    make(map[clients.ErrorKind]int64),
		Corrected: clients.NewHistogram(), Uncorrected: clients.NewHistogram(), Lag: clients.NewHistogram(),
	}
	if cfg.Samples {
		res.Samples = make([]Sample, n)
	}
	var (
		inflight atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex // guards res's counters and latency histograms
	)
	send := func(i int, intended, actual time.Duration) {
		// Called by the pacer goroutine only: the lag, drop and send
		// counters need no lock.
		lag := actual - intended
		record(res.Lag, lag)
		if lag > tol {
			res.Late++
		}
		res.LastSend = actual
		if cfg.Samples {
			res.Samples[i] = Sample{Intended: intended, Sent: actual}
		}
		if cfg.MaxInFlight > 0 && inflight.Load() >= int64(cfg.MaxInFlight) {
			res.Dropped++
			if cfg.Samples {
				res.Samples[i].Dropped = true
			}
			return
		}
		if v := inflight.Add(1); v > res.PeakInFlight {
			res.PeakInFlight = v
		}
		res.Sent++
		wg.Go(func() {
			code, _, err := doer.Do(ctx, cfg.FirstIndex+int64(i)*stride)
			done := clk.Now()
			inflight.Add(-1)
			kind := classify(ctx, code, err)
			if cfg.Samples {
				s := &res.Samples[i]
				s.Done, s.Code, s.Kind, s.Issued = done, code, kind, true
			}
			mu.Lock()
			defer mu.Unlock()
			record(res.Corrected, done-intended)
			record(res.Uncorrected, done-actual)
			if kind == "" {
				res.OK++
			} else {
				res.Errors[kind]++
			}
		})
	}
	handed := pace(ctx, clk, sched.Times, send)
	wg.Wait()
	res.Elapsed = clk.Now()
	if unsent := n - handed; unsent > 0 {
		res.Errors[clients.Canceled] += int64(unsent)
		if cfg.Samples {
			for i := handed; i < n; i++ {
				res.Samples[i] = Sample{Intended: sched.Times[i], Kind: clients.Canceled}
			}
		}
	}
	return res, nil
}

// classify returns a request's failure kind, "" for success: Canceled if
// the run's ctx had ended when it failed, else clients.Classify of its
// error, or Status for a response outside 2xx.
func classify(ctx context.Context, code int, err error) clients.ErrorKind {
	switch {
	case err != nil && ctx.Err() != nil:
		return clients.Canceled
	case err != nil:
		return clients.Classify(err)
	case code < http.StatusOK || code > 299:
		return clients.Status
	}
	return ""
}

// record adds v (clamped to h's range) to h.
func record(h *hdrhistogram.Histogram, v time.Duration) {
	x := max(int64(v), h.LowestTrackableValue())
	x = min(x, h.HighestTrackableValue())
	_ = h.RecordValue(x) // in range by construction
}
