package procpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage"
)

// Environment that marks a worker process.
const (
	// RoleEnv is the environment variable that tells a program it runs as
	// a worker.
	RoleEnv = "CRAWLBENCH_ROLE"
	// RoleWorker is RoleEnv's value in a worker.
	RoleWorker = "worker"
)

// errPoolClosed is the cause of a pool context ended by Close.
var errPoolClosed = errors.New("pool closed")

// errAborted ends a worker's part of a batch after another worker failed.
var errAborted = errors.New("batch aborted")

// Pool is a worker-process strategy: P long-lived worker processes that run
// the batches the parent hands them. It implements clients.Client.
type Pool struct {
	name     string // strategy name
	worker   string // the workers' client strategy
	split    Split
	cfg      Config
	procs    []*proc
	startup  time.Duration
	ctx      context.Context // ends when New's ctx ends or the pool closes
	cancel   context.CancelCauseFunc
	graceDur time.Duration // how long a canceled batch may take to report

	runMu   sync.Mutex // held by Run and Close
	closed  bool
	broken  error // why the pool is unusable
	indices int64 // index of the next batch's first request; guarded by runMu

	statsMu sync.Mutex
	chunks  []int         // work messages per worker in the last Run
	usage   []usage.Usage // resource use per worker in the last Run (Config.Sample)
	ipc     IPCStats      // pipe round-trip time beyond the workers' own (timing.go)

	closeOnce sync.Once
	closeErr  error
}

// NewPoolEven starts the pool-even strategy under name: cfg.Procs
// sequential worker processes, worker i running n/P requests of a batch (the
// first n%P one more), one after the other. The Client is a *Pool.
func NewPoolEven(ctx context.Context, name string, cfg Config) (clients.Client, error) {
	return asClient(newPool(ctx, name, WorkerSequential, Even, cfg))
}

// NewPoolChunked starts the pool-chunked strategy under name, the Go twin of
// Python's multiprocessing.Pool(P).map: cfg.Procs sequential worker
// processes; a batch is cut into chunks of ChunkSize(n, P) requests, each
// handed to the next worker that becomes free. The Client is a *Pool.
func NewPoolChunked(ctx context.Context, name string, cfg Config) (clients.Client, error) {
	return asClient(newPool(ctx, name, WorkerSequential, Chunked, cfg))
}

// NewProcsFanout starts the procs-fanout strategy under name, the Go twin of
// aiomultiprocess.Pool: cfg.Procs worker processes, each running its even
// share of a batch as one fan-out with at most cfg.Client.Concurrency
// goroutines in flight. The Client is a *Pool.
func NewProcsFanout(ctx context.Context, name string, cfg Config) (clients.Client, error) {
	return asClient(newPool(ctx, name, WorkerFanout, Even, cfg))
}

// NewProcsFastHTTP starts the procs-fasthttp strategy under name:
// procs-fanout with the fasthttp client (clients.NewFastHTTP) in every
// worker instead of net/http, for scale runs where per-request CPU decides
// how fast a batch goes out. The Client is a *Pool.
func NewProcsFastHTTP(ctx context.Context, name string, cfg Config) (clients.Client, error) {
	return asClient(newPool(ctx, name, WorkerFastHTTP, Even, cfg))
}

// asClient returns p as a clients.Client, and a nil interface (not a nil
// *Pool) on error.
func asClient(p *Pool, err error) (clients.Client, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}

func newPool(ctx context.Context, name, worker string, split Split, cfg Config) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: start workers: %w", name, context.Cause(ctx))
	}
	argv := cfg.Command
	if argv == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("%s: command: find this program to re-execute: %w", name, err)
		}
		argv = []string{exe}
	}
	env := append(append(os.Environ(), cfg.Env...), RoleEnv+"="+RoleWorker)

	pctx, cancel := context.WithCancelCause(ctx)
	p := &Pool{name: name, worker: worker, split: split, cfg: cfg, ctx: pctx, cancel: cancel, graceDur: defaultCancelGrace}
	start := time.Now()
	for i := range cfg.Procs {
		w, err := startProc(pctx, i, argv, env)
		if err != nil {
			p.teardown()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		p.procs = append(p.procs, w)
	}
	if err := p.handshakeAll(pctx); err != nil {
		p.teardown()
		return nil, err
	}
	p.startup = time.Since(start)
	return p, nil
}

// handshakeAll sends Hello to every worker and waits for all of them to
// answer Ready, for at most ReadyTimeout. The first failure ends the wait.
func (p *Pool) handshakeAll(ctx context.Context) error {
	hello := &Message{V: ProtocolVersion, Type: Hello, Hello: helloFor(p.worker, p.cfg.Client, p.cfg.Sample)}
	rctx, cancel := context.WithTimeoutCause(ctx, ReadyTimeout,
		fmt.Errorf("not ready within %v", ReadyTimeout))
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, w := range p.procs {
		wg.Go(func() {
			if err := p.handshake(rctx, w, hello); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	return first
}

// handshake sends Hello to one worker and waits for its Ready.
func (p *Pool) handshake(ctx context.Context, w *proc, hello *Message) error {
	if err := w.send(hello); err != nil {
		return p.sendFailed(w, err, Ready, 0, "before it was ready")
	}
	select {
	case in, ok := <-w.msgs:
		return p.expect(w, in, ok, Ready, 0, "before it was ready")
	case <-ctx.Done():
		return fmt.Errorf("%s: %s: waiting for ready: %w; stderr: %q", p.name, w.name(), context.Cause(ctx), w.stderr.String())
	}
}

// expect checks a message read from w: nil if it is of type want (and, for
// a result, of batch seq), else the error naming the worker. phase
// completes "exited with status 3 ..." when the worker's stdout ended.
func (p *Pool) expect(w *proc, in inbound, ok bool, want MsgType, seq uint64, phase string) error {
	switch {
	case !ok, errors.Is(in.err, io.EOF):
		return w.failure(p.name, "", phase)
	case in.err != nil:
		return w.failure(p.name, fmt.Sprintf("bad message: %v", in.err), "")
	case in.msg.Type == ErrorMsg:
		return w.failure(p.name, fmt.Sprintf("reported an error: %s", in.msg.Error), "")
	case in.msg.Type != want:
		return w.failure(p.name, fmt.Sprintf("sent a %s message, want %s", in.msg.Type, want), "")
	case want == ResultMsg && in.msg.Seq != seq:
		return w.failure(p.name, fmt.Sprintf("sent the result of batch %d, want batch %d", in.msg.Seq, seq), "")
	}
	return nil
}

// sendFailed returns the error for a failed send to w. A worker that cannot
// be written to has usually exited or is exiting: what it wrote last (a bad
// message, an error, or the end of its stdout with its exit status) says
// more than the broken pipe, which is reported only when nothing else
// arrives within exitGrace.
func (p *Pool) sendFailed(w *proc, sendErr error, want MsgType, seq uint64, phase string) error {
	t := time.NewTimer(exitGrace)
	defer t.Stop()
	select {
	case in, ok := <-w.msgs:
		if err := p.expect(w, in, ok, want, seq, phase); err != nil {
			return err
		}
	case <-t.C:
	}
	return w.failure(p.name, sendErr.Error(), "")
}

// Name returns the strategy's name.
func (p *Pool) Name() string { return p.name }

// StartupTime returns how long New* took to start the workers and receive
// every worker's Ready.
func (p *Pool) StartupTime() time.Duration { return p.startup }

// Procs returns the number of workers, P.
func (p *Pool) Procs() int { return len(p.procs) }

// Pids returns the pids of the workers not yet reaped.
func (p *Pool) Pids() []int {
	var out []int
	for _, w := range p.procs {
		if w.alive() {
			out = append(out, w.pid)
		}
	}
	return out
}

// Chunks returns how many work messages (chunks or shares) each worker ran
// in the last Run, indexed by worker.
func (p *Pool) Chunks() []int {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	return append([]int(nil), p.chunks...)
}

// Usage returns each worker's resource use in the last Run, indexed by
// worker, when Config.Sample is set: the peaks of its work messages and
// the CPU time they used added up. Without Config.Sample, or for a worker
// that ran no work, the entry is zero.
func (p *Pool) Usage() []usage.Usage {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	return append([]usage.Usage(nil), p.usage...)
}

// workerRun is what one worker did in a batch.
type workerRun struct {
	res        *clients.Result // merged results of its work messages
	use        usage.Usage     // its resource use over its work messages
	peak       int64           // largest MaxInFlight of one work message
	dispatched int             // requests sent to it
	lost       int             // requests of a batch it was killed in (canceled, not reported)
	chunks     int
	killed     bool
	ipc        time.Duration // its work messages' round trips minus their Wall
	lastIPC    time.Duration // that of its last work message
	lastDone   time.Time     // when its last result arrived
}

// batch is the shared state of one Run.
type batch struct {
	once  sync.Once
	err   error
	abort chan struct{}
}

// fail records the first worker failure and aborts the other workers.
func (b *batch) fail(err error) {
	b.once.Do(func() {
		b.err = err
		close(b.abort)
	})
}

// Run issues a batch of n requests through the workers and waits for all
// of them. The Result merges the workers' results; its Wall is the parent's
// time from the first dispatch to the last result, and its MaxInFlight adds
// up each worker's own peak (the most requests one of its work messages had
// in flight), an upper bound. Its requests carry the indices
// FirstIndex..FirstIndex+n-1, consecutive across the pool's batches; each
// share or chunk holds consecutive indices in plan order.
//
// When ctx ends, running workers are told to cancel: their unfinished
// requests and the work not yet dispatched count as Canceled. A worker that
// does not report within a grace period is killed, its whole batch counted
// as Canceled, and the pool becomes unusable. A worker that fails (exits,
// breaks the protocol) makes Run return an error naming it, with its exit
// status and the tail of its stderr; the pool is then unusable.
func (p *Pool) Run(ctx context.Context, n int) (*clients.Result, error) {
	if n < 1 || n > MaxWork {
		return nil, fmt.Errorf("%s: n: %d: want 1 to %d requests", p.name, n, MaxWork)
	}
	p.runMu.Lock()
	defer p.runMu.Unlock()
	switch {
	case p.closed:
		return nil, fmt.Errorf("%s: pool is closed", p.name)
	case p.broken != nil:
		return nil, fmt.Errorf("%s: pool is unusable after an earlier failure: %w", p.name, p.broken)
	case p.ctx.Err() != nil:
		p.broken = fmt.Errorf("pool's context ended: %w", context.Cause(p.ctx))
		return nil, fmt.Errorf("%s: %w", p.name, p.broken)
	}

	base := p.indices
	if base > math.MaxInt64-int64(n) {
		return nil, fmt.Errorf("%s: request indices exhausted after %d requests", p.name, base)
	}
	p.indices += int64(n)
	next := p.queue(base, n)
	runs := make([]workerRun, len(p.procs))
	b := &batch{abort: make(chan struct{})}
	start := time.Now()
	var wg sync.WaitGroup
	for i, w := range p.procs {
		wg.Go(func() { p.drive(ctx, b, w, next, &runs[i]) })
	}
	wg.Wait()
	wall := time.Since(start)

	if b.err != nil {
		p.broken = b.err
		p.killAll("another worker failed")
		return nil, b.err
	}
	var res *clients.Result // the first worker's result, the others merged into it
	var dispatched, lost int
	var peaks int64
	var killed []string
	chunks := make([]int, len(p.procs))
	use := make([]usage.Usage, len(p.procs))
	for i, r := range runs {
		chunks[i] = r.chunks
		use[i] = r.use
		dispatched += r.dispatched
		lost += r.lost
		if r.killed {
			killed = append(killed, p.procs[i].name())
		}
		switch {
		case r.res == nil:
		case res == nil:
			res = r.res
			res.Strategy = p.name
		default:
			if err := res.Merge(r.res); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", p.name, p.procs[i].name(), err)
			}
		}
		peaks += r.peak
	}
	if res == nil {
		res = clients.NewResult(p.name)
	}
	// Merge added up the peaks of every work message; the workers' own
	// peaks add up to a tighter bound.
	res.MaxInFlight = peaks
	p.statsMu.Lock()
	p.chunks = chunks
	p.usage = use
	p.ipc.add(runs)
	p.statsMu.Unlock()
	cause := context.Cause(ctx)
	addCanceled(res, lost, fmt.Sprintf("worker killed %v after cancel without reporting: %v", p.graceDur, cause))
	addCanceled(res, n-dispatched, fmt.Sprintf("not dispatched: %v", cause))
	res.Wall = wall
	res.FirstIndex = base
	if len(killed) > 0 {
		p.broken = fmt.Errorf("%s: killed after not reporting within %v of cancel", strings.Join(killed, ", "), p.graceDur)
	}
	if err := res.Check(); err != nil {
		return nil, fmt.Errorf("%s: merged result: %w", p.name, err)
	}
	return res, nil
}

// addCanceled counts k requests that were never reported as canceled and
// not issued.
func addCanceled(res *clients.Result, k int, why string) {
	if k <= 0 {
		return
	}
	res.Requests += int64(k)
	res.NotIssued += int64(k)
	res.Errors[clients.Canceled] += int64(k)
	if _, ok := res.Samples[clients.Canceled]; !ok {
		res.Samples[clients.Canceled] = why
	}
}

// work is one work message's part of a batch: size requests with the
// indices first..first+size-1.
type work struct {
	first int64
	size  int
}

// queue returns the work source of a batch of n requests whose indices
// start at base: next(i) gives worker i its next work, false when it has
// none left. The plan's parts hold consecutive indices in plan order (the
// numbering of bench/model): Even gives worker i its share once; Chunked
// hands the chunks out in order to whichever worker asks first.
func (p *Pool) queue(base int64, n int) func(i int) (work, bool) {
	plan := p.split.Plan(n, len(p.procs))
	parts := make([]work, len(plan))
	for i, size := range plan {
		parts[i] = work{first: base, size: size}
		base += int64(size)
	}
	if p.split == Even {
		taken := make([]bool, len(parts)) // taken[i] is touched only by worker i's goroutine
		return func(i int) (work, bool) {
			if taken[i] || parts[i].size == 0 {
				return work{}, false
			}
			taken[i] = true
			return parts[i], true
		}
	}
	var mu sync.Mutex
	pos := 0
	return func(int) (work, bool) {
		mu.Lock()
		defer mu.Unlock()
		if pos == len(parts) {
			return work{}, false
		}
		pos++
		return parts[pos-1], true
	}
}

// drive runs worker w's part of a batch: it takes work from next until
// there is none left, ctx ends, or the batch is aborted.
func (p *Pool) drive(ctx context.Context, b *batch, w *proc, next func(int) (work, bool), r *workerRun) {
	for ctx.Err() == nil {
		select {
		case <-b.abort:
			return
		default:
		}
		part, ok := next(w.idx)
		if !ok {
			return
		}
		size := part.size
		r.dispatched += size
		r.chunks++
		sent := time.Now()
		res, killed, err := p.runWork(ctx, b, w, part, &r.use)
		switch {
		case errors.Is(err, errAborted):
			return
		case err != nil:
			b.fail(err)
			return
		case killed:
			r.lost += size
			r.killed = true
			return
		}
		r.lastDone = time.Now()
		r.lastIPC = max(0, r.lastDone.Sub(sent)-res.Wall)
		r.ipc += r.lastIPC
		if r.res == nil {
			// The worker's first result is this batch's own: kept, not
			// copied into a fresh histogram (bench/breakdown showed the
			// copies in every batch's CPU and GC).
			r.res = res
		} else if err := r.res.Merge(res); err != nil {
			b.fail(fmt.Errorf("%s: %s: %w", p.name, w.name(), err))
			return
		}
		r.peak = max(r.peak, res.MaxInFlight)
	}
}

// runWork sends one work message for part to w and waits for its result,
// folding the resource use the worker reports, if any, into use. When ctx
// ends it tells the worker to cancel and waits up to the grace period,
// then kills it (killed = true).
func (p *Pool) runWork(ctx context.Context, b *batch, w *proc, part work, use *usage.Usage) (res *clients.Result, killed bool, err error) {
	w.seq++
	seq, size := w.seq, part.size
	if err := w.send(&Message{V: ProtocolVersion, Type: Work, Seq: seq, N: size, First: part.first}); err != nil {
		return nil, false, p.sendFailed(w, err, ResultMsg, seq, "before reporting")
	}
	done := ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case in, ok := <-w.msgs:
			if err := p.expect(w, in, ok, ResultMsg, seq, "before reporting"); err != nil {
				return nil, false, err
			}
			r := in.msg.Result
			if r.Requests != int64(size) {
				return nil, false, w.failure(p.name, fmt.Sprintf("reported %d requests for a batch of %d", r.Requests, size), "")
			}
			if r.Strategy != p.worker {
				return nil, false, w.failure(p.name, fmt.Sprintf("ran strategy %q, want %q", r.Strategy, p.worker), "")
			}
			if r.FirstIndex != part.first {
				return nil, false, w.failure(p.name, fmt.Sprintf("numbered its requests from index %d, want %d", r.FirstIndex, part.first), "")
			}
			if u := in.msg.Usage; u != nil {
				use.Max(*u)
			}
			return r, false, nil
		case <-done:
			done = nil
			// A failed send means the worker is gone or stuck: its end of
			// stdout or the grace timer below tells which.
			_ = w.send(&Message{V: ProtocolVersion, Type: Cancel, Seq: seq})
			t := time.NewTimer(p.graceDur)
			defer t.Stop()
			grace = t.C
		case <-grace:
			w.kill(fmt.Sprintf("batch %d not reported within %v of cancel", seq, p.graceDur))
			return nil, true, nil
		case <-b.abort:
			return nil, false, errAborted
		case <-p.ctx.Done():
			return nil, false, fmt.Errorf("%s: %s: pool ended during a batch: %w", p.name, w.name(), context.Cause(p.ctx))
		}
	}
}

// killAll kills every worker still running.
func (p *Pool) killAll(reason string) {
	for _, w := range p.procs {
		w.kill(reason)
	}
}

// teardown kills and reaps every started worker and ends the pool context;
// for a pool that failed to start.
func (p *Pool) teardown() {
	p.killAll("pool failed to start")
	for _, w := range p.procs {
		w.release()
	}
	p.cancel(errPoolClosed)
}

// Close stops every worker: it sends Stop, closes the worker's stdin, waits
// up to Config.StopGrace (2 s by default) for it to exit, then kills its
// process group; it reaps every worker before returning. A Run in progress is ended first
// (its workers are killed). Close is idempotent: later calls return the
// first call's error, which reports workers that had to be killed or that
// exited with a failure status (unless the pool had already failed).
func (p *Pool) Close() error {
	p.closeOnce.Do(func() {
		if !p.runMu.TryLock() {
			p.cancel(errPoolClosed) // ends the Run: its workers are killed
			p.runMu.Lock()
		}
		defer p.runMu.Unlock()
		p.closed = true
		errs := make([]error, len(p.procs))
		var wg sync.WaitGroup
		for i, w := range p.procs {
			wg.Go(func() { errs[i] = p.stop(w) })
		}
		wg.Wait()
		p.cancel(errPoolClosed)
		if p.broken == nil {
			p.closeErr = errors.Join(errs...)
		}
	})
	return p.closeErr
}

// stop ends one worker gracefully if it still runs, and releases it.
func (p *Pool) stop(w *proc) error {
	defer w.release()
	if !w.alive() {
		return p.checkExit(w)
	}
	_ = w.send(&Message{V: ProtocolVersion, Type: Stop}) // a dead worker's EPIPE is reported by its exit below
	w.closeStdin()
	grace := p.cfg.StopGrace
	if grace == 0 {
		grace = stopGrace
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-w.exited:
		return p.checkExit(w)
	case <-t.C:
		w.kill(fmt.Sprintf("did not exit within %v of stop", grace))
		<-w.exited
		return fmt.Errorf("%s: %s: did not exit within %v of stop and was killed; stderr: %q", p.name, w.name(), grace, w.stderr.String())
	}
}

// checkExit reports a reaped worker that exited with a failure status or
// died of a signal the pool did not send.
func (p *Pool) checkExit(w *proc) error {
	<-w.exited
	w.mu.Lock()
	reason := w.killReason
	w.mu.Unlock()
	if reason != "" || (w.state != nil && w.state.Success()) {
		return nil
	}
	return fmt.Errorf("%s: %s: %s; stderr: %q", p.name, w.name(), describeExit(w.state, w.waitErr, reason), w.stderr.String())
}
