// Package flaskserver runs the seed's own server, a Flask app that sleeps d
// and returns "Hello!", in a Python process of its own on werkzeug's
// development server, as the seed's app.run did: threaded (a thread per
// request, no cap) or single-threaded (one request at a time, capacity 1).
//
// Like crawlbench's Go server it listens on 127.0.0.1 on a free port,
// honours ?delay= (a Go duration, 0..MaxDelay) and serves its counters at
// /_stats and /_stats/reset under servers.Stats's names (served, in_flight,
// max_in_flight, conns; the fault counters stay 0) with its delay (delay_ns,
// dist "fixed"), so serverproc.FetchStats reads it and a harness checks its
// delay as it checks the Go server's. Start waits until it answers; Stop
// ends it with SIGTERM, then SIGKILL, and reaps it.
//
// werkzeug's development server (2.1 and later) answers every request with
// "Connection: close", so against it every client is cold: a warm client's
// keep-alive pool reconnects for each request. Its listen backlog is 128.
package flaskserver

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/serverproc"

	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

//go:embed server.py
var serverSource string

// DefaultPython is Debian's interpreter, which python3-flask serves.
const DefaultPython = "/usr/bin/python3"

// Timeouts of Start and Stop.
const (
	// StartTimeout bounds the wait until the server answers.
	StartTimeout = 30 * time.Second
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	StopTimeout = 5 * time.Second
	pollEvery   = 20 * time.Millisecond
	stderrTail  = 16 << 10
	listenLine  = "flaskserver: listening on "
)

// Options configures the Flask server.
type Options struct {
	// Delay is d, how long / sleeps unless ?delay= says otherwise;
	// 0..MaxDelay.
	Delay time.Duration
	// Single serves one request at a time (app.run(threaded=False));
	// the zero value is threaded, as the seed ran it.
	Single bool
	// MaxDelay caps Delay and ?delay=; 0 means servers.DefaultMaxDelay.
	MaxDelay time.Duration
	// Python is the interpreter; "" means DefaultPython.
	Python string
}

// Validate reports the first invalid option, naming it and its range.
func (o Options) Validate() error {
	if o.MaxDelay < 0 || o.MaxDelay > servers.LimitMaxDelay {
		return fmt.Errorf("max delay: %v: want 0 (default %v) to %v", o.MaxDelay, servers.DefaultMaxDelay, servers.LimitMaxDelay)
	}
	if o.Delay < 0 || o.Delay > o.maxDelay() {
		return fmt.Errorf("delay: %v: want 0s to %v", o.Delay, o.maxDelay())
	}
	return nil
}

func (o Options) maxDelay() time.Duration {
	if o.MaxDelay == 0 {
		return servers.DefaultMaxDelay
	}
	return o.MaxDelay
}

// Proc is a Flask server running in a child process.
type Proc struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string

	cmd    *exec.Cmd
	stdin  *os.File
	stderr *tail.Buffer
	done   chan struct{} // closed once the child is reaped
	// waitErr is the child's exit; read after done.
	waitErr error

	killMu  sync.Mutex
	reaping bool // the child exited: never signal its pid again

	stopOnce sync.Once
	stopErr  error
}

// Check reports in one line why the Flask server cannot run with python
// ("" means DefaultPython): no interpreter, or no flask module (install
// python3-flask). It returns nil when it can.
func Check(ctx context.Context, python string) error {
	if python == "" {
		python = DefaultPython
	}
	path, err := exec.LookPath(python)
	if err != nil {
		return fmt.Errorf("flaskserver: python interpreter %s not found: install python3 (%v)", python, err)
	}
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "-c", "import flask, werkzeug").CombinedOutput()
	if err != nil {
		return fmt.Errorf("flaskserver: %s cannot import flask: install python3-flask (%s)", path, lastLine(string(out), err))
	}
	return nil
}

// Start runs the Flask server and returns once it answers. ctx bounds only
// the start-up; the server runs until Stop.
func Start(ctx context.Context, o Options) (*Proc, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("flaskserver: %w", err)
	}
	python := o.Python
	if python == "" {
		python = DefaultPython
	}
	mode := "threaded"
	if o.Single {
		mode = "single"
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("flaskserver: stdin pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("flaskserver: stdout pipe: %w", err)
	}
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }
	cmd := exec.Command(python, "-c", serverSource, secs(o.Delay), mode, secs(o.maxDelay()))
	p := &Proc{cmd: cmd, stdin: inW, stderr: tail.New(stderrTail), done: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = StopTimeout
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("flaskserver: start %s: %w (install python3 and python3-flask)", python, err)
	}
	go p.wait()
	urls := make(chan string, 1)
	go p.readStdout(outR, urls)

	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	fail := func(err error) (*Proc, error) {
		p.kill()
		<-p.done
		_ = p.stdin.Close()
		return nil, fmt.Errorf("flaskserver: %s (pid %d): %w%s", python, cmd.Process.Pid, err, p.stderrNote())
	}
	select {
	case u := <-urls:
		p.URL = u
	case <-p.done:
		return fail(fmt.Errorf("exited before listening: %v", p.exit()))
	case <-ctx.Done():
		return fail(fmt.Errorf("waiting for the listening line: %w", context.Cause(ctx)))
	}
	if err := serverproc.CheckLoopback(p.URL); err != nil {
		return fail(fmt.Errorf("listening line: %w", err))
	}
	for {
		_, err := serverproc.FetchStats(ctx, p.URL)
		if err == nil {
			return p, nil
		}
		select {
		case <-p.done:
			return fail(fmt.Errorf("exited before answering: %v", p.exit()))
		case <-ctx.Done():
			return fail(fmt.Errorf("not answering: %w (last: %v)", context.Cause(ctx), err))
		case <-time.After(pollEvery):
		}
	}
}

// readStdout sends the listening line's URL and keeps every other line as
// stderr. It ends when the child's stdout closes.
func (p *Proc) readStdout(f *os.File, urls chan<- string) {
	defer f.Close()
	sc := bufio.NewScanner(f)
	sent := false
	for sc.Scan() {
		l := sc.Text()
		if u, ok := strings.CutPrefix(l, listenLine); ok && !sent {
			urls <- strings.TrimSpace(u)
			sent = true
			continue
		}
		_, _ = p.stderr.Write([]byte(l + "\n"))
	}
}

// Pid returns the child's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Stderr returns the tail of the child's output other than the listening line.
func (p *Proc) Stderr() string { return p.stderr.String() }

// Stats fetches the server's counters (GET /_stats).
func (p *Proc) Stats(ctx context.Context) (servers.Stats, error) {
	return serverproc.FetchStats(ctx, p.URL)
}

// Reset zeroes the server's counters (POST /_stats/reset).
func (p *Proc) Reset(ctx context.Context) error { return serverproc.ResetStats(ctx, p.URL) }

// Stop sends SIGTERM to the server's process group, waits up to
// StopTimeout, then sends SIGKILL, and reaps the child. It is idempotent;
// every call returns the first call's result, nil for a clean exit.
func (p *Proc) Stop() error {
	p.stopOnce.Do(func() {
		select {
		case <-p.done:
			p.stopErr = p.exitErr("exited before Stop")
			return
		default:
		}
		p.killMu.Lock()
		if !p.reaping {
			_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
		}
		p.killMu.Unlock()
		_ = p.stdin.Close()
		select {
		case <-p.done:
			p.stopErr = p.exitErr("stopping")
			return
		case <-time.After(StopTimeout):
		}
		p.kill()
		<-p.done
		p.stopErr = fmt.Errorf("flaskserver: pid %d still running %v after SIGTERM; killed it%s", p.Pid(), StopTimeout, p.stderrNote())
	})
	return p.stopErr
}

// wait reaps the child. It waits for the exit without reaping first, so
// that the process group id stays reserved until kill can no longer use it.
func (p *Proc) wait() {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.Pid(), &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	p.killMu.Lock()
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL) // whatever the server left in its group
	p.reaping = true
	p.killMu.Unlock()
	p.waitErr = p.cmd.Wait()
	close(p.done)
}

// kill sends SIGKILL to the child's process group unless it was reaped.
func (p *Proc) kill() {
	p.killMu.Lock()
	defer p.killMu.Unlock()
	if !p.reaping {
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	}
}

func (p *Proc) exit() string {
	if p.waitErr == nil {
		return "exit status 0"
	}
	return p.waitErr.Error()
}

func (p *Proc) exitErr(when string) error {
	if p.waitErr == nil {
		return nil
	}
	return fmt.Errorf("flaskserver: pid %d %s: %w%s", p.Pid(), when, p.waitErr, p.stderrNote())
}

func (p *Proc) stderrNote() string {
	s := strings.TrimSpace(p.stderr.String())
	if s == "" {
		return "; no stderr output"
	}
	return "; stderr:\n" + s
}

// lastLine returns the last line of out, or err's text when out is empty.
func lastLine(out string, err error) string {
	out = strings.TrimSpace(out)
	if out == "" {
		return err.Error()
	}
	lines := strings.Split(out, "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
