package pyclient

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// DefaultPython is Debian's interpreter, which the python3-* packages serve
// (a python3 earlier on PATH, such as pyenv's, may lack them).
const DefaultPython = "/usr/bin/python3"

// DefaultPerProc is procs-aiohttp's coroutines per process when
// Concurrency is 0: aiomultiprocess's default childconcurrency.
const DefaultPerProc = 16

// MaxProcs bounds Config.Procs.
const MaxProcs = 256

// DefaultStartTimeout bounds New's wait for the worker's ready line when
// Config.StartTimeout is 0.
const DefaultStartTimeout = 60 * time.Second

// Kind selects the Python code a client runs.
type Kind string

// The Python client kinds.
const (
	// Sequential: a loop of requests.get (the seed's row 6).
	Sequential Kind = "requests-loop"
	// FakeAsync: requests.get inside coroutines run by asyncio.wait (rows 1
	// and 3): sequential underneath.
	FakeAsync Kind = "requests-coroutines"
	// AioHTTP: asyncio + aiohttp fan-out; cold opens a ClientSession per
	// request as the seed did (rows 4, 5), warm shares one session whose
	// connector holds Concurrency connections (0: unlimited).
	AioHTTP Kind = "aiohttp"
	// AioHTTPUVLoop: AioHTTP on uvloop's event loop.
	AioHTTPUVLoop Kind = "aiohttp-uvloop"
	// HTTPX: httpx.AsyncClient fan-out; cold opens a client per request.
	// The only kind that speaks HTTP/2 (Client.HTTP2, with module h2).
	HTTPX Kind = "httpx"
	// PoolChunked: multiprocessing.Pool(Procs).map of requests.get (row 7),
	// with the stdlib's chunking (ceil(n / 4P) per chunk).
	PoolChunked Kind = "pool-map"
	// ProcsAioHTTP: Procs processes × asyncio + aiohttp, the design of
	// aiomultiprocess.Pool (row 8), Concurrency coroutines per process
	// (0: DefaultPerProc).
	ProcsAioHTTP Kind = "procs-aiohttp"
)

// kindModules lists the modules each kind imports, each packaged for
// Debian as python3-<module>.
var kindModules = map[Kind][]string{
	Sequential:    {"requests"},
	FakeAsync:     {"requests"},
	AioHTTP:       {"aiohttp"},
	AioHTTPUVLoop: {"aiohttp", "uvloop"},
	HTTPX:         {"httpx"},
	PoolChunked:   {"requests"},
	ProcsAioHTTP:  {"aiohttp"},
}

// Kinds lists every kind in a stable order.
func Kinds() []Kind {
	return []Kind{Sequential, FakeAsync, AioHTTP, AioHTTPUVLoop, HTTPX, PoolChunked, ProcsAioHTTP}
}

// Modules returns the Python modules kind needs (each packaged for Debian
// as python3-<module>), or nil for an unknown kind.
func (k Kind) Modules() []string { return append([]string(nil), kindModules[k]...) }

// procs reports whether the kind runs worker processes (uses Config.Procs).
func (k Kind) procs() bool { return k == PoolChunked || k == ProcsAioHTTP }

// fanout reports whether the kind honours Config.Client.Concurrency.
func (k Kind) fanout() bool {
	return k == AioHTTP || k == AioHTTPUVLoop || k == HTTPX || k == ProcsAioHTTP
}

func kindList() string {
	var ks []string
	for k := range kindModules {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// Config configures a Python client.
type Config struct {
	// Client gives Targets, Conn, Timeout, RootCAs (the PEM the worker
	// trusts for https targets: requests' verify=, aiohttp's and httpx's
	// SSL context) and Concurrency (c of the
	// fan-out kinds, 0: all at once; per process for procs-aiohttp, 0:
	// DefaultPerProc). Sequential, fake-async and pool-chunked ignore
	// Concurrency. Python's timeouts differ per library: requests bounds
	// each socket operation, aiohttp and httpx the whole request.
	Client clients.Config
	// Kind selects the Python code.
	Kind Kind
	// Python is the interpreter; "" means DefaultPython.
	Python string
	// Procs is P, the processes of pool-chunked and procs-aiohttp,
	// 1..MaxProcs; the other kinds ignore it.
	Procs int
	// StartTimeout bounds the worker's start-up (imports, pools);
	// 0 means DefaultStartTimeout.
	StartTimeout time.Duration
}

// Validate reports the first invalid field of c, naming it and its range.
func (c Config) Validate() error {
	if _, ok := kindModules[c.Kind]; !ok {
		return fmt.Errorf("kind: %q: want one of %s", c.Kind, kindList())
	}
	if err := c.Client.Validate(); err != nil {
		return err
	}
	if err := c.validateHTTP2(); err != nil {
		return err
	}
	if c.Client.TLSResume {
		return fmt.Errorf("tls resume: the Python clients do not resume TLS sessions across connections; want false")
	}
	if c.Kind.procs() && (c.Procs < 1 || c.Procs > MaxProcs) {
		return fmt.Errorf("procs: %d: want 1 to %d Python processes", c.Procs, MaxProcs)
	}
	if c.StartTimeout < 0 {
		return fmt.Errorf("start timeout: %v: want 0 (default %v) or more", c.StartTimeout, DefaultStartTimeout)
	}
	return nil
}

// timeout returns the effective per-request timeout.
func (c Config) timeout() time.Duration {
	if c.Client.Timeout == 0 {
		return clients.DefaultTimeout
	}
	return c.Client.Timeout
}

// concurrency returns the c the worker is told: the fan-out limit, or the
// coroutines per process of procs-aiohttp.
func (c Config) concurrency() int {
	if c.Kind == ProcsAioHTTP && c.Client.Concurrency == 0 {
		return DefaultPerProc
	}
	if !c.Kind.fanout() {
		return 1
	}
	return c.Client.Concurrency
}
