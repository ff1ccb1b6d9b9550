package pycrawl

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"time"
)

// DefaultPython is Debian's interpreter, which the python3-* packages serve
// (a python3 earlier on PATH, such as pyenv's, may lack them).
const DefaultPython = "/usr/bin/python3"

// Defaults and bounds of Config's fields.
const (
	DefaultMaxBody      = 4 << 20          // MaxBody when 0
	DefaultReqTimeout   = 30 * time.Second // ReqTimeout when 0
	DefaultStartTimeout = 60 * time.Second // StartTimeout when 0
	DefaultCrawlTimeout = 10 * time.Minute // CrawlTimeout when 0
	MaxProcs            = 256              // bound of Procs
	MaxConcurrency      = 100000           // bound of Concurrency and PerHost
	MaxBodyLimit        = 1 << 30          // bound of MaxBody
	MaxWork             = 10 * time.Second // bound of Work
)

// Kind selects the Python crawler.
type Kind string

// The Python crawlers.
const (
	// Asyncio is one process, one asyncio event loop, one aiohttp session.
	Asyncio Kind = "asyncio"
	// ProcsAsyncio is Procs forked processes, each an asyncio event loop
	// crawling the hosts of its partition (allow-list index mod Procs) with
	// its share of Concurrency; links to another partition's hosts are
	// forwarded to their owner through the parent process.
	ProcsAsyncio Kind = "procs-asyncio"
)

// Kinds lists every kind in a stable order.
func Kinds() []Kind { return []Kind{Asyncio, ProcsAsyncio} }

// Parser selects the HTML parser that extracts links.
type Parser string

// The parsers.
const (
	// HTMLParser is the standard library's html.parser (the default).
	HTMLParser Parser = "html.parser"
	// LXML is lxml.html (Debian package python3-lxml).
	LXML Parser = "lxml"
)

// Parsers lists every parser in a stable order.
func Parsers() []Parser { return []Parser{HTMLParser, LXML} }

// modules lists the Python modules a crawl with parser p imports (both
// kinds need aiohttp), each packaged for Debian as python3-<module>.
func modules(p Parser) []string {
	mods := []string{"aiohttp"}
	if p == LXML {
		mods = append(mods, "lxml")
	}
	return mods
}

// Config configures a crawler and a crawl. Python, Kind and Procs are fixed
// by New; every Crawl's Config must repeat them.
type Config struct {
	// Start is the first page's URL, http://host:port/path on a host of Allow.
	Start string
	// Allow lists the site's hosts as "host:port" (loopback addresses); a
	// link is followed only when its scheme is http and its host:port is
	// listed. A host's index in Allow decides its partition (procs-asyncio).
	Allow []string
	// MaxPages stops the crawl after that many pages fetched OK (0: until
	// the frontier is empty). A fetch starts only while pages done plus
	// fetches in flight are below MaxPages, so a site with enough pages
	// gives exactly MaxPages pages.
	MaxPages int
	// Concurrency is c, the fetches in flight in total (split over the
	// processes of procs-asyncio), 1..MaxConcurrency.
	Concurrency int
	// PerHost is m, the fetches in flight per host, 1..MaxConcurrency.
	PerHost int
	// Work is the CPU time burnt per page after parsing it, 0..MaxWork.
	Work time.Duration
	// MaxBody is the largest body read; a larger page counts as TooLarge
	// (0: DefaultMaxBody).
	MaxBody int64
	// ReqTimeout bounds each fetch (aiohttp's total timeout; 0:
	// DefaultReqTimeout).
	ReqTimeout time.Duration
	// CrawlTimeout bounds a whole Crawl on the Go side: past it the Python
	// process group is killed (0: DefaultCrawlTimeout).
	CrawlTimeout time.Duration

	// Kind selects the crawler.
	Kind Kind
	// Procs is P of procs-asyncio, 1..MaxProcs and at most Concurrency;
	// asyncio ignores it.
	Procs int
	// Parser extracts links ("": HTMLParser).
	Parser Parser
	// Python is the interpreter ("": DefaultPython).
	Python string
	// StartTimeout bounds New's wait for the crawler's ready line (0:
	// DefaultStartTimeout).
	StartTimeout time.Duration
}

// Validate reports the first invalid field of c, naming it and its range.
func (c Config) Validate() error {
	switch c.Kind {
	case Asyncio, ProcsAsyncio:
	default:
		return fmt.Errorf("kind: %q: want %s or %s", c.Kind, Asyncio, ProcsAsyncio)
	}
	switch c.Parser {
	case "", HTMLParser, LXML:
	default:
		return fmt.Errorf("parser: %q: want %s or %s", c.Parser, HTMLParser, LXML)
	}
	if len(c.Allow) == 0 {
		return fmt.Errorf("allow: empty: want the site's hosts as host:port")
	}
	seen := map[string]bool{}
	for i, a := range c.Allow {
		if err := checkHostPort(a); err != nil {
			return fmt.Errorf("allow[%d]: %q: %w", i, a, err)
		}
		if seen[a] {
			return fmt.Errorf("allow[%d]: %q listed twice", i, a)
		}
		seen[a] = true
	}
	u, err := url.Parse(c.Start)
	switch {
	case err != nil:
		return fmt.Errorf("start: %q: %w", c.Start, err)
	case u.Scheme != "http" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("start: %q: want http://host:port/path without user or #fragment", c.Start)
	case !seen[u.Host]:
		return fmt.Errorf("start: %q: host %q is not in allow %v", c.Start, u.Host, c.Allow)
	}
	switch {
	case c.MaxPages < 0:
		return fmt.Errorf("max pages: %d: want 0 (no limit) or more", c.MaxPages)
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("concurrency: %d: want 1 to %d fetches in flight", c.Concurrency, MaxConcurrency)
	case c.PerHost < 1 || c.PerHost > MaxConcurrency:
		return fmt.Errorf("per host: %d: want 1 to %d fetches in flight per host", c.PerHost, MaxConcurrency)
	case c.Work < 0 || c.Work > MaxWork:
		return fmt.Errorf("work: %v: want 0 to %v of CPU per page", c.Work, MaxWork)
	case c.MaxBody < 0 || c.MaxBody > MaxBodyLimit:
		return fmt.Errorf("max body: %d: want 0 (default %d) to %d bytes", c.MaxBody, DefaultMaxBody, MaxBodyLimit)
	case c.ReqTimeout < 0:
		return fmt.Errorf("req timeout: %v: want 0 (default %v) or more", c.ReqTimeout, DefaultReqTimeout)
	case c.CrawlTimeout < 0:
		return fmt.Errorf("crawl timeout: %v: want 0 (default %v) or more", c.CrawlTimeout, DefaultCrawlTimeout)
	case c.StartTimeout < 0:
		return fmt.Errorf("start timeout: %v: want 0 (default %v) or more", c.StartTimeout, DefaultStartTimeout)
	}
	if c.Kind == ProcsAsyncio && (c.Procs < 1 || c.Procs > min(MaxProcs, c.Concurrency)) {
		return fmt.Errorf("procs: %d: want 1 to %d processes (at most %d, and at most concurrency %d: each process needs a fetch)",
			c.Procs, min(MaxProcs, c.Concurrency), MaxProcs, c.Concurrency)
	}
	return nil
}

// checkHostPort accepts a loopback IPv4 address with a port.
func checkHostPort(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() || !ip.IsLoopback() {
		return fmt.Errorf("host %q: want an address in 127.0.0.0/8 (crawls stay on loopback)", host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || strconv.Itoa(p) != port {
		return fmt.Errorf("port %q: want 1 to 65535", port)
	}
	return nil
}

func (c Config) python() string {
	if c.Python == "" {
		return DefaultPython
	}
	return c.Python
}

func (c Config) parser() Parser {
	if c.Parser == "" {
		return HTMLParser
	}
	return c.Parser
}

func (c Config) procs() int {
	if c.Kind == ProcsAsyncio {
		return c.Procs
	}
	return 1
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
