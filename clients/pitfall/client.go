package pitfall

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/crawlbench/crawlbench/clients"
)

// ErrBound is the cause of a batch's context when Config.Bound passes.
var ErrBound = fmt.Errorf("pitfall: the caller's bound on the batch passed: %w", context.Canceled)

// Limits of Config.
const (
	MaxC       = 100_000
	MinTimeout = time.Millisecond
	MaxTimeout = time.Hour
)

// Config configures a pitfall client.
type Config struct {
	// Target is the server's base URL, http://127.0.0.1:PORT/ (https://
	// with TLS). ResolvePerConn replaces its host by "localhost".
	Target string
	// C is the requests in flight at most; 0 means the Spec's C.
	C int
	// Timeout is every request's timeout, but for NoTimeout's bad variant,
	// which has none (NoTimeout's fix is this Timeout).
	Timeout time.Duration
	// Bound is the caller's own limit on a batch: requests still in
	// flight when it passes are cut off and counted as Outcome.Hung.
	Bound time.Duration
	// TLS, when not nil, is the client TLS configuration of an HTTPS
	// target (the hook for a TLS variant of every row). nil: plain HTTP.
	TLS *tls.Config
}

// Outcome is what one batch did.
type Outcome struct {
	// Result counts every request: OK, failures by kind (a request cut off
	// by Config.Bound is Canceled, or Timeout with fasthttp; fasthttp's
	// ErrNoFreeConns is Other),
	// latencies and the batch's wall time.
	*clients.Result
	// Hung counts requests still in flight when Config.Bound passed.
	Hung int64
	// NoFreeConns counts requests failed with fasthttp.ErrNoFreeConns.
	NoFreeConns int64
	// Dials counts connections the client dialled.
	Dials int64
	// Lookups counts host-name resolutions made by the dialer.
	Lookups int64
	// Leaked counts connections left open by Transports the variant
	// dropped (ClientPerRequest's bad variant) or held by response bodies
	// it never closed (BodyUnclosed's); Run closes them after the batch's
	// wall time is taken.
	Leaked int64
}

// Client runs batches of one variant of one pitfall. Its methods are not
// safe for concurrent use.
type Client struct {
	spec    Spec
	variant Variant
	cfg     Config
	url     string

	hc *http.Client     // the shared client (nil: one per request)
	fc *fasthttp.Client // FastHTTPMaxConns
	tr func() *http.Transport

	dials, closes, lookups atomic.Int64

	mu       sync.Mutex
	dropped  []*http.Transport // ClientPerRequest bad: Transports of this batch
	unclosed []io.Closer       // BodyUnclosed bad: bodies of this batch
}

// New returns the client of variant v of pitfall n.
func New(n Name, v Variant, cfg Config) (*Client, error) {
	spec, ok := Lookup(n)
	if !ok {
		return nil, fmt.Errorf("pitfall %q: unknown; want one of %v", n, Names())
	}
	if v != Bad && v != Fix {
		return nil, fmt.Errorf("pitfall %s: variant %q: want %v", n, v, Variants())
	}
	if cfg.C == 0 {
		cfg.C = spec.C
	}
	if cfg.C < 1 || cfg.C > MaxC {
		return nil, fmt.Errorf("pitfall %s: C %d: want 1..%d (0: %d)", n, cfg.C, MaxC, spec.C)
	}
	if cfg.Timeout < MinTimeout || cfg.Timeout > MaxTimeout {
		return nil, fmt.Errorf("pitfall %s: Timeout %v: want %v..%v", n, cfg.Timeout, MinTimeout, MaxTimeout)
	}
	if cfg.Bound < MinTimeout || cfg.Bound > MaxTimeout {
		return nil, fmt.Errorf("pitfall %s: Bound %v: want %v..%v", n, cfg.Bound, MinTimeout, MaxTimeout)
	}
	u, err := url.Parse(cfg.Target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("pitfall %s: Target %q: want an http://host:port/ URL", n, cfg.Target)
	}
	if n == ResolvePerConn {
		u.Host = net.JoinHostPort("localhost", u.Port())
	}
	if spec.Query != "" {
		u.RawQuery = spec.Query
	}
	c := &Client{spec: spec, variant: v, cfg: cfg, url: u.String()}
	c.build()
	return c, nil
}

// build sets up the variant's client: each bad variant differs from its
// fix in one setting.
func (c *Client) build() {
	dial := c.countingDial(nil)
	if c.spec.Name == ResolvePerConn {
		dial = c.countingDial(c.resolver(c.variant == Fix))
	}
	perHost := max(c.cfg.C, http.DefaultMaxIdleConnsPerHost)
	c.tr = func() *http.Transport {
		// net/http's DefaultTransport, with no proxy (loopback only), a
		// counting dialer, the TLS hook, and HTTP/1.1 (h2 would hide the
		// pool's pitfalls behind one connection).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		tr.DialContext = dial
		tr.TLSClientConfig = c.cfg.TLS
		tr.ForceAttemptHTTP2 = false
		tr.MaxIdleConns = max(tr.MaxIdleConns, perHost)
		tr.MaxIdleConnsPerHost = perHost
		tr.DisableKeepAlives = c.spec.Cold
		return tr
	}
	timeout := c.cfg.Timeout
	switch {
	case c.spec.Name == FastHTTPMaxConns:
		c.fc = c.fastClient()
		return
	case c.spec.Name == ClientPerRequest && c.variant == Bad:
		return // a client per request
	case c.spec.Name == NoTimeout && c.variant == Bad:
		timeout = 0
	}
	tr := c.tr()
	if c.spec.Name == IdlePool && c.variant == Bad {
		tr.MaxIdleConnsPerHost = 0 // the default: http.DefaultMaxIdleConnsPerHost, 2
	}
	c.hc = &http.Client{Transport: tr, Timeout: timeout}
}

// fastClient returns fasthttp's client: its defaults (bad), or
// clients.NewFastHTTPClient sized for C, which also waits for a free
// connection (fix). Both dial through the counter.
func (c *Client) fastClient() *fasthttp.Client {
	if c.variant == Bad {
		return &fasthttp.Client{
			TLSConfig: c.cfg.TLS,
			Dial: func(addr string) (net.Conn, error) {
				c.dials.Add(1)
				conn, err := fasthttp.Dial(addr)
				return c.track(conn, err)
			},
		}
	}
	fc := clients.NewFastHTTPClient(c.cfg.C, c.cfg.Timeout)
	fc.TLSConfig = c.cfg.TLS
	inner := fc.DialTimeout
	fc.DialTimeout = func(addr string, timeout time.Duration) (net.Conn, error) {
		c.dials.Add(1)
		conn, err := inner(addr, timeout)
		return c.track(conn, err)
	}
	return fc
}

// dialFunc is a Transport's DialContext.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// countingDial returns a dialer that counts dials and closes, dialling
// through resolve (nil: net.Dialer resolves as usual).
func (c *Client) countingDial(resolve func(ctx context.Context, addr string) (string, error)) dialFunc {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if resolve != nil {
			a, err := resolve(ctx, addr)
			if err != nil {
				return nil, err
			}
			addr = a
		}
		c.dials.Add(1)
		return c.track(d.DialContext(ctx, network, addr))
	}
}

// resolver returns ResolvePerConn's address resolution: a resolver lookup
// per connection (bad), or one lookup whose answer is cached (fix).
func (c *Client) resolver(cached bool) func(ctx context.Context, addr string) (string, error) {
	var (
		mu   sync.Mutex
		memo = map[string]string{}
	)
	return func(ctx context.Context, addr string) (string, error) {
		if cached {
			mu.Lock()
			defer mu.Unlock()
			if a, ok := memo[addr]; ok {
				return a, nil
			}
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("pitfall: resolving %q: %w", addr, err)
		}
		c.lookups.Add(1)
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
		if err != nil {
			return "", fmt.Errorf("pitfall: resolving %q: %w", host, err)
		}
		if len(ips) == 0 {
			return "", fmt.Errorf("pitfall: resolving %q: no IPv4 address", host)
		}
		a := net.JoinHostPort(ips[0].String(), port)
		if cached {
			memo[addr] = a
		}
		return a, nil
	}
}

// track wraps a dialled conn so that its Close is counted.
func (c *Client) track(conn net.Conn, err error) (net.Conn, error) {
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: conn, closes: &c.closes}, nil
}

type countedConn struct {
	net.Conn
	closes *atomic.Int64
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.closes.Add(1) })
	return c.Conn.Close()
}

// Open returns the connections the client has dialled and not closed.
func (c *Client) Open() int64 { return c.dials.Load() - c.closes.Load() }

// Run issues n GET requests, at most C at once, and returns what happened.
// Requests still in flight when Config.Bound passes are cut off and
// counted as Hung (and Canceled); requests not issued by then are counted
// as Canceled and NotIssued. The error is for bad arguments only.
func (c *Client) Run(ctx context.Context, n int) (*Outcome, error) {
	if n < 1 || n > 10_000_000 {
		return nil, fmt.Errorf("pitfall %s: n %d: want 1..10000000", c.spec.Name, n)
	}
	dials, lookups := c.dials.Load(), c.lookups.Load()
	bctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Bound, ErrBound)
	defer cancel()
	rec := clients.NewRecorder(string(c.spec.Name)+"/"+string(c.variant), n, c.cfg.Timeout)
	var hung, noFree atomic.Int64
	sem := make(chan struct{}, c.cfg.C)
	var wg sync.WaitGroup
	start := time.Now()
issue:
	for range n {
		select {
		case sem <- struct{}{}:
		case <-bctx.Done():
			break issue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t := rec.Begin()
			code, nb, err := c.do(bctx)
			if err != nil && ctx.Err() == nil && boundPassed(bctx) {
				hung.Add(1)
			}
			if errors.Is(err, fasthttp.ErrNoFreeConns) {
				noFree.Add(1)
			}
			rec.End(ctx, t, code, nb, err)
		}()
	}
	wg.Wait()
	res := rec.Finish(time.Since(start), context.Cause(bctx))
	o := &Outcome{Result: res, Hung: hung.Load(), NoFreeConns: noFree.Load(),
		Dials: c.dials.Load() - dials, Lookups: c.lookups.Load() - lookups}
	c.mu.Lock()
	if len(c.dropped) > 0 {
		o.Leaked = c.Open()
		for _, tr := range c.dropped {
			tr.CloseIdleConnections()
		}
		c.dropped = nil
	}
	if len(c.unclosed) > 0 {
		o.Leaked += int64(len(c.unclosed))
		for _, body := range c.unclosed {
			_ = body.Close()
		}
		c.unclosed = nil
	}
	c.mu.Unlock()
	return o, nil
}

// boundPassed reports whether bctx's bound has passed (by its cause, or
// its deadline: fasthttp times out at the deadline a moment before the
// context's timer fires).
func boundPassed(bctx context.Context) bool {
	if errors.Is(context.Cause(bctx), ErrBound) {
		return true
	}
	d, ok := bctx.Deadline()
	return ok && !time.Now().Before(d)
}

// do issues one request and returns its status, the body bytes read and
// the error that ended it.
func (c *Client) do(ctx context.Context) (int, int64, error) {
	if c.fc != nil {
		return c.doFast(ctx)
	}
	hc := c.hc
	if hc == nil { // ClientPerRequest's bad variant
		tr := c.tr()
		c.mu.Lock()
		c.dropped = append(c.dropped, tr)
		c.mu.Unlock()
		hc = &http.Client{Transport: tr, Timeout: c.cfg.Timeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("pitfall: request %s: %w", c.url, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	if c.spec.Name == BodyUnclosed && c.variant == Bad {
		c.mu.Lock()
		c.unclosed = append(c.unclosed, resp.Body)
		c.mu.Unlock()
		return resp.StatusCode, 0, nil
	}
	var nb int64
	if c.spec.Name != BodyUnread || c.variant == Fix {
		nb, err = io.Copy(io.Discard, resp.Body)
	}
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return resp.StatusCode, nb, err
}

// doFast issues one request with fasthttp, bounded by the timeout or ctx's
// deadline (fasthttp cannot be canceled in flight).
func (c *Client) doFast(ctx context.Context) (int, int64, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(c.url)
	deadline := time.Now().Add(c.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.fc.DoDeadline(req, resp, deadline); err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return 0, 0, err
	}
	return resp.StatusCode(), int64(len(resp.Body())), nil
}

// Close closes the client's idle connections.
func (c *Client) Close() error {
	switch {
	case c.fc != nil:
		c.fc.CloseIdleConnections()
	case c.hc != nil:
		c.hc.CloseIdleConnections()
	}
	return nil
}
