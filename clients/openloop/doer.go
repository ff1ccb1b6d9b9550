package openloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers"
)

// Doer issues one GET carrying a request index (servers.HeaderIndex) and
// reports its status code, the body bytes read and the error that ended
// it. It is safe for concurrent use.
type Doer interface {
	Do(ctx context.Context, index int64) (code int, nbytes int64, err error)
	Close() error
}

// NetHTTP returns a Doer over net/http for cfg's first target, with a
// transport sized for conns connections (clients.NewTransport); each
// request is bounded by cfg.Timeout (0: clients.DefaultTimeout).
func NetHTTP(cfg clients.Config, conns int) (Doer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("openloop: net/http: %w", err)
	}
	if conns < 1 || conns > clients.MaxConcurrency {
		return nil, fmt.Errorf("openloop: net/http: conns = %d out of range 1..%d", conns, clients.MaxConcurrency)
	}
	tr := clients.NewTransport(cfg, conns)
	return &netDoer{url: cfg.Targets[0], timeout: timeoutOf(cfg), tr: tr, client: &http.Client{Transport: tr}}, nil
}

type netDoer struct {
	url     string
	timeout time.Duration
	tr      *http.Transport
	client  *http.Client
}

func (d *netDoer) Do(ctx context.Context, index int64) (int, int64, error) {
	rctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, d.url, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("build request: %w", err)
	}
	clients.SetIndex(req.Header, index)
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return resp.StatusCode, n, fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, n, nil
}

func (d *netDoer) Close() error {
	d.tr.CloseIdleConnections()
	return nil
}

// FastHTTP returns a Doer over fasthttp for cfg's first target, with at
// most conns connections, no retries, and each request bounded by
// cfg.Timeout or ctx's deadline, whichever is sooner (fasthttp cannot
// abort a request in flight when ctx is canceled).
func FastHTTP(cfg clients.Config, conns int) (Doer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("openloop: fasthttp: %w", err)
	}
	if conns < 1 || conns > clients.MaxConcurrency {
		return nil, fmt.Errorf("openloop: fasthttp: conns = %d out of range 1..%d", conns, clients.MaxConcurrency)
	}
	timeout := timeoutOf(cfg)
	return &fastDoer{url: cfg.Targets[0], timeout: timeout, cold: cfg.Conn == clients.Cold, client: clients.NewFastHTTPClient(conns, timeout)}, nil
}

type fastDoer struct {
	url     string
	timeout time.Duration
	cold    bool
	client  *fasthttp.Client
}

func (d *fastDoer) Do(ctx context.Context, index int64) (int, int64, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(d.url)
	var buf [20]byte
	req.Header.SetBytesV(servers.HeaderIndex, strconv.AppendInt(buf[:0], index, 10))
	if d.cold {
		req.SetConnectionClose()
	}
	deadline := time.Now().Add(d.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := d.client.DoDeadline(req, resp, deadline); err != nil {
		if errors.Is(err, fasthttp.ErrDialTimeout) || errors.Is(err, fasthttp.ErrTimeout) {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return 0, 0, err
	}
	return resp.StatusCode(), int64(len(resp.Body())), nil
}

func (d *fastDoer) Close() error {
	d.client.CloseIdleConnections()
	return nil
}

func timeoutOf(cfg clients.Config) time.Duration {
	if cfg.Timeout > 0 {
		return cfg.Timeout
	}
	return clients.DefaultTimeout
}
