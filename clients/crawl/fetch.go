package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/crawlbench/crawlbench/clients"
)

// isHTML reports whether a Content-Type is text/html.
func isHTML(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "text/html"
}

// netFetcher fetches over net/http.
type netFetcher struct {
	client  *http.Client
	tr      *http.Transport
	timeout time.Duration
}

// newNetFetcher returns a net/http fetcher holding up to perHost
// connections per host; it asks for gzip and decompresses (net/http's
// default).
func newNetFetcher(cfg Config) *netFetcher {
	d := &net.Dialer{Timeout: cfg.ReqTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		MaxIdleConns:        cfg.PerHost * len(cfg.Allow),
		MaxIdleConnsPerHost: cfg.PerHost,
		MaxConnsPerHost:     cfg.PerHost,
		IdleConnTimeout:     90 * time.Second,
	}
	return &netFetcher{client: &http.Client{Transport: tr, CheckRedirect: noRedirect}, tr: tr, timeout: cfg.ReqTimeout}
}

// noRedirect makes a redirect an answer (counted as a status failure)
// rather than a request the frontier did not see.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (f *netFetcher) close() { f.tr.CloseIdleConnections() }

func (f *netFetcher) get(ctx context.Context, rawURL string, max int64, p *page) []byte {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	start := time.Now()
	defer func() { p.latency = time.Since(start) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		p.fail(clients.Other, err)
		return nil
	}
	resp, err := f.client.Do(req)
	if err != nil {
		p.fail(clients.Classify(err), err)
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	p.bytes = int64(len(body))
	switch {
	case err != nil:
		p.fail(clients.Classify(err), fmt.Errorf("reading %s: %w", rawURL, err))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		p.fail(clients.Status, fmt.Errorf("%s: HTTP %s", rawURL, resp.Status))
	case int64(len(body)) > max:
		p.tooLarge = true
	case !isHTML(resp.Header.Get("Content-Type")):
		p.notHTML = true
	default:
		p.ok = true
		return body
	}
	return nil
}

func (p *page) fail(kind clients.ErrorKind, err error) {
	p.kind = kind
	p.msg = err.Error()
}

// fastFetcher fetches over fasthttp.
type fastFetcher struct {
	client  *fasthttp.Client
	timeout time.Duration
}

func newFastFetcher(cfg Config) *fastFetcher {
	c := clients.NewFastHTTPClient(cfg.PerHost, cfg.ReqTimeout)
	c.MaxResponseBodySize = int(cfg.MaxBody)
	return &fastFetcher{client: c, timeout: cfg.ReqTimeout}
}

func (f *fastFetcher) close() { f.client.CloseIdleConnections() }

// get asks for gzip and gunzips, as net/http does by default. fasthttp
// cannot abort a request when ctx ends; its deadline bounds it instead.
func (f *fastFetcher) get(ctx context.Context, rawURL string, max int64, p *page) []byte {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(rawURL)
	req.Header.Set("Accept-Encoding", "gzip")
	deadline := time.Now().Add(f.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	start := time.Now()
	defer func() { p.latency = time.Since(start) }()
	if err := ctx.Err(); err != nil {
		p.fail(clients.Canceled, err)
		return nil
	}
	err := f.client.DoDeadline(req, resp, deadline)
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		p.tooLarge = true
		return nil
	case errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrTimeout):
		p.fail(clients.Timeout, err)
		return nil
	case err != nil:
		p.fail(clients.Classify(err), err)
		return nil
	}
	body := resp.Body()
	if strings.EqualFold(string(resp.Header.ContentEncoding()), "gzip") {
		if body, err = resp.BodyGunzip(); err != nil {
			p.fail(clients.Other, fmt.Errorf("gunzip %s: %w", rawURL, err))
			return nil
		}
	}
	p.bytes = int64(len(body))
	switch code := resp.StatusCode(); {
	case code < 200 || code > 299:
		p.fail(clients.Status, fmt.Errorf("%s: HTTP %d", rawURL, code))
	case int64(len(body)) > max:
		p.tooLarge = true
	case !isHTML(string(resp.Header.ContentType())):
		p.notHTML = true
	default:
		p.ok = true
		return append([]byte(nil), body...)
	}
	return nil
}
