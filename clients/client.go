package clients

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crawlbench/crawlbench/servers"
)

// Client is one client strategy. Every strategy owns its transport, so
// strategies never share connections.
type Client interface {
	// Name returns the strategy's name, e.g. "fanout".
	Name() string
	// Run issues a batch of n requests and waits for all of them. Request
	// failures are counted in the Result, not returned; the error is for a
	// batch that could not run at all (bad n, a broken worker process).
	// When ctx ends, requests in flight are abandoned and the rest are not
	// issued; both count as Canceled.
	//
	// Every request carries its index in the servers.HeaderIndex header.
	// A client numbers its requests from 0 across all its batches, so no
	// two batches share an index; the Result's FirstIndex says where the
	// batch began.
	Run(ctx context.Context, n int) (*Result, error)
	// Close releases the strategy's connections and processes.
	Close() error
}

// IndexedClient is a Client whose caller can choose the indices of a
// batch: RunFrom is Run with request j of the batch carrying index
// first+j, j counted in the order the strategy issues requests. It does
// not advance the indices Run hands out. The in-process strategies
// implement it; a worker process runs the indices its parent planned with
// it.
type IndexedClient interface {
	Client
	RunFrom(ctx context.Context, first int64, n int) (*Result, error)
}

// unlimitedConns sizes connection pools when Concurrency is 0 (unlimited):
// a cap, not an allocation.
const unlimitedConns = MaxConcurrency

// netHTTP is the shared body of the net/http strategies.
type netHTTP struct {
	name    string
	cfg     Config
	conns   int // connections per host the transport is sized for
	tr      *http.Transport
	client  *http.Client
	runFunc func(ctx context.Context, n int, do func(i int)) // schedules the n requests
	indices indexCounter
}

// NewSequential returns the sequential strategy: one net/http client, one
// request after the other (the seed's row 6, a loop of requests.get).
func NewSequential(name string, cfg Config) (Client, error) {
	return newNetHTTP(name, cfg, 1, runSequential)
}

// NewFakeAsync returns the fake-async strategy: each request runs in its own
// goroutine, but the goroutine is waited for before the next one starts. It
// looks concurrent and is sequential, the Go shape of the seed's rows 1 and 3
// (a blocking requests.get inside a coroutine).
func NewFakeAsync(name string, cfg Config) (Client, error) {
	return newNetHTTP(name, cfg, 1, runFakeAsync)
}

// NewFanout returns the fanout strategy: a goroutine per request over
// net/http with at most cfg.Concurrency in flight (0: all at once), over a
// Transport whose idle pool is sized for that concurrency, so warm
// connections are reused rather than churned.
func NewFanout(name string, cfg Config) (Client, error) {
	conns := cfg.Concurrency
	if conns == 0 {
		conns = unlimitedConns
	}
	c := cfg.Concurrency
	return newNetHTTP(name, cfg, conns, func(ctx context.Context, n int, do func(int)) {
		runFanout(ctx, n, c, do)
	})
}

func newNetHTTP(name string, cfg Config, conns int, run func(context.Context, int, func(int))) (Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	tr := NewTransport(cfg, conns)
	return &netHTTP{name: name, cfg: cfg, conns: conns, tr: tr, client: &http.Client{Transport: cfg.roundTripper(tr)}, runFunc: run}, nil
}

// NewTransport returns an http.Transport for up to conns connections per
// host in the given connection mode. It never uses a proxy (traffic stays on
// the target's address), does not ask for compression, and in Cold mode
// closes every connection after its response.
func NewTransport(cfg Config, conns int) *http.Transport {
	d := &net.Dialer{Timeout: cfg.timeout(), KeepAlive: 30 * time.Second}
	hosts := len(cfg.hosts())
	if hosts == 0 {
		hosts = 1
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		MaxIdleConns:        min(conns*hosts, unlimitedConns),
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableKeepAlives:   cfg.Conn == Cold,
		DisableCompression:  true,
	}
	cfg.applyHTTP(tr)
	return tr
}

func (c *netHTTP) Name() string { return c.name }

func (c *netHTTP) Close() error {
	c.tr.CloseIdleConnections()
	c.client.CloseIdleConnections() // a strict HTTP/2 transport's too
	return nil
}

func (c *netHTTP) Run(ctx context.Context, n int) (*Result, error) {
	if err := checkN(n); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return c.RunFrom(ctx, c.indices.take(int64(n)), n)
}

func (c *netHTTP) RunFrom(ctx context.Context, first int64, n int) (*Result, error) {
	if err := checkBatch(first, n); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	rec := NewRecorder(c.name, n, c.cfg.timeout())
	timeout := c.cfg.timeout()
	timeouts := newBatchTimeouts(ctx, n, timeout)
	defer timeouts.close()
	start := time.Now()
	c.runFunc(ctx, n, func(i int) {
		rctx, cancel := timeouts.request(i)
		defer cancel()
		doHTTP(ctx, rctx, c.client, c.cfg.Targets[i%len(c.cfg.Targets)], first+int64(i), rec)
	})
	res := rec.Finish(time.Since(start), context.Cause(ctx))
	res.FirstIndex = first
	return res, nil
}

// doHTTP issues one GET carrying index under rctx, the request's own
// context (bounded by its timeout), and records its outcome; ctx is the
// run's context, which decides whether a failure counts as Canceled.
func doHTTP(ctx, rctx context.Context, client *http.Client, url string, index int64, rec *Recorder) {
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	start := rec.Begin()
	if err != nil {
		rec.End(ctx, start, 0, 0, fmt.Errorf("build request: %w", err))
		return
	}
	SetIndex(req.Header, index)
	resp, err := client.Do(req)
	if err != nil {
		rec.End(ctx, start, 0, 0, err)
		return
	}
	nbytes, err := io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("read body: %w", err)
	}
	rec.End(ctx, start, resp.StatusCode, nbytes, err)
}

// SetIndex sets the request index header (servers.HeaderIndex) of a
// net/http request's header h to index.
func SetIndex(h http.Header, index int64) {
	h[servers.HeaderIndex] = []string{strconv.FormatInt(index, 10)}
}

// indexCounter hands out the request indices of a client's batches.
type indexCounter struct{ next atomic.Int64 }

// take reserves the indices of a batch of n and returns the first.
func (c *indexCounter) take(n int64) int64 { return c.next.Add(n) - n }

// runSequential calls do for 0..n-1 in order, stopping early when ctx ends;
// the Recorder counts the requests never begun.
func runSequential(ctx context.Context, n int, do func(int)) {
	for i := range n {
		if ctx.Err() != nil {
			return
		}
		do(i)
	}
}

// runFakeAsync starts a goroutine per request and waits for it before
// starting the next.
func runFakeAsync(ctx context.Context, n int, do func(int)) {
	for i := range n {
		if ctx.Err() != nil {
			return
		}
		var g errgroup.Group
		g.Go(func() error { do(i); return nil })
		_ = g.Wait() // do never fails: failures are counted, not returned
	}
}

// runFanout starts a goroutine per request with at most c in flight
// (0: no limit) and waits for all of them.
func runFanout(ctx context.Context, n, c int, do func(int)) {
	var g errgroup.Group
	if c > 0 && c < n {
		g.SetLimit(c)
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error { do(i); return nil })
	}
	_ = g.Wait() // do never fails: failures are counted, not returned
}
