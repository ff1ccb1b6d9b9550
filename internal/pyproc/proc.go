package pyproc

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

// Prelude is the Python every program run by Start begins with.
//
//go:embed prelude.py
var Prelude string

// Timeouts and limits of the Go side of the protocol.
const (
	sendTimeout = 10 * time.Second // one write to the process's stdin
	exitGrace   = 2 * time.Second  // bounds the stderr copy after the exit
	maxLine     = 256 << 20        // longest line read from the process
	stderrTail  = 4 << 10          // stderr kept for error messages
	// TracebackLines is how many lines of a traceback or stderr an error
	// quotes.
	TracebackLines = 12
)

// ErrNoAnswer is the error of Receive when its context ends first.
var ErrNoAnswer = errors.New("no answer")

// Proc is a running Python program. Send and Receive must not be called
// concurrently with themselves.
type Proc struct {
	what    string // "worker", "crawler": the program, in error messages
	cmd     *exec.Cmd
	pid     int
	stdin   *os.File
	stdout  *os.File      // the read end of its stdout, read by the reader goroutine
	lines   chan line     // from the reader goroutine; closed when it ends
	quit    chan struct{} // closed by Release: the reader stops delivering
	readerD chan struct{} // closed when the reader goroutine ends
	exited  chan struct{} // closed once the process is reaped
	waitErr error
	stderr  *tail.Buffer

	killMu  sync.Mutex
	reaping bool // the process exited: its pid may be reused, never signal it
}

// line is one line read from the process, or the error that ended reading.
type line struct {
	b   []byte
	err error
}

// Start runs Prelude and script with the interpreter python, in a process
// group of its own that is killed if this process dies; what names the
// program in error messages ("python <what>"). An error is a pipe's or
// the start's, naming python.
func Start(python, script, what string) (*Proc, error) {
	p := &Proc{
		what:    what,
		stderr:  tail.New(stderrTail),
		lines:   make(chan line, 1),
		quit:    make(chan struct{}),
		readerD: make(chan struct{}),
		exited:  make(chan struct{}),
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	cmd := exec.Command(python, "-c", Prelude+"\n"+script)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = exitGrace // bounds the stderr copy if a descendant holds it open
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("start %s: %w", python, err)
	}
	p.cmd, p.pid, p.stdin, p.stdout = cmd, cmd.Process.Pid, inW, outR
	go p.wait()
	go p.read()
	return p, nil
}

// Pid returns the process's id, also its process group's.
func (p *Proc) Pid() int { return p.pid }

// Send writes v as one JSON line to the process's stdin.
func (p *Proc) Send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	if err := p.stdin.SetWriteDeadline(time.Now().Add(sendTimeout)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// Receive returns the process's next stdout line. If ctx ends first it
// returns ErrNoAnswer wrapped with the context's cause.
func (p *Proc) Receive(ctx context.Context) ([]byte, error) {
	select {
	case l, ok := <-p.lines:
		if !ok {
			return nil, fmt.Errorf("python %s's stdout already ended", p.what)
		}
		return l.b, l.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w from the python %s: %w", ErrNoAnswer, p.what, context.Cause(ctx))
	}
}

// Stop ends a healthy process: it sends stop, closes its stdin and waits
// up to grace for the exit. The error (without context) says how the
// process ended if not with status 0, or that it was still running; call
// Release afterwards.
func (p *Proc) Stop(stop any, grace time.Duration) error {
	_ = p.Send(stop) // a dead process is reported below
	_ = p.stdin.Close()
	select {
	case <-p.exited:
		if p.waitErr != nil {
			return fmt.Errorf("python %s pid %d %s%s", p.what, p.pid, p.Status(), p.StderrNote())
		}
		return nil
	case <-time.After(grace):
		return fmt.Errorf("python %s pid %d still running %v after stop; killed it", p.what, p.pid, grace)
	}
}

// Settle ends the process after a failure and returns once it is reaped:
// with kill at once, else after up to grace for it to exit by itself (so
// that its exit status and stderr can be reported).
func (p *Proc) Settle(kill bool, grace time.Duration) {
	if kill {
		p.Kill()
	} else {
		select {
		case <-p.exited:
		case <-time.After(grace):
			p.Kill()
		}
	}
	<-p.exited
}

// Release kills the process group if the process still runs, reaps the
// process and ends the reader. Call it once.
func (p *Proc) Release() {
	p.Kill()
	<-p.exited
	_ = p.stdin.Close()
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	// Unblocks the reader even if something outside the process group
	// still holds the pipe's write end.
	_ = p.stdout.Close()
	<-p.readerD
}

// Kill sends SIGKILL to the process group unless the process was reaped.
func (p *Proc) Kill() {
	p.killMu.Lock()
	defer p.killMu.Unlock()
	if !p.reaping && p.pid > 0 {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
}

// Status describes how the process ended, or "still running".
func (p *Proc) Status() string {
	select {
	case <-p.exited:
	default:
		return "still running"
	}
	if p.waitErr == nil {
		return "exited with status 0"
	}
	return "ended: " + p.waitErr.Error()
}

// StderrNote is the process's stderr tail, for an error message.
func (p *Proc) StderrNote() string {
	s := strings.TrimSpace(p.stderr.String())
	if s == "" {
		return "; no stderr output"
	}
	return "; stderr:\n" + TailLines(s, TracebackLines)
}

// wait reaps the process. It waits for the exit without reaping first, so
// that the process group id stays reserved while the group (the processes
// it forked) is killed: nothing is left behind.
func (p *Proc) wait() {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	p.killMu.Lock()
	_ = syscall.Kill(-p.pid, syscall.SIGKILL) // ESRCH when the group is already empty
	p.reaping = true
	p.killMu.Unlock()
	p.waitErr = p.cmd.Wait()
	close(p.exited)
}

// read delivers the stdout lines until they end or Release.
func (p *Proc) read() {
	defer close(p.readerD)
	defer close(p.lines)
	br := bufio.NewReaderSize(p.stdout, 64<<10)
	for {
		b, err := readLine(br, maxLine, p.what)
		select {
		case p.lines <- line{b, err}:
		case <-p.quit:
			return
		}
		if err != nil {
			return
		}
	}
}

// readLine reads one newline-terminated line of at most max bytes.
func readLine(br *bufio.Reader, max int, what string) ([]byte, error) {
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
			return nil, fmt.Errorf("python %s closed its stdout: %w", what, err)
		}
	}
}

// Exception is a Python exception the program reported.
type Exception struct {
	What      string // the program, as given to Start
	Traceback string
}

func (e *Exception) Error() string {
	return "Python exception in the " + e.What + ":\n" + TailLines(e.Traceback, TracebackLines)
}

// TailLines returns the last n lines of s.
func TailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
