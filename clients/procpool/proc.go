package procpool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

// inbound is one message read from a worker, or the error that ended the
// reading (io.EOF when the worker closed its stdout between messages).
type inbound struct {
	msg *Message
	err error
}

// stderrTail is how much of a worker's stderr is kept for error messages.
const stderrTail = 4 << 10

// proc is the parent's handle on one worker process.
type proc struct {
	idx    int
	pid    int
	cmd    *exec.Cmd
	stdin  *os.File // the parent's write end of the worker's stdin
	stdout *os.File // the parent's read end of the worker's stdout
	stderr *tail.Buffer

	msgs       chan inbound  // from the reader goroutine; closed when it ends
	quit       chan struct{} // closed by release: the reader stops delivering
	readerDone chan struct{}
	exited     chan struct{} // closed once the process is reaped
	state      *os.ProcessState
	waitErr    error

	mu         sync.Mutex
	reaping    bool   // the process exited and is being reaped: its pid may be reused soon
	killReason string // why the pool killed it, if it did

	sendMu sync.Mutex
	seq    uint64 // last batch sequence number; used only by the goroutine running the worker's batches

	releaseOnce sync.Once
}

// startProc starts worker idx running argv with env, its stdin and stdout
// connected to the parent by pipes and its stderr kept in a tail buffer.
// The worker is in its own process group, receives SIGKILL if the parent
// dies (Pdeathsig), and is killed when ctx ends.
func startProc(ctx context.Context, idx int, argv, env []string) (*proc, error) {
	p := &proc{
		idx:        idx,
		stderr:     tail.New(stderrTail),
		msgs:       make(chan inbound, 4),
		quit:       make(chan struct{}),
		readerDone: make(chan struct{}),
		exited:     make(chan struct{}),
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("worker %d: stdin pipe: %w", idx, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("worker %d: stdout pipe: %w", idx, err)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin = inR
	cmd.Stdout = outW
	cmd.Stderr = p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		// Called from exec's own goroutine, possibly before p.pid is set.
		p.killPid(cmd.Process.Pid, fmt.Sprintf("context ended: %v", context.Cause(ctx)))
		return nil
	}
	cmd.WaitDelay = stopGrace // bounds the stderr copy if a descendant holds it open
	err = cmd.Start()
	inR.Close() // the child has its own copies now
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("worker %d: start %q: %w", idx, argv[0], err)
	}
	p.cmd, p.pid, p.stdin, p.stdout = cmd, cmd.Process.Pid, inW, outR
	go p.wait()
	go p.read()
	return p, nil
}

// wait reaps the worker. It first waits for the exit without reaping, so
// that the pid, and with it the process group id, stays reserved while the
// rest of the worker's process group is killed: a worker leaves nothing
// behind.
func (p *proc) wait() {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	p.mu.Lock()
	_ = syscall.Kill(-p.pid, syscall.SIGKILL) // ESRCH when the group is already empty
	p.reaping = true
	p.mu.Unlock()
	p.waitErr = p.cmd.Wait()
	p.state = p.cmd.ProcessState
	close(p.exited)
}

// read delivers the worker's messages until its stdout ends, a message is
// bad, or the parent releases the worker.
func (p *proc) read() {
	defer close(p.readerDone)
	defer close(p.msgs)
	br := bufio.NewReaderSize(p.stdout, 64<<10)
	for {
		m, err := ReadMessage(br, MaxMessageSize)
		select {
		case p.msgs <- inbound{msg: m, err: err}:
		case <-p.quit:
			return
		}
		if err != nil {
			return
		}
	}
}

// kill sends SIGKILL to the worker's process group, unless the worker has
// already exited. The first reason given is kept for error messages.
func (p *proc) kill(reason string) {
	p.killPid(p.pid, reason)
}

// killPid is kill for the worker whose pid is pid. It never signals a pid
// below 1: kill(-0) would hit the parent's own process group.
func (p *proc) killPid(pid int, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reaping || pid < 1 {
		return
	}
	if p.killReason == "" {
		p.killReason = reason
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// alive reports whether the worker has not been reaped yet.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// send writes one message to the worker's stdin.
func (p *proc) send(m *Message) error {
	b, err := EncodeMessage(m)
	if err != nil {
		return err
	}
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	if err := p.stdin.SetWriteDeadline(time.Now().Add(sendTimeout)); err != nil {
		return fmt.Errorf("send %s: %w", m.Type, err)
	}
	if _, err := p.stdin.Write(b); err != nil {
		return fmt.Errorf("send %s: %w", m.Type, err)
	}
	return nil
}

// closeStdin closes the worker's stdin, which a worker takes as Stop.
func (p *proc) closeStdin() {
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	_ = p.stdin.Close() // a second close only reports os.ErrClosed
}

// release kills the worker if it still runs, reaps it, and ends the reader
// goroutine. It is idempotent.
func (p *proc) release() {
	p.releaseOnce.Do(func() {
		p.kill("pool released it")
		<-p.exited
		p.closeStdin()
		close(p.quit)
		_ = p.stdout.Close() // unblocks the reader if a descendant kept the pipe open
		<-p.readerDone
	})
}

// name identifies the worker in errors: "worker 3 (pid 1234)".
func (p *proc) name() string {
	return fmt.Sprintf("worker %d (pid %d)", p.idx, p.pid)
}

// failure returns the error for a worker that failed: what went wrong,
// how the worker ended (waiting up to exitGrace for it, then killing it)
// and the tail of its stderr. With what == "", the end of the worker's
// stdout is the failure: "exited with status 3 <phase>".
func (p *proc) failure(strategy, what, phase string) error {
	status, stuck := p.exitStatus(exitGrace)
	var msg string
	switch {
	case what == "" && stuck:
		msg = fmt.Sprintf("closed its stdout %s but was still running %v later; %s", phase, exitGrace, status)
	case what == "":
		msg = status + " " + phase
	default:
		msg = what + "; then " + status
	}
	return fmt.Errorf("%s: %s: %s; stderr: %q", strategy, p.name(), msg, p.stderr.String())
}

// exitStatus waits up to grace for the worker to exit, killing it after
// that (stuck = true), and describes how it ended.
func (p *proc) exitStatus(grace time.Duration) (status string, stuck bool) {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		stuck = true
		p.kill("it failed")
		<-p.exited
	}
	p.mu.Lock()
	reason := p.killReason
	p.mu.Unlock()
	return describeExit(p.state, p.waitErr, reason), stuck
}

// describeExit says how a process ended: "exited with status 3",
// "killed by SIGKILL", plus the pool's reason when the pool killed it.
func describeExit(ps *os.ProcessState, waitErr error, killReason string) string {
	if ps == nil {
		return fmt.Sprintf("could not be waited for (%v)", waitErr)
	}
	var s string
	ws, ok := ps.Sys().(syscall.WaitStatus)
	switch {
	case !ok:
		s = ps.String()
	case ws.Exited():
		s = fmt.Sprintf("exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		name := unix.SignalName(ws.Signal())
		if name == "" {
			name = ws.Signal().String()
		}
		s = "killed by " + name
	default:
		s = ps.String()
	}
	if killReason != "" && ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		s += " (sent by the pool: " + killReason + ")"
	}
	return s
}
