package openloop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

// The arrival processes of a ScheduleSpec.
const (
	ArrivalConstant = "constant"
	ArrivalPoisson  = "poisson"
)

// ScheduleSpec describes a schedule so that another process can build the
// same one: Build gives identical times everywhere.
type ScheduleSpec struct {
	Arrival  string        `json:"arrival"` // ArrivalConstant or ArrivalPoisson
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	Seed     uint64        `json:"seed,omitempty"` // Poisson only
}

// Build returns the schedule spec describes.
func (s ScheduleSpec) Build() (Schedule, error) {
	switch s.Arrival {
	case ArrivalConstant:
		return Constant(s.Rate, s.Duration)
	case ArrivalPoisson:
		return Poisson(s.Rate, s.Duration, s.Seed)
	}
	return Schedule{}, fmt.Errorf("openloop: arrival %q: want %s or %s", s.Arrival, ArrivalConstant, ArrivalPoisson)
}

// Share returns worker w's share of sched among p: requests w, w+p,
// w+2p, …, at rate sched.Rate / p. The shares of all p workers together
// are sched.
func Share(sched Schedule, w, p int) Schedule {
	var times []time.Duration
	for i := w; i < len(sched.Times); i += p {
		times = append(times, sched.Times[i])
	}
	return Schedule{Times: times, Rate: sched.Rate / float64(p), Duration: sched.Duration}
}

// WorkerEnv marks a process started by RunProcs as an open-loop worker.
const WorkerEnv = "CRAWLBENCH_OPENLOOP_WORKER"

// MaxProcs is the most worker processes RunProcs starts.
const MaxProcs = 64

// ProcsConfig configures RunProcs.
type ProcsConfig struct {
	Procs    int            // worker processes, 1..MaxProcs
	FastHTTP bool           // the workers' Doer: fasthttp, else net/http
	Client   clients.Config // the target and per-request timeout
	Conns    int            // each worker's connection pool size
	Schedule ScheduleSpec
	Run      Config // MaxInFlight is split among the workers
	// Warmup, if > 0, is the rate (req/s, split among the workers) of a
	// MinDuration constant run each worker makes before it reports ready,
	// to open its connections; the start then leaves 2 × Run.Delay for
	// the server to drain it.
	Warmup float64
	// Argv is the worker command; nil: this program (its main, or
	// TestMain, calls WorkerMain when IsWorker reports true).
	Argv []string
}

// job is what a worker is told on its stdin; start follows on a second
// line once every worker is ready.
type job struct {
	Worker, Procs int
	FastHTTP      bool
	Targets       []string
	TimeoutNS     time.Duration
	Conns         int
	Schedule      ScheduleSpec
	Run           Config
	Warmup        float64
}

// wireResult is a worker's Result on its stdout.
type wireResult struct {
	Error                          string `json:",omitempty"`
	Scheduled, Sent, OK            int64
	Dropped, Late, PeakInFlight    int64
	LastSendNS, ElapsedNS          time.Duration
	Errors                         map[clients.ErrorKind]int64
	Corrected, Uncorrected, LagHst *hdrhistogram.Snapshot
}

// IsWorker reports whether this process is a RunProcs worker.
func IsWorker() bool { return os.Getenv(WorkerEnv) == "1" }

// RunProcs is the open loop from worker processes: it starts cfg.Procs
// copies of this program, each building the same schedule and pacing its
// Share of it with its own Doer from a common wall-clock start, and merges
// their Results (histograms exactly). Each worker reads the clock where it
// sends, so the lag, and with it the corrected latency, includes all that
// delays a send in that process; no per-request message crosses a pipe.
// Worker start-up is not in the run: the start is set once all are ready.
func RunProcs(ctx context.Context, cfg ProcsConfig) (*Result, error) {
	if cfg.Procs < 1 || cfg.Procs > MaxProcs {
		return nil, fmt.Errorf("openloop: procs = %d out of range 1..%d", cfg.Procs, MaxProcs)
	}
	if err := cfg.Client.Validate(); err != nil {
		return nil, fmt.Errorf("openloop: procs: %w", err)
	}
	sched, err := cfg.Schedule.Build()
	if err != nil {
		return nil, err
	}
	if err := cfg.Run.validate(sched); err != nil {
		return nil, err
	}
	argv := cfg.Argv
	if argv == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("openloop: procs: find this program: %w", err)
		}
		argv = []string{exe}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type worker struct {
		cmd    *exec.Cmd
		in     *os.File
		out    *bufio.Reader
		stderr *tail.Buffer
	}
	ws := make([]*worker, cfg.Procs)
	defer func() {
		for _, w := range ws {
			if w != nil {
				w.in.Close()
				_ = w.cmd.Wait()
			}
		}
	}()
	runCfg := cfg.Run
	if runCfg.MaxInFlight > 0 {
		runCfg.MaxInFlight = (runCfg.MaxInFlight + cfg.Procs - 1) / cfg.Procs
	}
	for i := range ws {
		w := &worker{stderr: tail.New(4 << 10)}
		w.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
		w.cmd.Env = append(os.Environ(), WorkerEnv+"=1")
		w.cmd.Stderr = w.stderr
		w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		w.cmd.WaitDelay = 2 * time.Second
		stdin, err := w.cmd.StdinPipe()
		if err != nil {
			return nil, fmt.Errorf("openloop: worker %d: %w", i, err)
		}
		stdout, err := w.cmd.StdoutPipe()
		if err != nil {
			return nil, fmt.Errorf("openloop: worker %d: %w", i, err)
		}
		if err := w.cmd.Start(); err != nil {
			return nil, fmt.Errorf("openloop: worker %d: start %q: %w", i, argv[0], err)
		}
		w.in, w.out = stdin.(*os.File), bufio.NewReaderSize(stdout, 1<<16)
		ws[i] = w
		j := job{Worker: i, Procs: cfg.Procs, FastHTTP: cfg.FastHTTP, Targets: cfg.Client.Targets, TimeoutNS: cfg.Client.Timeout,
			Conns: cfg.Conns, Schedule: cfg.Schedule, Run: runCfg, Warmup: cfg.Warmup / float64(cfg.Procs)}
		if err := json.NewEncoder(w.in).Encode(j); err != nil {
			return nil, fmt.Errorf("openloop: worker %d (pid %d): send job: %w; stderr: %s", i, w.cmd.Process.Pid, err, w.stderr)
		}
	}
	failed := func(i int, what string, err error) error {
		cancel() // the other workers stop too
		return fmt.Errorf("openloop: worker %d (pid %d): %s: %w; stderr: %q", i, ws[i].cmd.Process.Pid, what, err, ws[i].stderr.String())
	}
	for i, w := range ws {
		line, err := w.out.ReadString('\n')
		if err != nil || line != "ready\n" {
			return nil, failed(i, "ready", errors.Join(err, fmt.Errorf("got %q", line)))
		}
	}
	start := time.Now().Add(50*time.Millisecond + 2*cfg.Run.Delay)
	for i, w := range ws {
		if _, err := fmt.Fprintf(w.in, "%d\n", start.UnixNano()); err != nil {
			return nil, failed(i, "send start", err)
		}
	}
	total := &Result{Name: "procs", TargetRate: sched.Rate, Duration: sched.Duration, Errors: map[clients.ErrorKind]int64{},
		Corrected: clients.NewHistogram(), Uncorrected: clients.NewHistogram(), Lag: clients.NewHistogram()}
	for i, w := range ws {
		var r wireResult
		if err := json.NewDecoder(w.out).Decode(&r); err != nil {
			return nil, failed(i, "read result", err)
		}
		if r.Error != "" {
			return nil, failed(i, "run", errors.New(r.Error))
		}
		total.Scheduled += r.Scheduled
		total.Sent += r.Sent
		total.OK += r.OK
		total.Dropped += r.Dropped
		total.Late += r.Late
		total.PeakInFlight += r.PeakInFlight // an upper bound: peaks need not coincide
		total.LastSend = max(total.LastSend, r.LastSendNS)
		total.Elapsed = max(total.Elapsed, r.ElapsedNS)
		for k, v := range r.Errors {
			total.Errors[k] += v
		}
		for _, h := range [][2]any{{total.Corrected, r.Corrected}, {total.Uncorrected, r.Uncorrected}, {total.Lag, r.LagHst}} {
			s, _ := h[1].(*hdrhistogram.Snapshot)
			if s == nil {
				return nil, failed(i, "read result", errors.New("a histogram is missing"))
			}
			h[0].(*hdrhistogram.Histogram).Merge(hdrhistogram.Import(s))
		}
	}
	if n := total.Scheduled; n != int64(len(sched.Times)) {
		return nil, fmt.Errorf("openloop: procs: workers scheduled %d requests, want %d", n, len(sched.Times))
	}
	return total, nil
}

// WorkerMain runs one RunProcs worker on stdin and stdout and returns the
// exit code.
func WorkerMain() int {
	if err := serveWorker(context.Background(), bufio.NewReader(os.Stdin), os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "openloop worker %d: %v\n", os.Getpid(), err)
		return 1
	}
	return 0
}

func serveWorker(ctx context.Context, in *bufio.Reader, out *os.File) error {
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read job: %w", err)
	}
	var j job
	if err := json.Unmarshal(line, &j); err != nil {
		return fmt.Errorf("decode job: %w", err)
	}
	reply := func(r wireResult) error { return json.NewEncoder(out).Encode(r) }
	sched, err := j.Schedule.Build()
	if err != nil {
		return reply(wireResult{Error: err.Error()})
	}
	share := Share(sched, j.Worker, j.Procs)
	cc := clients.Config{Targets: j.Targets, Conn: clients.Warm, Timeout: j.TimeoutNS}
	var doer Doer
	if j.FastHTTP {
		doer, err = FastHTTP(cc, j.Conns)
	} else {
		doer, err = NetHTTP(cc, j.Conns)
	}
	if err != nil {
		return reply(wireResult{Error: err.Error()})
	}
	defer doer.Close()
	if j.Warmup > 0 {
		warm, err := Constant(j.Warmup, MinDuration)
		if err != nil {
			return reply(wireResult{Error: "warm-up: " + err.Error()})
		}
		res, err := Run(ctx, doer, warm, Config{Name: "warm-up"})
		if err != nil {
			return reply(wireResult{Error: "warm-up: " + err.Error()})
		}
		if n := res.Failed(); n > 0 {
			return reply(wireResult{Error: fmt.Sprintf("warm-up: %d of %d requests failed: %v", n, res.Scheduled, res.Errors)})
		}
	}
	if _, err := fmt.Fprintln(out, "ready"); err != nil {
		return err
	}
	line, err = in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read start: %w", err)
	}
	var ns int64
	if _, err := fmt.Sscan(string(line), &ns); err != nil {
		return fmt.Errorf("decode start %q: %w", line, err)
	}
	cfg := j.Run
	cfg.FirstIndex, cfg.Stride = cfg.FirstIndex+int64(j.Worker), int64(j.Procs)
	if len(share.Times) == 0 { // more workers than requests
		return reply(wireResult{Errors: map[clients.ErrorKind]int64{},
			Corrected: clients.NewHistogram().Export(), Uncorrected: clients.NewHistogram().Export(), LagHst: clients.NewHistogram().Export()})
	}
	res, err := RunAt(ctx, time.Unix(0, ns), doer, share, cfg)
	if err != nil {
		return reply(wireResult{Error: err.Error()})
	}
	return reply(wireResult{Scheduled: res.Scheduled, Sent: res.Sent, OK: res.OK, Dropped: res.Dropped, Late: res.Late,
		PeakInFlight: res.PeakInFlight, LastSendNS: res.LastSend, ElapsedNS: res.Elapsed, Errors: res.Errors,
		Corrected: res.Corrected.Export(), Uncorrected: res.Uncorrected.Export(), LagHst: res.Lag.Export()})
}
