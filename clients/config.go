package clients

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
)

// ConnMode says whether a strategy reuses TCP connections between requests.
type ConnMode int

const (
	// Warm keeps a pool of keep-alive connections sized for the strategy's
	// concurrency, reused across requests and batches.
	Warm ConnMode = iota
	// Cold opens a new TCP connection for every request and closes it after
	// the response, as the seed's aiohttp code did with a ClientSession per
	// request.
	Cold
)

// String returns "warm" or "cold".
func (m ConnMode) String() string {
	switch m {
	case Warm:
		return "warm"
	case Cold:
		return "cold"
	}
	return fmt.Sprintf("ConnMode(%d)", int(m))
}

// ParseConnMode parses "warm" or "cold".
func ParseConnMode(s string) (ConnMode, error) {
	switch s {
	case "warm":
		return Warm, nil
	case "cold":
		return Cold, nil
	}
	return 0, fmt.Errorf("conn mode %q: want warm or cold", s)
}

// DefaultTimeout is the per-request timeout used when Config.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// MaxConcurrency bounds Config.Concurrency. It is far above what one process
// can hold open (the open-file limit is usually lower) and exists only to
// reject typos.
const MaxConcurrency = 1 << 20

// Config configures a client strategy.
type Config struct {
	// Targets are the URLs requested. Request i goes to Targets[i%len(Targets)],
	// which lets a large run spread over several server processes or loopback
	// addresses. At least one is required; http and https URLs are accepted.
	Targets []string
	// Conn selects warm (keep-alive) or cold (a new connection per request)
	// connections.
	Conn ConnMode
	// Concurrency is the most requests a fan-out strategy has in flight at
	// once (c). Zero means no limit: all n requests of a batch at once.
	// Sequential strategies ignore it.
	Concurrency int
	// Timeout bounds each request, from its start until its body is read.
	// Zero means DefaultTimeout. A request that times out is recorded at
	// exactly this latency.
	Timeout time.Duration
	// RootCAs, if not empty, is PEM: the only certificates trusted for
	// https targets (the bundled server's, slowserver -tls-cert).
	RootCAs []byte `json:",omitempty"`
	// TLSResume gives the client a TLS session cache, so that a new
	// connection resumes an earlier session (if the server allows it).
	TLSResume bool `json:",omitempty"`
	// HTTP2 selects HTTP/1.1 (the default) or HTTP/2 for the net/http
	// strategies; fasthttp has no HTTP/2 and refuses it.
	HTTP2 HTTP2Mode `json:",omitempty"`
	// HTTP2Streams is the server's stream limit s that HTTP2Strict keeps
	// to: at most s requests in flight per client (one host).
	HTTP2Streams int `json:",omitempty"`
}

// Validate reports the first invalid field of c, naming it and the accepted
// range.
func (c Config) Validate() error {
	if len(c.Targets) == 0 {
		return errors.New("targets: need at least one URL")
	}
	for i, t := range c.Targets {
		u, err := url.Parse(t)
		if err != nil {
			return fmt.Errorf("targets[%d] %q: %w", i, t, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("targets[%d] %q: want an http://host:port/ or https://host:port/ URL", i, t)
		}
	}
	if c.Conn != Warm && c.Conn != Cold {
		return fmt.Errorf("conn: %v: want warm or cold", c.Conn)
	}
	if c.Concurrency < 0 || c.Concurrency > MaxConcurrency {
		return fmt.Errorf("concurrency: %d: want 0 (unlimited) to %d", c.Concurrency, MaxConcurrency)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("timeout: %v: want 0 (default %v) or more", c.Timeout, DefaultTimeout)
	}
	return c.validateTLS()
}

// timeout returns the effective per-request timeout.
func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// hosts returns the distinct host:port pairs among the targets.
func (c Config) hosts() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range c.Targets {
		u, err := url.Parse(t)
		if err != nil {
			continue
		}
		h := strings.ToLower(u.Host)
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// checkBatch validates a batch of n requests with indices first..first+n-1.
func checkBatch(first int64, n int) error {
	if err := checkN(n); err != nil {
		return err
	}
	if first < 0 || first > math.MaxInt64-int64(n) {
		return fmt.Errorf("first index: %d: want 0..%d for a batch of %d", first, math.MaxInt64-int64(n), n)
	}
	return nil
}

// checkN validates a batch size.
func checkN(n int) error {
	if n < 1 {
		return fmt.Errorf("n: %d: want at least 1 request", n)
	}
	return nil
}
