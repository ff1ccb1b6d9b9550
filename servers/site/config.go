package site

import (
	"fmt"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// Defaults and limits of Config.
const (
	DefaultPageBytes = 30_000
	DefaultLinks     = 20
	DefaultExternal  = 2
	DefaultHugeBytes = 2 << 20
	MaxPages         = 1_000_000
	MaxHosts         = 256
	MinPageBytes     = 512
	MaxPageBytes     = 4 << 20
	MaxLinks         = 1000
	MaxExternal      = 100
	MaxCapacity      = 100_000
	MaxDelay         = time.Minute
)

// Config describes a site. The zero values of the optional fields take the
// defaults above.
type Config struct {
	Seed      uint64
	Pages     int // P, 1..MaxPages
	Hosts     int // H, 1..MaxHosts (and at most Pages)
	PageBytes int // bytes of HTML per page; 0: DefaultPageBytes; MinPageBytes..MaxPageBytes
	Links     int // L, in-site links per page; 0: DefaultLinks; -1: none (0..MaxLinks)
	External  int // out-of-site links per page; 0: DefaultExternal; -1: none
	Delay     time.Duration
	Dist      servers.Dist // delay distribution; "": fixed
	Sigma     float64      // lognormal shape; 0: servers.DefaultSigma
	Capacity  int          // k per host; 0: unlimited
	Gzip      bool         // gzip pages for clients that accept it

	// Bad pages, for tests.
	NotHTML   []int // pages served as application/octet-stream
	Huge      []int // pages of HugeBytes bytes
	HugeBytes int   // 0: DefaultHugeBytes
	Loop      []int // pages whose only links are to themselves and page 0
	Refuse    []int // hosts whose listener is closed before the crawl
}

// Error names a Config field that is out of range.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return "site: " + e.Field + ": " + e.Msg }

// WithDefaults fills the zero optional fields.
func (c Config) WithDefaults() Config {
	if c.PageBytes == 0 {
		c.PageBytes = DefaultPageBytes
	}
	switch c.Links {
	case 0:
		c.Links = DefaultLinks
	case -1:
		c.Links = 0
	}
	switch c.External {
	case 0:
		c.External = DefaultExternal
	case -1:
		c.External = 0
	}
	if c.HugeBytes == 0 {
		c.HugeBytes = DefaultHugeBytes
	}
	if c.Dist == "" {
		c.Dist = servers.DistFixed
	}
	if c.Sigma == 0 {
		c.Sigma = servers.DefaultSigma
	}
	return c
}

// Validate checks c (after WithDefaults) and names the first bad field.
func (c Config) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &Error{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	switch {
	case c.Pages < 1 || c.Pages > MaxPages:
		return bad("Pages", "%d, want 1..%d", c.Pages, MaxPages)
	case c.Hosts < 1 || c.Hosts > MaxHosts || c.Hosts > c.Pages:
		return bad("Hosts", "%d, want 1..%d and at most Pages (%d)", c.Hosts, MaxHosts, c.Pages)
	case c.PageBytes < MinPageBytes || c.PageBytes > MaxPageBytes:
		return bad("PageBytes", "%d, want %d..%d", c.PageBytes, MinPageBytes, MaxPageBytes)
	case c.Links < 0 || c.Links > MaxLinks:
		return bad("Links", "%d, want -1 (none) or 1..%d", c.Links, MaxLinks)
	case c.External < 0 || c.External > MaxExternal:
		return bad("External", "%d, want -1 (none) or 1..%d", c.External, MaxExternal)
	case c.Delay < 0 || c.Delay > MaxDelay:
		return bad("Delay", "%v, want 0..%v", c.Delay, MaxDelay)
	case c.Capacity < 0 || c.Capacity > MaxCapacity:
		return bad("Capacity", "%d, want 0 (unlimited)..%d", c.Capacity, MaxCapacity)
	case c.Sigma < 0 || c.Sigma > servers.LimitSigma:
		return bad("Sigma", "%g, want 0..%g", c.Sigma, servers.LimitSigma)
	case c.HugeBytes < MinPageBytes || c.HugeBytes > 64<<20:
		return bad("HugeBytes", "%d, want %d..%d", c.HugeBytes, MinPageBytes, 64<<20)
	}
	if !validDist(c.Dist) {
		return bad("Dist", "%q, want one of %v", c.Dist, servers.Dists())
	}
	for _, f := range []struct {
		name string
		v    []int
		n    int
	}{{"NotHTML", c.NotHTML, c.Pages}, {"Huge", c.Huge, c.Pages}, {"Loop", c.Loop, c.Pages}, {"Refuse", c.Refuse, c.Hosts}} {
		for _, i := range f.v {
			if i < 0 || i >= f.n {
				return bad(f.name, "%d, want 0..%d", i, f.n-1)
			}
		}
	}
	for _, h := range c.Refuse {
		if h == 0 {
			return bad("Refuse", "host 0 holds the start page and serves /_site; want 1..%d", c.Hosts-1)
		}
	}
	return nil
}

func validDist(d servers.Dist) bool {
	for _, x := range servers.Dists() {
		if x == d {
			return true
		}
	}
	return false
}
