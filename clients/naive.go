package clients

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// naiveClient is the untuned baseline: a goroutine per request, all
// started at once, each calling Get on a default http.Client. Its
// transport is a clone of http.DefaultTransport (so runs do not share
// connections through the package-level one), with every default kept:
// at most 2 idle connections per host, a 30 s dial timeout, proxies from
// the environment (never used for loopback).
//
// The one thing added is a per-request deadline (Config.Timeout), because
// every request loop of the suite is bounded in time. Cold mode closes the
// (at most 2) idle connections before each batch; warm mode keeps them,
// which is all the default transport keeps. Like every strategy it sends
// each request's index (clients.SetIndex).
type naiveClient struct {
	name    string
	cfg     Config
	tr      *http.Transport
	client  *http.Client
	indices atomic.Int64 // index of the next batch's first request
}

// NewNaive returns the untuned baseline strategy: what a plain `go func() {
// http.Get(url) }()` per request does (see naiveClient). cfg.Concurrency
// must be 0.
func NewNaive(name string, cfg Config) (Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if cfg.Concurrency != 0 {
		return nil, fmt.Errorf("%s: concurrency %d: the naive fan-out has no limit; want 0", name, cfg.Concurrency)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &naiveClient{name: name, cfg: cfg, tr: tr, client: &http.Client{Transport: tr}}, nil
}

func (c *naiveClient) Name() string { return c.name }

func (c *naiveClient) Close() error {
	c.tr.CloseIdleConnections()
	return nil
}

func (c *naiveClient) Run(ctx context.Context, n int) (*Result, error) {
	if n < 1 {
		return nil, fmt.Errorf("%s: n: %d: want at least 1 request", c.name, n)
	}
	if c.cfg.Conn == Cold {
		c.tr.CloseIdleConnections()
	}
	timeout := c.cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	rec := NewRecorder(c.name, n, timeout)
	first := c.indices.Add(int64(n)) - int64(n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() { c.get(ctx, c.cfg.Targets[i%len(c.cfg.Targets)], first+int64(i), timeout, rec) })
	}
	wg.Wait()
	res := rec.Finish(time.Since(start), context.Cause(ctx))
	res.FirstIndex = first
	return res, nil
}

// get is http.Get with a deadline and the request's index, recorded.
func (c *naiveClient) get(ctx context.Context, url string, index int64, timeout time.Duration, rec *Recorder) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	start := rec.Begin()
	if err != nil {
		rec.End(ctx, start, 0, 0, err)
		return
	}
	SetIndex(req.Header, index)
	resp, err := c.client.Do(req)
	if err != nil {
		rec.End(ctx, start, 0, 0, err)
		return
	}
	nb, err := io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	rec.End(ctx, start, resp.StatusCode, nb, err)
}
