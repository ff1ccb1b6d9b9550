package pycrawl

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

	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

//go:embed crawler.py
var crawlerSource string

// Timeouts and limits of the Go side of the protocol.
const (
	sendTimeout = 10 * time.Second // one write to the crawler's stdin
	stopGrace   = 5 * time.Second  // Close's wait for the crawler to exit after stop
	exitGrace   = 2 * time.Second  // a failure report's wait for the exit status
	maxLine     = 256 << 20        // longest line read from the crawler
	stderrTail  = 4 << 10          // stderr kept for error messages
	tracebackN  = 12               // traceback lines quoted in errors
)

// Crawler is one running Python crawler process (with its P processes for
// procs-asyncio). Crawl calls are serialised.
type Crawler struct {
	cfg     Config
	cmd     *exec.Cmd
	pid     int
	stdin   *os.File
	stdout  *os.File
	lines   chan line     // from the reader goroutine; closed when it ends
	quit    chan struct{} // closed on release: the reader stops delivering
	readerD chan struct{} // closed when the reader goroutine ends
	exited  chan struct{} // closed once the process is reaped
	waitErr error
	stderr  *tail.Buffer
	startup time.Duration
	version string
	pids    []int
	spin    float64

	killMu  sync.Mutex
	reaping bool // the process exited: its pid may be reused, never signal it

	mu     sync.Mutex // held by Crawl and Close
	seq    uint64
	broken error
	closed bool
}

// line is one line read from the crawler, or the error that ended reading.
type line struct {
	b   []byte
	err error
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
	c := &Crawler{
		cfg:     cfg,
		stderr:  tail.New(stderrTail),
		lines:   make(chan line, 1),
		quit:    make(chan struct{}),
		readerD: make(chan struct{}),
		exited:  make(chan struct{}),
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pycrawl: stdin pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("pycrawl: stdout pipe: %w", err)
	}
	cmd := exec.Command(cfg.python(), "-c", script)
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
		return nil, fmt.Errorf("pycrawl: start %s: %w (install python3, or set Config.Python)", cfg.python(), err)
	}
	c.cmd, c.pid, c.stdin, c.stdout = cmd, cmd.Process.Pid, inW, outR
	go c.wait()
	go c.read()

	if err := c.send(map[string]any{"kind": string(cfg.Kind), "procs": cfg.procs()}); err != nil {
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
	var pe *pythonError
	if !errors.As(err, &pe) {
		select {
		case <-c.exited:
		case <-time.After(exitGrace):
		}
	}
	c.release()
	return fmt.Errorf("pycrawl: %s: starting the python crawler: %w; pid %d %s%s", c.cfg.Kind, err, c.pid, c.exit(), c.stderrNote())
}

// Kind returns the crawler's kind.
func (c *Crawler) Kind() Kind { return c.cfg.Kind }

// StartupTime returns how long New took: the interpreter's start-up, its
// imports, the calibration and the processes forked before the first crawl.
func (c *Crawler) StartupTime() time.Duration { return c.startup }

// Pid returns the Python process's id (the parent of procs-asyncio's).
func (c *Crawler) Pid() int { return c.pid }

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
	if err := c.send(msg); err != nil {
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
	var pe *pythonError
	if errors.As(err, &pe) || errors.Is(err, errGarbage) {
		c.kill()
	} else {
		// The process may be exiting: give it a moment to report its status.
		select {
		case <-c.exited:
		case <-time.After(exitGrace):
			c.kill()
		}
	}
	<-c.exited
	err = fmt.Errorf("pycrawl: %s: %w; python crawler pid %d %s%s", c.cfg.Kind, err, c.pid, c.exit(), c.stderrNote())
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
		_ = c.send(map[string]any{"type": "stop"}) // a dead crawler is reported below
		_ = c.stdin.Close()
		select {
		case <-c.exited:
			if c.waitErr != nil {
				err = fmt.Errorf("pycrawl: %s: python crawler pid %d %s%s", c.cfg.Kind, c.pid, c.exit(), c.stderrNote())
			}
		case <-time.After(stopGrace):
			err = fmt.Errorf("pycrawl: %s: python crawler pid %d still running %v after stop; killed it", c.cfg.Kind, c.pid, stopGrace)
		}
	}
	c.release()
	return err
}

// release kills the process group if it still runs, reaps the process and
// ends the reader.
func (c *Crawler) release() {
	c.kill()
	<-c.exited
	_ = c.stdin.Close()
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
	_ = c.stdout.Close()
	<-c.readerD
}

// wait reaps the process. It waits for the exit without reaping first, so
// that the process group id stays reserved while the group (the forked
// processes) is killed: nothing is left behind.
func (c *Crawler) wait() {
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

// kill sends SIGKILL to the process group unless the process was reaped.
func (c *Crawler) kill() {
	c.killMu.Lock()
	defer c.killMu.Unlock()
	if !c.reaping && c.pid > 0 {
		_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	}
}

// read delivers the crawler's stdout lines until it ends or release.
func (c *Crawler) read() {
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
			return nil, fmt.Errorf("python crawler closed its stdout: %w", err)
		}
	}
}

// send writes one JSON line to the crawler's stdin.
func (c *Crawler) send(v any) error {
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

// pythonError is an exception the crawler reported.
type pythonError struct{ traceback string }

func (e *pythonError) Error() string {
	return "Python exception in the crawler:\n" + tailLines(e.traceback, tracebackN)
}

// receive returns the crawler's next message; an "error" message is
// returned as a *pythonError.
func (c *Crawler) receive(ctx context.Context) (*message, error) {
	select {
	case l, ok := <-c.lines:
		if !ok {
			return nil, errors.New("python crawler's stdout already ended")
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
		c.kill()
		return nil, fmt.Errorf("no answer from the python crawler: %w", context.Cause(ctx))
	}
}

// exit describes how the process ended; call after exited is closed.
func (c *Crawler) exit() string {
	select {
	case <-c.exited:
	default:
		return "still running"
	}
	if c.waitErr == nil {
		return "exited with status 0"
	}
	return "ended: " + c.waitErr.Error()
}

// stderrNote is the process's stderr tail, for an error message.
func (c *Crawler) stderrNote() string {
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
