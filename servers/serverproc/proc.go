package serverproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servercmd"

	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

// childEnv is the environment variable that marks a server child process.
const (
	childEnv  = "CRAWLBENCH_ROLE"
	childRole = "slowserver"
)

// Timeouts of Start and Stop.
const (
	// StartTimeout bounds the wait for the child's listening line.
	StartTimeout = 10 * time.Second
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL: the
	// child's default -shutdown-timeout (10s) plus a margin.
	StopTimeout = servercmd.DefaultShutdownTimeout + 5*time.Second
	// waitDelay bounds how long reaping waits for the child's output pipes
	// after it exited.
	waitDelay = 5 * time.Second
	// stderrTail is how much of the child's stderr is kept.
	stderrTail = 64 << 10
)

// IsChild reports whether this process was started by Start or StartCommand
// as a server child.
func IsChild() bool { return os.Getenv(childEnv) == childRole }

// ChildMain runs the slowserver command with os.Args[1:] until SIGINT or
// SIGTERM, or until its stdin pipe from the parent closes, and returns the
// exit status. Call it first thing in a host binary's main or TestMain:
//
//	if serverproc.IsChild() { os.Exit(serverproc.ChildMain()) }
func ChildMain() int { return RunChild(servercmd.Main) }

// RunChild is ChildMain for another server command with servercmd.Main's
// shape (such as the generated site's, servers/site/sitecmd): it runs main
// with os.Args[1:] until a signal or the stdin pipe closes.
func RunChild(main func(ctx context.Context, args []string, stdout, stderr io.Writer) int) int {
	_ = os.Unsetenv(childEnv) // nothing this process starts is a server child
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Once the server has drained, a late SIGTERM must not kill the exiting
	// child by the default action (Stop sends SIGTERM and closes stdin; when
	// the EOF wins and the signal is still pending, stop() alone would
	// restore the default and the child would die "signal: terminated"
	// after a clean drain). Deferred after stop, so it runs first.
	defer signal.Ignore(os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
		// The parent holds the other end; EOF means it closed it or died.
		// The goroutine ends with the process.
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}
	return main(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

// Proc is a slowserver running in a child process.
type Proc struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string

	cmd    *exec.Cmd
	stdin  io.Closer
	stderr *tail.Buffer

	done    chan struct{} // closed once the child is reaped
	waitErr error         // the child's exit; read after done

	stopOnce sync.Once
	stopErr  error
}

// Start runs a slowserver child by re-executing this binary
// (os.Executable) with args, e.g. "-addr", "127.0.0.1:0", "-delay", "50ms".
// The binary must call ChildMain when IsChild (see the package doc). ctx
// bounds only the start-up: the child runs until Stop.
func Start(ctx context.Context, args []string) (*Proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("serverproc: finding this executable: %w", err)
	}
	return StartCommand(ctx, []string{exe}, args)
}

// StartCommand is Start with an explicit command line argv (binary and its
// leading arguments), to which args are appended. The child gets
// CRAWLBENCH_ROLE=slowserver in its environment, so argv may be a host binary
// that calls ChildMain as well as a built slowserver.
func StartCommand(ctx context.Context, argv []string, args []string) (*Proc, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("serverproc: empty command line")
	}
	cmd := exec.Command(argv[0], append(append([]string(nil), argv[1:]...), args...)...)
	cmd.Env = append(os.Environ(), childEnv+"="+childRole)
	lw := newListenWriter()
	p := &Proc{cmd: cmd, stderr: tail.New(stderrTail), done: make(chan struct{})}
	lw.other = p.stderr
	cmd.Stdout = lw
	cmd.Stderr = p.stderr
	cmd.WaitDelay = waitDelay
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("serverproc: stdin pipe for %s: %w", argv[0], err)
	}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("serverproc: starting %s: %w", argv[0], err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()

	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	var failure error
	select {
	case u := <-lw.url:
		if err := CheckLoopback(u); err != nil {
			failure = fmt.Errorf("listening line %q: %w", u, err)
			break
		}
		p.URL = u
		return p, nil
	case <-p.done:
		failure = fmt.Errorf("exited before listening: %v", p.exit())
	case <-timer.C:
		failure = fmt.Errorf("no listening line within %v", StartTimeout)
	case <-ctx.Done():
		failure = fmt.Errorf("waiting for the listening line: %w", ctx.Err())
	}
	_ = p.cmd.Process.Kill()
	_ = p.stdin.Close()
	<-p.done
	return nil, fmt.Errorf("serverproc: %s (pid %d): %w%s", argv[0], cmd.Process.Pid, failure, p.stderrNote())
}

// Pid returns the child's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Stderr returns the last 64 KiB of the child's stderr (and of any stdout
// lines other than the listening line).
func (p *Proc) Stderr() string { return p.stderr.String() }

// Stats fetches the child's counters (GET /_stats).
func (p *Proc) Stats(ctx context.Context) (servers.Stats, error) { return FetchStats(ctx, p.URL) }

// Reset zeroes the child's counters (POST /_stats/reset).
func (p *Proc) Reset(ctx context.Context) error { return ResetStats(ctx, p.URL) }

// Stop sends SIGTERM (the child drains in-flight requests), waits up to
// StopTimeout, then sends SIGKILL; it always reaps the child. It is
// idempotent and safe to call concurrently: every call returns the first
// call's result, which is nil if the child exited with status 0.
func (p *Proc) Stop() error {
	p.stopOnce.Do(func() { p.stopErr = p.stop(StopTimeout) })
	return p.stopErr
}

func (p *Proc) stop(grace time.Duration) error {
	select {
	case <-p.done: // already gone
		return p.exitError("exited before Stop")
	default:
	}
	// Either one makes a ChildMain child drain and exit; the signal also
	// stops a plain slowserver binary.
	sigErr := p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.stdin.Close()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		if drainedThenSignalled(p.waitErr, p.stderr.String()) {
			return nil
		}
		return p.exitError("stopping")
	case <-timer.C:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("serverproc: pid %d still running %v after SIGTERM (signal error: %v); killed it%s", p.Pid(), grace, sigErr, p.stderrNote())
}

// exit describes how the child ended; call after done.
func (p *Proc) exit() string {
	if p.waitErr == nil {
		return "exit status 0"
	}
	return p.waitErr.Error()
}

// exitError is nil for a clean exit, else an error naming when it happened.
func (p *Proc) exitError(when string) error {
	if p.waitErr == nil {
		return nil
	}
	return fmt.Errorf("serverproc: pid %d %s: %w%s", p.Pid(), when, p.waitErr, p.stderrNote())
}

// drainedThenSignalled reports a child that finished its clean stop (its
// last stderr line is the "stopped:" summary) and was then ended by the
// SIGTERM that Stop itself sent. RunChild ignores SIGTERM once drained, but
// under the race detector a late SIGTERM has still been seen to end such a
// child (CI, 3 times over 2 sessions); its work was done and counted, so it
// is not a failure.
func drainedThenSignalled(waitErr error, stderr string) bool {
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		return false
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return strings.HasPrefix(lines[len(lines)-1], "slowserver: stopped:")
}

// stderrNote is the child's stderr tail, formatted for an error message.
func (p *Proc) stderrNote() string {
	s := strings.TrimSpace(p.stderr.String())
	if s == "" {
		return "; no stderr output"
	}
	return "; stderr:\n" + s
}

// listenWriter is the child's stdout: it hands over the URL of the first
// listening line and passes other lines to other.
type listenWriter struct {
	mu    sync.Mutex
	line  []byte
	found bool
	url   chan string
	other io.Writer
}

// maxLine bounds a buffered stdout line.
const maxLine = 4 << 10

func newListenWriter() *listenWriter { return &listenWriter{url: make(chan string, 1)} }

func (w *listenWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := strings.IndexByte(string(b), '\n')
		if i < 0 {
			w.line = append(w.line, b[:min(len(b), maxLine-len(w.line))]...)
			break
		}
		w.line = append(w.line, b[:min(i, maxLine-len(w.line))]...)
		b = b[i+1:]
		w.handle(string(w.line))
		w.line = w.line[:0]
	}
	return n, nil
}

func (w *listenWriter) handle(line string) {
	if u, ok := strings.CutPrefix(line, servercmd.ListeningPrefix); ok && !w.found {
		w.found = true
		w.url <- strings.TrimSpace(u)
		return
	}
	if w.other != nil {
		_, _ = io.WriteString(w.other, "stdout: "+line+"\n")
	}
}
