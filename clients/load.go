package clients

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of a LoadConfig.
const (
	// MaxLoadDuration bounds LoadConfig.Duration.
	MaxLoadDuration = time.Hour
	// MaxLoadRequests bounds LoadConfig.MaxRequests.
	MaxLoadRequests = 1 << 40
)

// LoadConfig bounds a closed-loop load: Workers loops, each issuing one
// request after the other, until Duration has passed or MaxRequests have
// been issued, whichever comes first. Requests in flight at the end are
// completed (each is bounded by the client's per-request timeout), not
// abandoned.
type LoadConfig struct {
	// Workers is c, the number of request loops, and so the most
	// requests (and connections) in flight; 1..MaxConcurrency.
	Workers int
	// Duration bounds the time during which new requests start;
	// 1ms..MaxLoadDuration.
	Duration time.Duration
	// MaxRequests bounds the requests issued; 1..MaxLoadRequests.
	MaxRequests int64
}

// Validate reports the first invalid field of lc, naming it and its range.
func (lc LoadConfig) Validate() error {
	switch {
	case lc.Workers < 1 || lc.Workers > MaxConcurrency:
		return fmt.Errorf("load: workers: %d: want 1 to %d", lc.Workers, MaxConcurrency)
	case lc.Duration < time.Millisecond || lc.Duration > MaxLoadDuration:
		return fmt.Errorf("load: duration: %v: want 1ms to %v", lc.Duration, MaxLoadDuration)
	case lc.MaxRequests < 1 || lc.MaxRequests > MaxLoadRequests:
		return fmt.Errorf("load: max requests: %d: want 1 to %d", lc.MaxRequests, int64(MaxLoadRequests))
	}
	return nil
}

// Loader is a strategy that can also run a closed-loop load, the way load
// generators such as wrk, hey and bombardier do: c workers each looping
// request after request, for a duration. The in-process net/http
// strategies (sequential, fake-async, fanout) and fasthttp implement it.
type Loader interface {
	Client
	// Load runs the closed-loop load lc over the client's connections. Its
	// Result counts the requests issued (Requests), their outcomes and
	// latencies; Wall runs from the first request's start to the last
	// one's end, so Throughput is the achieved rate. lc.Workers may not
	// exceed the connections the client was built for (Concurrency; 1
	// for sequential and fake-async). When ctx ends, no new request
	// starts and those in flight count as Canceled. A load reserves
	// lc.MaxRequests request indices: request i carries FirstIndex+i.
	Load(ctx context.Context, lc LoadConfig) (*Result, error)
}

// errTooManyWorkers reports a load wider than the client's connection pool.
func errTooManyWorkers(name string, workers, conns int) error {
	return fmt.Errorf("%s: load: workers: %d: the client was built for at most %d connections (Config.Concurrency); want 1 to %d", name, workers, conns, conns)
}

// Load implements Loader for the net/http strategies.
func (c *netHTTP) Load(ctx context.Context, lc LoadConfig) (*Result, error) {
	if err := lc.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	if lc.Workers > c.conns {
		return nil, errTooManyWorkers(c.name, lc.Workers, c.conns)
	}
	timeout := c.cfg.timeout()
	first := c.indices.take(lc.MaxRequests)
	return runLoad(ctx, c.name, lc, first, timeout, func(rec *Recorder, i int64) {
		rctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		doHTTP(ctx, rctx, c.client, c.cfg.Targets[i%int64(len(c.cfg.Targets))], first+i, rec)
	}), nil
}

// Load implements Loader for fasthttp.
func (c *fastClient) Load(ctx context.Context, lc LoadConfig) (*Result, error) {
	if err := lc.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	if lc.Workers > c.client.MaxConnsPerHost {
		return nil, errTooManyWorkers(c.name, lc.Workers, c.client.MaxConnsPerHost)
	}
	timeout := c.cfg.timeout()
	first := c.indices.take(lc.MaxRequests)
	return runLoad(ctx, c.name, lc, first, timeout, func(rec *Recorder, i int64) {
		c.do(ctx, c.cfg.Targets[i%int64(len(c.cfg.Targets))], first+i, timeout, rec, nil)
	}), nil
}

// runLoad runs lc.Workers loops of do until lc.Duration passes, lc.MaxRequests
// have been issued or ctx ends, and returns the Result. Request i of the
// load carries index first+i: a load reserves lc.MaxRequests indices.
func runLoad(ctx context.Context, name string, lc LoadConfig, first int64, timeout time.Duration, do func(rec *Recorder, i int64)) *Result {
	rec := NewRecorder(name, 0, timeout)
	var stop atomic.Bool
	t := time.AfterFunc(lc.Duration, func() { stop.Store(true) })
	defer t.Stop()
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range lc.Workers {
		wg.Go(func() {
			for !stop.Load() && ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= lc.MaxRequests {
					return
				}
				do(rec, i)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	// The load asked for exactly the requests it issued.
	rec.mu.Lock()
	rec.res.Requests = rec.begun.Load()
	rec.mu.Unlock()
	res := rec.Finish(wall, context.Cause(ctx))
	res.FirstIndex = first
	return res
}
