package clients

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/crawlbench/crawlbench/servers"
)

// fastClient is the fasthttp strategy.
type fastClient struct {
	name    string
	cfg     Config
	client  *fasthttp.Client
	indices indexCounter
}

// NewFastHTTP returns the fasthttp strategy: the same fan-out as NewFanout
// over fasthttp's client.
//
// fasthttp's defaults break a large fan-out: MaxConnsPerHost 512 with no
// MaxConnWaitTimeout fails request 513 at once with "no free connections",
// and the default dialer allows only 1000 dials at a time. This client sizes
// MaxConnsPerHost for cfg.Concurrency, waits up to the request timeout for a
// free connection, dials without a concurrency cap, and never retries, so
// each failure is counted once.
func NewFastHTTP(name string, cfg Config) (Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	conns := cfg.Concurrency
	if conns == 0 {
		conns = unlimitedConns
	}
	if cfg.HTTP2 != HTTP1 {
		return nil, fmt.Errorf("%s: http2 %v: fasthttp has no HTTP/2; want h1", name, cfg.HTTP2)
	}
	fc := NewFastHTTPClient(conns, cfg.timeout())
	fc.TLSConfig = cfg.TLSConfig()
	return &fastClient{name: name, cfg: cfg, client: fc}, nil
}

// NewFastHTTPClient returns the fasthttp.Client every crawlbench fasthttp
// strategy uses: at most conns connections per host, waiting up to
// timeout for a free one, dialing without a concurrency cap, never
// retrying (so each failure is counted once).
func NewFastHTTPClient(conns int, timeout time.Duration) *fasthttp.Client {
	dialer := &fasthttp.TCPDialer{Concurrency: 0} // 0: no cap on concurrent dials
	return &fasthttp.Client{
		Name:                      "crawlbench",
		NoDefaultUserAgentHeader:  true,
		MaxConnsPerHost:           conns,
		MaxConnWaitTimeout:        timeout,
		MaxIdleConnDuration:       90 * time.Second,
		MaxIdemponentCallAttempts: 1,
		RetryIfErr:                func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			return dialer.DialTimeout(addr, timeout)
		},
	}
}

func (c *fastClient) Name() string { return c.name }

func (c *fastClient) Close() error {
	c.client.CloseIdleConnections()
	return nil
}

func (c *fastClient) Run(ctx context.Context, n int) (*Result, error) {
	if err := checkN(n); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return c.RunFrom(ctx, c.indices.take(int64(n)), n)
}

func (c *fastClient) RunFrom(ctx context.Context, first int64, n int) (*Result, error) {
	if err := checkBatch(first, n); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	timeout := c.cfg.timeout()
	rec := NewRecorder(c.name, n, timeout)
	tr := doTraceFrom(ctx)
	start := time.Now()
	runFanout(ctx, n, c.cfg.Concurrency, func(i int) {
		c.do(ctx, c.cfg.Targets[i%len(c.cfg.Targets)], first+int64(i), timeout, rec, tr)
	})
	res := rec.Finish(time.Since(start), context.Cause(ctx))
	res.FirstIndex = first
	return res, nil
}

// do issues one GET carrying index. fasthttp cannot abort a request in
// flight when ctx ends; the request's deadline (its timeout, or ctx's
// deadline if sooner) bounds it instead. tr, if not nil, is told.
func (c *fastClient) do(ctx context.Context, url string, index int64, timeout time.Duration, rec *Recorder, tr *DoTrace) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	var buf [20]byte
	req.Header.SetBytesV(servers.HeaderIndex, strconv.AppendInt(buf[:0], index, 10))
	if c.cfg.Conn == Cold {
		req.SetConnectionClose()
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	start := rec.Begin()
	if tr != nil {
		tr.Sent()
	}
	err := c.client.DoDeadline(req, resp, deadline)
	if tr != nil {
		tr.Done()
	}
	if err != nil {
		rec.End(ctx, start, 0, 0, fastErr(err))
		return
	}
	rec.End(ctx, start, resp.StatusCode(), int64(len(resp.Body())), nil)
}

// fastErr wraps fasthttp's timeout errors so that Classify sees them as
// timeouts, and marks bytes that are not HTTP followed by a close as
// ErrMalformed, as net/http reports them, rather than as the EOF fasthttp
// wraps. (Its other errors are plain net errors or say what they are.)
func fastErr(err error) error {
	switch {
	case errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrTimeout):
		return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	case notHTTP(err.Error()):
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return err
}

// notHTTP reports whether a fasthttp header-reading error shows received
// bytes that do not start like an HTTP/1.x status line (a truncated but
// genuine response stays a reset).
func notHTTP(msg string) bool {
	if !strings.HasPrefix(msg, "error when reading response headers:") {
		return false
	}
	_, contents, ok := strings.Cut(msg, `contents: "`)
	if !ok || contents == `"` {
		return false
	}
	return !strings.HasPrefix(contents, "HTTP/")
}
