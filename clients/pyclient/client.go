package pyclient

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers"

	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

//go:embed worker.py
var workerSource string

// Timeouts of the Go side of the protocol.
const (
	sendTimeout = 10 * time.Second // one write to the worker's stdin
	stopGrace   = 5 * time.Second  // Close's wait for the worker to exit after stop
	exitGrace   = 2 * time.Second  // a failure report's wait for the exit status
	batchSlack  = 30 * time.Second // added to a batch's bound
	maxLine     = 256 << 20        // longest line read from the worker
	stderrTail  = 4 << 10          // stderr kept for error messages
	tracebackN  = 12               // traceback lines quoted in errors
)

// Client is a Python client strategy: one persistent Python worker process
// (with its own processes for pool-chunked and procs-aiohttp). It
// implements clients.Client; Run calls are serialised.
type Client struct {
	name    string
	cfg     Config
	cmd     *exec.Cmd
	pid     int
	stdin   *os.File
	stdout  *os.File      // the read end of the worker's stdout, read by the reader goroutine
	lines   chan line     // from the reader goroutine; closed when it ends
	quit    chan struct{} // closed by Close: the reader stops delivering
	readerD chan struct{} // closed when the reader goroutine ends
	exited  chan struct{} // closed once the worker is reaped
	waitErr error
	stderr  *tail.Buffer
	startup time.Duration
	version string // the interpreter's version, from its ready line
	loop    string // the parent process's event loop class, if any

	killMu  sync.Mutex
	reaping bool // the worker exited: its pid may be reused, never signal it

	mu     sync.Mutex // held by Run and Close
	seq    uint64
	next   int64 // the request index of the next batch's first request
	broken error // why the client is unusable
	closed bool
	costs  []time.Duration
}

// line is one line read from the worker, or the error that ended reading.
type line struct {
	b   []byte
	err error
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
	c := &Client{
		name:    name,
		cfg:     cfg,
		stderr:  tail.New(stderrTail),
		lines:   make(chan line, 1),
		quit:    make(chan struct{}),
		readerD: make(chan struct{}),
		exited:  make(chan struct{}),
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pyclient: %s: stdin pipe: %w", name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("pyclient: %s: stdout pipe: %w", name, err)
	}
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, c.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = exitGrace // bounds the stderr copy if a descendant holds it open
	begin := time.Now()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("pyclient: %s: start %s: %w (install python3, or set the interpreter's path)", name, python, err)
	}
	c.cmd, c.pid, c.stdin, c.stdout = cmd, cmd.Process.Pid, inW, outR
	go c.wait()
	go c.read()

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
	if err := c.send(hello); err != nil {
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
	c.release()
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
func (c *Client) Pid() int { return c.pid }

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
	if err := c.send(map[string]any{"type": "run", "seq": c.seq, "n": n, "first": first}); err != nil {
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
		c.kill()
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
	var pe *pythonError
	if errors.As(err, &pe) {
		c.kill()
	} else {
		// The worker may be exiting: give it a moment to report its status.
		select {
		case <-c.exited:
		case <-time.After(exitGrace):
			c.kill()
		}
	}
	<-c.exited
	err = fmt.Errorf("pyclient: %s: %w", c.name, err)
	if pe == nil {
		err = fmt.Errorf("%w; python worker pid %d %s%s", err, c.pid, c.exit(), c.stderrNote())
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
		_ = c.send(map[string]any{"type": "stop"}) // a dead worker is reported below
		_ = c.stdin.Close()
		select {
		case <-c.exited:
			if c.waitErr != nil {
				err = fmt.Errorf("pyclient: %s: python worker pid %d %s%s", c.name, c.pid, c.exit(), c.stderrNote())
			}
		case <-time.After(stopGrace):
			err = fmt.Errorf("pyclient: %s: python worker pid %d still running %v after stop; killed it", c.name, c.pid, stopGrace)
		}
	}
	c.release()
	return err
}

// release kills the worker if it still runs, reaps it and ends the reader.
func (c *Client) release() {
	c.kill()
	<-c.exited
	_ = c.stdin.Close()
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
	// Unblocks the reader even if something outside the worker's process
	// group still holds the pipe's write end.
	_ = c.stdout.Close()
	<-c.readerD
}

// wait reaps the worker. It waits for the exit without reaping first, so
// that the process group id stays reserved while the group (the worker's
// pool processes) is killed: a worker leaves nothing behind.
func (c *Client) wait() {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, c.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	c.killMu.Lock()
	_ = syscall.Kill(-c.pid, syscall.SIGKILL) // ESRCH when the group is already empty
	c.reaping = true
	c.killMu.Unlock()
	c.waitErr = c.cmd.Wait()
	close(c.exited)
}

// kill sends SIGKILL to the worker's process group unless it was reaped.
func (c *Client) kill() {
	c.killMu.Lock()
	defer c.killMu.Unlock()
	if !c.reaping && c.pid > 0 {
		_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	}
}

// read delivers the worker's stdout lines until it ends or Close.
func (c *Client) read() {
	defer close(c.readerD)
	defer close(c.lines)
	br := bufio.NewReaderSize(c.stdout, 64<<10)
	for {
		b, err := readLine(br, maxLine)
		select {
		case c.lines <- line{b, err}:
		case <-c.quit:
			return
		}
		if err != nil {
			return
		}
	}
}

// readLine reads one newline-terminated line of at most max bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > max {
			return nil, fmt.Errorf("line longer than %d bytes", max)
		}
		switch {
		case err == nil:
			return buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case len(buf) > 0:
			return nil, fmt.Errorf("line cut short (%d bytes): %w", len(buf), err)
		default:
			return nil, fmt.Errorf("python worker closed its stdout: %w", err)
		}
	}
}

// send writes one JSON line to the worker's stdin.
func (c *Client) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	if err := c.stdin.SetWriteDeadline(time.Now().Add(sendTimeout)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if _, err := c.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// pythonError is an exception the worker reported.
type pythonError struct{ traceback string }

func (e *pythonError) Error() string {
	return "Python exception in the worker:\n" + tailLines(e.traceback, tracebackN)
}

// receive returns the worker's next message; an "error" message is
// returned as a *pythonError.
func (c *Client) receive(ctx context.Context) (*message, error) {
	select {
	case l, ok := <-c.lines:
		if !ok {
			return nil, errors.New("python worker's stdout already ended")
		}
		if l.err != nil {
			return nil, l.err
		}
		m, err := decodeMessage(l.b)
		if err != nil {
			return nil, err
		}
		if m.Type == "error" {
			return nil, &pythonError{m.Error}
		}
		return m, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("no answer from the python worker: %w", context.Cause(ctx))
	}
}

// exit describes how the worker ended; call after exited is closed.
func (c *Client) exit() string {
	if c.waitErr == nil {
		return "exited with status 0"
	}
	return "ended: " + c.waitErr.Error()
}

// stderrNote is the worker's stderr tail, for an error message.
func (c *Client) stderrNote() string {
	s := strings.TrimSpace(c.stderr.String())
	if s == "" {
		return "; no stderr output"
	}
	return "; stderr:\n" + tailLines(s, tracebackN)
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

var _ clients.Client = (*Client)(nil)
