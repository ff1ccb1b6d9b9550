package pyclient

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/internal/pyproc"
	"github.com/crawlbench/crawlbench/servers"
)

//go:embed worker.py
var workerSource string

// Timeouts of the Go side of the protocol.
const (
	stopGrace  = 5 * time.Second  // Close's wait for the worker to exit after stop
	exitGrace  = 2 * time.Second  // a failure report's wait for the exit status
	batchSlack = 30 * time.Second // added to a batch's bound
)

// what names the worker in pyproc's messages ("python worker").
const what = "worker"

// Client is a Python client strategy: one persistent Python worker process
// (with its own processes for pool-chunked and procs-aiohttp). It
// implements clients.Client; Run calls are serialised.
type Client struct {
	name    string
	cfg     Config
	proc    *pyproc.Proc
	startup time.Duration
	version string // the interpreter's version, from its ready line
	loop    string // the parent process's event loop class, if any

	mu     sync.Mutex // held by Run and Close
	seq    uint64
	next   int64 // the request index of the next batch's first request
	broken error // why the client is unusable
	closed bool
	costs  []time.Duration
}

// New starts a Python client of kind cfg.Kind, called name (Name and
// Result.Strategy), and waits for its worker to be ready: interpreter
// start-up, imports, sessions and process pools are done before New
// returns and reported by StartupTime. ctx bounds only the start-up; the
// worker lives until Close.
func New(ctx context.Context, name string, cfg Config) (*Client, error) {
	return start(ctx, name, cfg, workerSource)
}

// start is New running script as the worker (tests swap in faulty ones).
func start(ctx context.Context, name string, cfg Config, script string) (*Client, error) {
	if name == "" {
		return nil, errors.New("pyclient: name: empty, want the strategy's name")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pyclient: %s: %w", name, err)
	}
	python := cfg.Python
	if python == "" {
		python = DefaultPython
	}
	begin := time.Now()
	proc, err := pyproc.Start(python, script, what)
	if err != nil {
		return nil, fmt.Errorf("pyclient: %s: %w (install python3, or set the interpreter's path)", name, err)
	}
	c := &Client{name: name, cfg: cfg, proc: proc}

	hello := map[string]any{
		"kind":         string(cfg.Kind),
		"targets":      cfg.Client.Targets,
		"conn":         cfg.Client.Conn.String(),
		"concurrency":  cfg.concurrency(),
		"timeout_s":    cfg.timeout().Seconds(),
		"procs":        cfg.Procs,
		"index_header": servers.HeaderIndex,
		"ca_pem":       string(cfg.Client.RootCAs),
		"http2":        cfg.Client.HTTP2 == clients.HTTP2,
	}
	if err := c.proc.Send(hello); err != nil {
		return nil, c.startFailed(err)
	}
	st := cfg.StartTimeout
	if st == 0 {
		st = DefaultStartTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, st)
	defer cancel()
	m, err := c.receive(tctx)
	if err != nil {
		return nil, c.startFailed(err)
	}
	if m.Type != "ready" {
		return nil, c.startFailed(fmt.Errorf("got %q before ready", m.Type))
	}
	c.startup = time.Since(begin)
	c.version, c.loop = m.Python, m.Loop
	return c, nil
}

// startFailed stops a worker that failed to start and returns err with
// context.
func (c *Client) startFailed(err error) error {
	c.proc.Release()
	return fmt.Errorf("pyclient: %s: starting the python worker: %w", c.name, err)
}

// Name returns the strategy's name.
func (c *Client) Name() string { return c.name }

// Kind returns the Python code the client runs.
func (c *Client) Kind() Kind { return c.cfg.Kind }

// StartupTime returns how long New took: the interpreter's start-up, its
// imports, and the sessions and processes made before the first batch.
func (c *Client) StartupTime() time.Duration { return c.startup }

// Pid returns the Python worker's process id; the processes of
// py-pool-chunked and py-procs-aiohttp are its children.
func (c *Client) Pid() int { return c.proc.Pid() }

// PythonVersion returns the worker interpreter's version, e.g. "3.11.2".
func (c *Client) PythonVersion() string { return c.version }

// EventLoop returns the class of the worker's asyncio event loop, such as
// "uvloop.Loop", or "" for a kind without one in the worker's main process.
func (c *Client) EventLoop() string { return c.loop }

// PyCosts returns the time of every completed batch as measured inside
// Python, from before its requests were created until the last response
// (the seed's "cost time"), in Run order. The Result's Wall adds the
// round trip over the pipe and the decoding of the latencies.
func (c *Client) PyCosts() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.costs...)
}

// Run issues a batch of n requests in the worker and waits for every
// request's outcome. Its requests carry the indices FirstIndex..FirstIndex+n-1
// (servers.HeaderIndex), consecutive across batches, numbered as package
// bench/model numbers the kind's requests (pool-chunked by chunk,
// procs-aiohttp by process share). If ctx ends first, the worker is killed, every
// request of the batch counts as Canceled (not issued: which ones were in
// flight is lost with the worker) and the client is unusable afterwards.
// A Python exception, a worker that exits, a malformed answer or no answer
// within the batch's bound make Run fail and the client unusable.
func (c *Client) Run(ctx context.Context, n int) (*clients.Result, error) {
	if n < 1 {
		return nil, fmt.Errorf("pyclient: %s: n: %d: want at least 1 request", c.name, n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, fmt.Errorf("pyclient: %s: run after Close", c.name)
	case c.broken != nil:
		return nil, fmt.Errorf("pyclient: %s: unusable: %w", c.name, c.broken)
	}
	if ctx.Err() != nil {
		return canceledResult(c.name, n, "not issued", context.Cause(ctx)), nil
	}
	c.seq++
	first := c.next
	c.next += int64(n)
	start := time.Now()
	if err := c.proc.Send(map[string]any{"type": "run", "seq": c.seq, "n": n, "first": first}); err != nil {
		return nil, c.fail(err)
	}
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.bound(n))
	defer cancel()
	type got struct {
		m   *message
		err error
	}
	done := make(chan got, 1)
	go func() {
		m, err := c.receive(bctx)
		done <- got{m, err}
	}()
	var g got
	select {
	case g = <-done:
	case <-ctx.Done():
		cause := context.Cause(ctx)
		c.proc.Kill()
		cancel()
		<-done
		c.broken = fmt.Errorf("worker killed when a batch's context ended: %w", cause)
		return canceledResult(c.name, n, "python worker killed before it reported", cause), nil
	}
	if g.err != nil {
		return nil, c.fail(g.err)
	}
	wall := time.Since(start)
	if g.m.Type != "result" || g.m.Seq != c.seq {
		return nil, c.fail(fmt.Errorf("got %q seq %d, want the result of batch %d", g.m.Type, g.m.Seq, c.seq))
	}
	res, err := decodeResult(c.name, n, c.cfg.timeout(), g.m)
	if err != nil {
		return nil, c.fail(err)
	}
	res.Wall = wall
	res.FirstIndex = first
	c.costs = append(c.costs, time.Duration(g.m.CostNS))
	return res, nil
}

// bound is the longest a batch of n may take before the worker is deemed
// stuck: twice the waves of requests the kind runs, each at most the
// timeout, plus slack.
func (c *Client) bound(n int) time.Duration {
	ceil := func(a, b int) int { return (a + b - 1) / b }
	waves := n
	switch k, conc := c.cfg.Kind, c.cfg.concurrency(); {
	case k == PoolChunked:
		waves = ceil(n, c.cfg.Procs)
	case k == ProcsAioHTTP:
		waves = ceil(ceil(n, c.cfg.Procs), conc)
	case k.fanout() && conc > 0:
		waves = ceil(n, conc)
	case k.fanout():
		waves = 1
	}
	return time.Duration(2*waves+1)*c.cfg.timeout() + batchSlack
}

// canceledResult is a batch canceled before the worker reported: every
// request counts as Canceled and not issued, with why as the sample.
func canceledResult(name string, n int, why string, cause error) *clients.Result {
	res := clients.NewResult(name)
	res.Requests = int64(n)
	res.NotIssued = int64(n)
	res.Errors[clients.Canceled] = int64(n)
	msg := why
	if cause != nil {
		msg += ": " + cause.Error()
	}
	res.Samples[clients.Canceled] = msg
	return res
}

// fail makes the client unusable for err, kills the worker and returns the
// error, naming the strategy, with the worker's exit status and stderr tail
// when it exited.
func (c *Client) fail(err error) error {
	var pe *pyproc.Exception
	// Unless it reported an exception, the worker may be exiting: give it a
	// moment to report its status.
	c.proc.Settle(errors.As(err, &pe), exitGrace)
	err = fmt.Errorf("pyclient: %s: %w", c.name, err)
	if pe == nil {
		err = fmt.Errorf("%w; python worker pid %d %s%s", err, c.proc.Pid(), c.proc.Status(), c.proc.StderrNote())
	}
	c.broken = err
	return err
}

// Close stops the worker: it sends stop, closes its stdin, waits a grace
// period for the worker (and its pools) to exit, then kills its process
// group; the worker is reaped before Close returns. It is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var err error
	if c.broken == nil {
		if e := c.proc.Stop(map[string]any{"type": "stop"}, stopGrace); e != nil {
			err = fmt.Errorf("pyclient: %s: %w", c.name, e)
		}
	}
	c.proc.Release()
	return err
}

// receive returns the worker's next message; an "error" message is
// returned as a *pyproc.Exception.
func (c *Client) receive(ctx context.Context) (*message, error) {
	b, err := c.proc.Receive(ctx)
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

var _ clients.Client = (*Client)(nil)
