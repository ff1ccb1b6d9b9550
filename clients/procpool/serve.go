package procpool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage"
	"golang.org/x/sys/unix"
)

// IsWorker reports whether this process was started as a pool worker
// (RoleEnv=RoleWorker in its environment).
func IsWorker() bool {
	return os.Getenv(RoleEnv) == RoleWorker
}

// WorkerMain serves the worker protocol on stdin and stdout until the
// parent sends Stop or closes stdin, and returns the process exit code: 0,
// or 1 after a failure (described on stderr). A program that hosts pools
// calls it first thing in main (or TestMain):
//
//	if procpool.IsWorker() {
//		os.Exit(procpool.WorkerMain())
//	}
//
// File descriptor 1 is pointed at stderr for the rest of the process, so
// that stray prints cannot corrupt the protocol, which keeps a private copy
// of the original stdout.
func WorkerMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	out, err := privateStdout()
	if err != nil {
		fmt.Fprintf(os.Stderr, "crawlbench worker %d: %v\n", os.Getpid(), err)
		return 1
	}
	defer out.Close()
	if err := ServeWorker(ctx, os.Stdin, out); err != nil {
		fmt.Fprintf(os.Stderr, "crawlbench worker %d: %v\n", os.Getpid(), err)
		return 1
	}
	return 0
}

// privateStdout duplicates fd 1 for the protocol and points fd 1 at
// stderr.
func privateStdout() (*os.File, error) {
	fd, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("duplicate stdout: %w", err)
	}
	if err := unix.Dup3(2, 1, 0); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("point stdout at stderr: %w", err)
	}
	return os.NewFile(uintptr(fd), "protocol-stdout"), nil
}

// batchDone is the outcome of one batch run by a worker.
type batchDone struct {
	seq uint64
	res *clients.Result
	use *usage.Usage // nil unless sampling
	err error
}

// workerState is the worker side of the protocol.
type workerState struct {
	out     io.Writer
	client  clients.IndexedClient
	sample  time.Duration // resource sampling interval; 0: off
	lastSeq uint64
	// the running batch, if any
	running bool
	seq     uint64
	cancel  context.CancelFunc
	done    chan batchDone
}

// ServeWorker serves the worker side of the protocol: it reads the
// parent's messages from in and writes its own to out, one JSON line each.
// It returns nil after Stop or at the end of in, ctx's error when ctx ends,
// and an error (also sent to the parent as an error message, if possible)
// when the parent breaks the protocol. A running batch is canceled and
// waited for before ServeWorker returns. When it returns because ctx ended
// or the parent sent a valid but out-of-place message, the goroutine
// reading in stays blocked until in ends or fails.
func ServeWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan inbound)
	go func() {
		defer close(msgs)
		br := bufio.NewReaderSize(in, 64<<10)
		for {
			m, err := ReadMessage(br, MaxMessageSize)
			select {
			case msgs <- inbound{msg: m, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil || m.Type == Stop {
				return
			}
		}
	}()

	s := &workerState{out: out}
	defer s.finish()
	for {
		select {
		case in, ok := <-msgs:
			if !ok || errors.Is(in.err, io.EOF) {
				return nil
			}
			if in.err != nil {
				return s.fail(fmt.Errorf("bad message from the parent: %w", in.err))
			}
			stop, err := s.handle(ctx, in.msg)
			if err != nil {
				return s.fail(err)
			}
			if stop {
				return nil
			}
		case d := <-s.done:
			s.running, s.done, s.cancel = false, nil, nil
			if d.err != nil {
				return s.fail(fmt.Errorf("batch %d: %w", d.seq, d.err))
			}
			if err := s.write(&Message{V: ProtocolVersion, Type: ResultMsg, Seq: d.seq, Result: d.res, Usage: d.use}); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// handle acts on one valid message; stop is true after Stop.
func (s *workerState) handle(ctx context.Context, m *Message) (stop bool, err error) {
	switch m.Type {
	case Hello:
		if s.client != nil {
			return false, errors.New("second hello")
		}
		cfg, err := m.Hello.ClientConfig()
		if err != nil {
			return false, err
		}
		var c clients.Client
		switch m.Hello.Strategy {
		case WorkerFanout:
			c, err = clients.NewFanout(m.Hello.Strategy, cfg)
		case WorkerFastHTTP:
			c, err = clients.NewFastHTTP(m.Hello.Strategy, cfg)
		default:
			c, err = clients.NewSequential(m.Hello.Strategy, cfg)
		}
		if err != nil {
			return false, fmt.Errorf("hello: %w", err)
		}
		ic, ok := c.(clients.IndexedClient)
		if !ok { // cannot happen: every in-process strategy numbers its requests
			_ = c.Close()
			return false, fmt.Errorf("hello: strategy %s cannot take planned request indices", m.Hello.Strategy)
		}
		s.client = ic
		s.sample = time.Duration(m.Hello.SampleNS)
		return false, s.write(&Message{V: ProtocolVersion, Type: Ready})
	case Work:
		switch {
		case s.client == nil:
			return false, errors.New("work before hello")
		case m.Seq <= s.lastSeq:
			return false, fmt.Errorf("work %d after batch %d: sequence numbers must increase", m.Seq, s.lastSeq)
		case s.running:
			return false, fmt.Errorf("work %d while batch %d runs", m.Seq, s.seq)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan batchDone, 1)
		s.running, s.seq, s.lastSeq, s.cancel, s.done = true, m.Seq, m.Seq, cancel, done
		client, seq, first, n, sample := s.client, m.Seq, m.First, m.N, s.sample
		go func() {
			defer cancel()
			done <- runBatch(wctx, client, seq, first, n, sample)
		}()
		return false, nil
	case Cancel:
		if s.running && s.seq == m.Seq {
			s.cancel()
		}
		return false, nil // a cancel that crossed its batch's result is ignored
	case Stop:
		return true, nil
	}
	return false, fmt.Errorf("unexpected %s message from the parent", m.Type)
}

// runBatch runs one batch of n requests with indices first.. with client,
// sampling this process's resource use every sample when sample is not
// zero.
func runBatch(ctx context.Context, client clients.IndexedClient, seq uint64, first int64, n int, sample time.Duration) batchDone {
	if sample == 0 {
		res, err := client.RunFrom(ctx, first, n)
		return batchDone{seq: seq, res: res, err: err}
	}
	smp, err := usage.Start(sample)
	if err != nil {
		return batchDone{seq: seq, err: err}
	}
	res, err := client.RunFrom(ctx, first, n)
	u, uerr := smp.Stop()
	if err == nil && uerr != nil {
		err = fmt.Errorf("sampling resource use: %w", uerr)
	}
	return batchDone{seq: seq, res: res, use: &u, err: err}
}

// write sends one message to the parent.
func (s *workerState) write(m *Message) error {
	b, err := EncodeMessage(m)
	if err != nil {
		return err
	}
	if _, err := s.out.Write(b); err != nil {
		return fmt.Errorf("write %s message: %w", m.Type, err)
	}
	return nil
}

// fail tells the parent about err, best effort, and returns it.
func (s *workerState) fail(err error) error {
	_ = s.write(&Message{V: ProtocolVersion, Type: ErrorMsg, Error: err.Error()})
	return err
}

// finish cancels and waits for a running batch and closes the client.
func (s *workerState) finish() {
	if s.running {
		s.cancel()
		<-s.done
	}
	if s.client != nil {
		_ = s.client.Close()
	}
}
