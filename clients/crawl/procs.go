package crawl

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

// The environment that marks a crawl worker process.
const (
	workerEnv  = "CRAWLBENCH_ROLE"
	workerRole = "crawlworker"
	// readyTimeout bounds a worker's start-up (and calibration).
	readyTimeout = 30 * time.Second
	stderrTail   = 16 << 10
)

// IsWorker reports whether this process is a crawl worker started by
// ProcsFanout.
func IsWorker() bool { return os.Getenv(workerEnv) == workerRole }

// toWorker is a message from the parent: the first carries Config; then
// URLs for the worker's hosts; finally Stop.
type toWorker struct {
	Config *Config  `json:",omitempty"`
	Index  int      `json:",omitempty"`
	Procs  int      `json:",omitempty"`
	URLs   []string `json:",omitempty"`
	Stop   bool     `json:",omitempty"`
}

// fromWorker is a message from a worker: Ready once calibrated; Links for
// other workers' hosts; Idle (with the count of URL messages received)
// when its frontier is empty and nothing is in flight; the final Result
// after Stop. Every message carries the pages fetched so far.
type fromWorker struct {
	Ready  bool     `json:",omitempty"`
	Links  []string `json:",omitempty"`
	Pages  int64
	Idle   bool    `json:",omitempty"`
	Recv   int64   `json:",omitempty"`
	Result *Result `json:",omitempty"`
	Err    string  `json:",omitempty"`
}

// worker is the parent's handle on one worker process.
type worker struct {
	index  int
	cmd    *exec.Cmd
	in     io.WriteCloser
	enc    *json.Encoder
	stderr *tail.Buffer
	sent   int64 // URL messages sent
	idle   bool
	pages  int64
	result *Result
}

type event struct {
	w   *worker
	m   fromWorker
	err error
}

// ProcsFanout crawls with Config.Procs worker processes, host h owned by
// process h mod P, each a net/http fan-out of ⌈c/P⌉ goroutines; links to
// another process's hosts are routed through the parent. With MaxPages the
// crawl stops once the workers report that many pages: the pages they
// fetch before the Stop reaches them come on top (not exact, unlike the
// in-process strategies). Elapsed and CPU count from the
// moment every worker is ready (start-up and calibration excluded; a
// worker skips calibrating when Config.Burner is set).
func ProcsFanout(ctx context.Context, cfg Config) (*Result, error) {
	name := strategy.ProcsFanout
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%s: finding this executable: %w", name, err)
	}
	events := make(chan event, 16*cfg.Procs)
	// The workers' readers outlive ctx's cancellation (the workers still
	// send their Results) and end when this returns.
	readers, stopReaders := context.WithCancel(context.Background())
	defer stopReaders()
	var ws []*worker
	defer func() {
		stopReaders()
		for _, w := range ws {
			_ = w.in.Close()
		}
		for _, w := range ws {
			timer := time.AfterFunc(5*time.Second, func() { _ = w.cmd.Process.Kill() })
			_ = w.cmd.Wait()
			timer.Stop()
		}
	}()
	for i := range cfg.Procs {
		w, err := startWorker(readers, exe, i, cfg, events)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		ws = append(ws, w)
	}
	fail := func(w *worker, err error) error {
		return fmt.Errorf("%s: worker %d (pid %d): %w; stderr: %s", name, w.index, w.cmd.Process.Pid, err, w.stderr.String())
	}
	// Wait for every worker's Ready.
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	for ready := 0; ready < len(ws); {
		select {
		case ev := <-events:
			if ev.err != nil || !ev.m.Ready {
				return nil, fail(ev.w, errors.Join(ev.err, fmt.Errorf("want Ready, got %+v", ev.m)))
			}
			ready++
		case <-timer.C:
			return nil, fmt.Errorf("%s: workers not ready within %v", name, readyTimeout)
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: starting workers: %w", name, ctx.Err())
		}
	}
	cpu0, err := processCPU()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	allow := cfg.allowMap()
	send := func(w *worker, m toWorker) error {
		if err := w.enc.Encode(m); err != nil {
			return fail(w, fmt.Errorf("sending: %w", err))
		}
		return nil
	}
	route := func(urls []string) error {
		parts := make([][]string, len(ws))
		for _, u := range urls {
			h, _ := hostOf(u, allow)
			parts[h%len(ws)] = append(parts[h%len(ws)], u)
		}
		for i, p := range parts {
			if len(p) == 0 {
				continue
			}
			ws[i].sent++
			ws[i].idle = false
			if err := send(ws[i], toWorker{URLs: p}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := route([]string{cfg.Start}); err != nil {
		return nil, err
	}
	stopping := false
	stop := func() error {
		stopping = true
		for _, w := range ws {
			if err := send(w, toWorker{Stop: true}); err != nil {
				return err
			}
		}
		return nil
	}
	finals := 0
	for finals < len(ws) {
		var ev event
		select {
		case ev = <-events:
		case <-ctx.Done():
			if !stopping {
				if err := stop(); err != nil {
					return nil, err
				}
			}
			ev = <-events
		}
		w := ev.w
		if ev.err != nil {
			return nil, fail(w, ev.err)
		}
		if ev.m.Err != "" {
			return nil, fail(w, errors.New(ev.m.Err))
		}
		w.pages = ev.m.Pages
		if ev.m.Result != nil {
			w.result = ev.m.Result
			finals++
			continue
		}
		if len(ev.m.Links) > 0 && !stopping {
			if err := route(ev.m.Links); err != nil {
				return nil, err
			}
		}
		if ev.m.Idle && ev.m.Recv == w.sent {
			w.idle = true
		}
		if stopping {
			continue
		}
		all, pages := true, int64(0)
		for _, x := range ws {
			all = all && x.idle
			pages += x.pages
		}
		if all || (cfg.MaxPages > 0 && pages >= int64(cfg.MaxPages)) {
			if err := stop(); err != nil {
				return nil, err
			}
		}
	}
	res := newResult(name)
	res.Elapsed = time.Since(start)
	cpu1, err := processCPU()
	if err != nil {
		return nil, err
	}
	res.CPU = cpu1 - cpu0
	for _, w := range ws {
		res.merge(w.result)
		res.CPU += w.result.CPU
	}
	return res, nil
}

// startWorker starts worker i and sends it the configuration; its
// messages arrive on events.
func startWorker(ctx context.Context, exe string, i int, cfg Config, events chan<- event) (*worker, error) {
	cmd := exec.Command(exe) // not CommandContext: a canceled crawl stops its workers with Stop, and counts
	cmd.Env = append(os.Environ(), workerEnv+"="+workerRole)
	if cfg.WorkerGOMAXPROCS > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(cfg.WorkerGOMAXPROCS))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	w := &worker{index: i, cmd: cmd, stderr: tail.New(stderrTail), idle: true}
	cmd.Stderr = w.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("worker %d: %w", i, err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("worker %d: %w", i, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting worker %d: %w", i, err)
	}
	w.in, w.enc = in, json.NewEncoder(in)
	wc := cfg // with the caller's Burner, if any: the workers then skip calibrating
	if err := w.enc.Encode(toWorker{Config: &wc, Index: i, Procs: cfg.Procs}); err != nil {
		return w, fmt.Errorf("worker %d: sending its configuration: %w", i, err)
	}
	go func() {
		dec := json.NewDecoder(bufio.NewReaderSize(out, 64<<10))
		for {
			var m fromWorker
			if err := dec.Decode(&m); err != nil {
				if errors.Is(err, io.EOF) {
					err = fmt.Errorf("worker exited: %w", io.ErrUnexpectedEOF)
				}
				select {
				case events <- event{w: w, err: err}:
				case <-ctx.Done():
				}
				return
			}
			select {
			case events <- event{w: w, m: m}:
			case <-ctx.Done():
				return
			}
			if m.Result != nil || m.Err != "" {
				return
			}
		}
	}()
	return w, nil
}

// WorkerMain runs a crawl worker on stdin/stdout and returns its exit
// status. Call it first thing in main or TestMain:
//
//	if crawl.IsWorker() { os.Exit(crawl.WorkerMain()) }
func WorkerMain() int {
	_ = os.Unsetenv(workerEnv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	enc := json.NewEncoder(out)
	sendMsg := func(m fromWorker) error {
		if err := enc.Encode(m); err != nil {
			return err
		}
		return out.Flush()
	}
	if err := worker1(ctx, os.Stdin, sendMsg); err != nil {
		_ = sendMsg(fromWorker{Err: err.Error()})
		fmt.Fprintln(os.Stderr, "crawl worker:", err)
		return 1
	}
	return 0
}

// worker1 is a worker's life: configuration, Ready, crawl, Result.
func worker1(ctx context.Context, stdin io.Reader, send func(fromWorker) error) error {
	dec := json.NewDecoder(bufio.NewReaderSize(stdin, 64<<10))
	var first toWorker
	if err := dec.Decode(&first); err != nil || first.Config == nil {
		return fmt.Errorf("reading the configuration: %v", err)
	}
	p, index := first.Procs, first.Index
	cfg := *first.Config
	cfg.Concurrency = (cfg.Concurrency + p - 1) / p
	cfg.MaxPages = 0 // the parent counts
	cfg, b, err := prepare(cfg)
	if err != nil {
		return err
	}
	f := newNetFetcher(cfg)
	defer f.close()
	e := newEngine(cfg, f, b, strategy.ProcsFanout)
	e.mine = func(h int) bool { return h%p == index }
	// The inbox never blocks the pipe, so the parent's writes always
	// complete while this worker may be waiting to write its own messages.
	var (
		mu     sync.Mutex
		queue  []toWorker
		closed bool
	)
	wake := make(chan struct{}, 1)
	go func() {
		for {
			var m toWorker
			err := dec.Decode(&m)
			mu.Lock()
			if err != nil {
				closed = true
			} else {
				queue = append(queue, m)
			}
			mu.Unlock()
			select {
			case wake <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	if err := send(fromWorker{Ready: true}); err != nil {
		return err
	}
	cpu0, err := processCPU()
	if err != nil {
		return err
	}
	var recv int64
	// A worker that never receives a URL is idle from the start (the
	// parent counts it so); later it reports each time it runs dry.
	stopping, idleSent := false, true
	for {
		if ctx.Err() != nil {
			stopping = true
		}
		if !stopping {
			e.dispatch(ctx)
		}
		if len(e.foreign) > 0 {
			if err := send(fromWorker{Links: e.foreign, Pages: e.res.Pages}); err != nil {
				return err
			}
			e.foreign = nil
		}
		if e.total == 0 && e.parsing == 0 {
			if stopping {
				break
			}
			if e.queued == 0 && !idleSent {
				if err := send(fromWorker{Idle: true, Recv: recv, Pages: e.res.Pages}); err != nil {
					return err
				}
				idleSent = true
			}
		}
		select {
		case pg := <-e.results:
			e.collect(pg)
			if first.Config.MaxPages > 0 && pg.ok && !pg.fetched {
				if err := send(fromWorker{Pages: e.res.Pages}); err != nil {
					return err
				}
			}
		case <-wake:
			mu.Lock()
			msgs, eof := queue, closed
			queue = nil
			mu.Unlock()
			for _, m := range msgs {
				if m.Stop {
					stopping = true
					continue
				}
				recv++
				idleSent = false
				for _, u := range m.URLs {
					e.add(u)
				}
			}
			if eof {
				stopping = true
			}
		}
	}
	cpu1, err := processCPU()
	if err != nil {
		return err
	}
	e.res.CPU = cpu1 - cpu0
	return send(fromWorker{Result: e.res, Pages: e.res.Pages})
}
