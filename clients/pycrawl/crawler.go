package pycrawl

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/crawlbench/crawlbench/internal/pyproc"
)

//go:embed crawler.py
var crawlerSource string

// Timeouts of the Go side of the protocol.
const (
	stopGrace = 5 * time.Second // Close's wait for the crawler to exit after stop
	exitGrace = 2 * time.Second // a failure report's wait for the exit status
)

// what names the crawler in pyproc's messages ("python crawler").
const what = "crawler"

// Crawler is one running Python crawler process (with its P processes for
// procs-asyncio). Crawl calls are serialised.
type Crawler struct {
	cfg     Config
	proc    *pyproc.Proc
	startup time.Duration
	version string
	pids    []int
	spin    float64

	mu     sync.Mutex // held by Crawl and Close
	seq    uint64
	broken error
	closed bool
}

// New starts the Python crawler of cfg.Kind with cfg.Python and cfg.Procs
// and waits until it is ready: interpreter start-up, imports, the work
// loop's calibration and (procs-asyncio) its forked processes are done
// before New returns and reported by StartupTime. ctx bounds only the
// start-up; the crawler lives until Close. cfg's crawl fields are
// validated but only Crawl uses them.
func New(ctx context.Context, cfg Config) (*Crawler, error) {
	return start(ctx, cfg, crawlerSource)
}

// start is New running script as the crawler (tests swap in faulty ones).
func start(ctx context.Context, cfg Config, script string) (*Crawler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pycrawl: %w", err)
	}
	begin := time.Now()
	proc, err := pyproc.Start(cfg.python(), script, what)
	if err != nil {
		return nil, fmt.Errorf("pycrawl: %w (install python3, or set Config.Python)", err)
	}
	c := &Crawler{cfg: cfg, proc: proc}
	if err := c.proc.Send(map[string]any{"kind": string(cfg.Kind), "procs": cfg.procs()}); err != nil {
		return nil, c.startFailed(err)
	}
	tctx, cancel := context.WithTimeout(ctx, orDefault(cfg.StartTimeout, DefaultStartTimeout))
	defer cancel()
	m, err := c.receive(tctx)
	if err != nil {
		return nil, c.startFailed(err)
	}
	if m.Type != "ready" || len(m.Pids) != cfg.procs() || m.SpinPerUS <= 0 {
		return nil, c.startFailed(fmt.Errorf("got %q with pids %v and spin %v, want ready with %d pids and a calibration", m.Type, m.Pids, m.SpinPerUS, cfg.procs()))
	}
	c.startup = time.Since(begin)
	c.version, c.pids, c.spin = m.Python, m.Pids, m.SpinPerUS
	return c, nil
}

// startFailed stops a crawler that failed to start and returns err with
// context.
func (c *Crawler) startFailed(err error) error {
	var pe *pyproc.Exception
	c.proc.Settle(errors.As(err, &pe), exitGrace)
	c.proc.Release()
	return fmt.Errorf("pycrawl: %s: starting the python crawler: %w; pid %d %s%s", c.cfg.Kind, err, c.proc.Pid(), c.proc.Status(), c.proc.StderrNote())
}

// Kind returns the crawler's kind.
func (c *Crawler) Kind() Kind { return c.cfg.Kind }

// StartupTime returns how long New took: the interpreter's start-up, its
// imports, the calibration and the processes forked before the first crawl.
func (c *Crawler) StartupTime() time.Duration { return c.startup }

// Pid returns the Python process's id (the parent of procs-asyncio's).
func (c *Crawler) Pid() int { return c.proc.Pid() }

// Pids returns the ids of the processes that crawl: the Python process for
// asyncio, its P children for procs-asyncio.
func (c *Crawler) Pids() []int { return append([]int(nil), c.pids...) }

// PythonVersion returns the interpreter's version, e.g. "3.11.2".
func (c *Crawler) PythonVersion() string { return c.version }

// SpinPerMicrosecond returns the work loop's calibration: iterations per
// microsecond of CPU time.
func (c *Crawler) SpinPerMicrosecond() float64 { return c.spin }

// Crawl runs one crawl of cfg (whose Kind, Procs and Python must be the
// crawler's) and returns its Result. A Python exception, a process that
// exits, a malformed answer, or ctx or cfg.CrawlTimeout ending first kill
// the process group and return an error naming the pid, its exit status
// and stderr tail; the crawler is unusable afterwards.
func (c *Crawler) Crawl(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pycrawl: %w", err)
	}
	if cfg.Kind != c.cfg.Kind || cfg.procs() != c.cfg.procs() || cfg.python() != c.cfg.python() {
		return nil, fmt.Errorf("pycrawl: crawl of %s (procs %d, %s) on a crawler of %s (procs %d, %s): kind, procs and python are fixed by New",
			cfg.Kind, cfg.procs(), cfg.python(), c.cfg.Kind, c.cfg.procs(), c.cfg.python())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, fmt.Errorf("pycrawl: %s: crawl after Close", c.cfg.Kind)
	case c.broken != nil:
		return nil, fmt.Errorf("pycrawl: %s: unusable: %w", c.cfg.Kind, c.broken)
	}
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("pycrawl: %s: crawl not started: %w", c.cfg.Kind, err)
	}
	c.seq++
	begin := time.Now()
	msg := map[string]any{
		"type": "crawl", "seq": c.seq, "start": cfg.Start, "allow": cfg.Allow,
		"max_pages": cfg.MaxPages, "c": cfg.Concurrency, "m": cfg.PerHost,
		"work_ns": cfg.Work.Nanoseconds(), "max_body": orDefault(cfg.MaxBody, DefaultMaxBody),
		"timeout_s": orDefault(cfg.ReqTimeout, DefaultReqTimeout).Seconds(), "parser": string(cfg.parser()),
	}
	if err := c.proc.Send(msg); err != nil {
		return nil, c.fail(err)
	}
	bound := orDefault(cfg.CrawlTimeout, DefaultCrawlTimeout)
	cctx, cancel := context.WithTimeoutCause(ctx, bound, fmt.Errorf("crawl timeout %v passed", bound))
	defer cancel()
	m, err := c.receive(cctx)
	if err != nil {
		return nil, c.fail(err)
	}
	elapsed := time.Since(begin)
	if m.Type != "result" || m.Seq != c.seq {
		return nil, c.fail(fmt.Errorf("got %q seq %d, want the result of crawl %d", m.Type, m.Seq, c.seq))
	}
	res, err := decodeResult(m)
	if err != nil {
		return nil, c.fail(err)
	}
	res.Elapsed = elapsed
	return res, nil
}

// fail makes the crawler unusable for err, kills its process group and
// returns the error with the pid, exit status and stderr tail.
func (c *Crawler) fail(err error) error {
	var pe *pyproc.Exception
	// Unless it reported an exception or garbage, the process may be
	// exiting: give it a moment to report its status.
	c.proc.Settle(errors.As(err, &pe) || errors.Is(err, errGarbage), exitGrace)
	err = fmt.Errorf("pycrawl: %s: %w; python crawler pid %d %s%s", c.cfg.Kind, err, c.proc.Pid(), c.proc.Status(), c.proc.StderrNote())
	c.broken = err
	return err
}

// Close stops the crawler: it sends stop, closes its stdin, waits a grace
// period for it (and its processes) to exit, then kills its process group;
// the process is reaped before Close returns. It is idempotent.
func (c *Crawler) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var err error
	if c.broken == nil {
		if e := c.proc.Stop(map[string]any{"type": "stop"}, stopGrace); e != nil {
			err = fmt.Errorf("pycrawl: %s: %w", c.cfg.Kind, e)
		}
	}
	c.proc.Release()
	return err
}

// receive returns the crawler's next message; an "error" message is
// returned as a *pyproc.Exception. If ctx ends first, the process group is
// killed.
func (c *Crawler) receive(ctx context.Context) (*message, error) {
	b, err := c.proc.Receive(ctx)
	if errors.Is(err, pyproc.ErrNoAnswer) {
		c.proc.Kill()
	}
	if err != nil {
		return nil, err
	}
	m, err := decodeMessage(b)
	if err != nil {
		return nil, err
	}
	if m.Type == "error" {
		return nil, &pyproc.Exception{What: what, Traceback: m.Error}
	}
	return m, nil
}
