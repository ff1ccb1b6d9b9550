package procpool

import (
	"fmt"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage"
)

// MaxProcs bounds Config.Procs.
const MaxProcs = 256

// MaxStopGrace bounds Config.StopGrace.
const MaxStopGrace = 10 * time.Minute

// ReadyTimeout bounds how long New* waits for a worker to answer Hello.
const ReadyTimeout = 30 * time.Second

// Timeouts of the parent side of the protocol.
const (
	// sendTimeout bounds one write to a worker's stdin.
	sendTimeout = 10 * time.Second
	// defaultCancelGrace is how long a worker may take to report a batch
	// after it was told to cancel it; then it is killed.
	defaultCancelGrace = 5 * time.Second
	// stopGrace is how long Close waits for a worker to exit after Stop,
	// unless Config.StopGrace says otherwise.
	stopGrace = 2 * time.Second
	// exitGrace is how long a failure report waits for the failing worker's
	// exit status.
	exitGrace = 2 * time.Second
)

// Split says how a batch of n requests is cut into work for the workers.
type Split int

const (
	// Even gives worker i n/P requests, the first n%P one more, as one work
	// message each.
	Even Split = iota
	// Chunked cuts the batch into chunks of ChunkSize(n, P) requests, the
	// last one possibly smaller, handed out one at a time to whichever
	// worker is free, as Python's Pool.map does.
	Chunked
)

// String returns "even" or "chunked".
func (s Split) String() string {
	switch s {
	case Even:
		return "even"
	case Chunked:
		return "chunked"
	}
	return fmt.Sprintf("Split(%d)", int(s))
}

// Plan returns the work sizes of a batch of n requests over p workers, in
// dispatch order: for Even, one share per worker (len p; zero for an idle
// worker when n < p); for Chunked, the chunk sizes.
func (s Split) Plan(n, p int) []int {
	if s == Chunked {
		return ChunkSizes(n, p)
	}
	return EvenShares(n, p)
}

// EvenShares splits n into p shares: n/p each, the first n%p one more.
func EvenShares(n, p int) []int {
	if n < 0 || p < 1 {
		return nil
	}
	out := make([]int, p)
	for i := range out {
		out[i] = n / p
		if i < n%p {
			out[i]++
		}
	}
	return out
}

// ChunkSize is the chunk size Python's Pool.map picks for n items over p
// workers: divmod(n, 4p), plus one if there is a remainder.
func ChunkSize(n, p int) int {
	if n < 1 || p < 1 {
		return 0
	}
	size, extra := n/(4*p), n%(4*p)
	if extra != 0 {
		size++
	}
	return size
}

// ChunkSizes cuts n into chunks of ChunkSize(n, p), the last one holding
// what is left.
func ChunkSizes(n, p int) []int {
	size := ChunkSize(n, p)
	if size == 0 {
		return nil
	}
	out := make([]int, 0, (n+size-1)/size)
	for left := n; left > 0; left -= size {
		out = append(out, min(size, left))
	}
	return out
}

// Config configures a worker-process strategy.
type Config struct {
	// Client configures every worker's client: Targets, Conn and Timeout.
	// Concurrency is the goroutines per worker of procs-fanout (0: each
	// worker's whole share at once); pool-even and pool-chunked workers are
	// sequential and ignore it.
	Client clients.Config
	// Procs is the number of worker processes (P), 1..MaxProcs.
	Procs int
	// Command is the worker's argv. Nil re-executes this program
	// (os.Executable()), which must call WorkerMain when IsWorker reports
	// true (see the package doc).
	Command []string
	// Env holds extra KEY=VALUE environment entries for the workers, on top
	// of this process's environment and RoleEnv=RoleWorker.
	Env []string
	// StopGrace is how long Close waits for a worker to exit after Stop
	// before it kills it; 0 means 2 s. A worker holding tens of thousands
	// of keep-alive connections takes longer to close them on a busy
	// machine. 0..MaxStopGrace.
	StopGrace time.Duration
	// Sample, if not zero, makes every worker sample its own resource use
	// (peak RSS, heap, goroutines, open files; CPU time) every Sample while
	// it runs a batch, usage.MinInterval..usage.MaxInterval, and report it
	// with its result; Pool.Usage returns it. Zero samples nothing.
	Sample time.Duration
}

// Validate reports the first invalid field of c, naming it and the accepted
// range.
func (c Config) Validate() error {
	if c.Procs < 1 || c.Procs > MaxProcs {
		return fmt.Errorf("procs: %d: want 1 to %d worker processes", c.Procs, MaxProcs)
	}
	if err := c.Client.Validate(); err != nil {
		return err
	}
	if c.Command != nil {
		if len(c.Command) == 0 || c.Command[0] == "" {
			return fmt.Errorf("command: %q: want a program and its arguments, or nil to re-execute this program", c.Command)
		}
	}
	if c.StopGrace < 0 || c.StopGrace > MaxStopGrace {
		return fmt.Errorf("stop grace: %v: want 0 (default %v) to %v", c.StopGrace, stopGrace, MaxStopGrace)
	}
	if c.Sample != 0 && (c.Sample < usage.MinInterval || c.Sample > usage.MaxInterval) {
		return fmt.Errorf("sample: %v: want 0 (off) or %v..%v", c.Sample, usage.MinInterval, usage.MaxInterval)
	}
	for i, e := range c.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return fmt.Errorf("env[%d] %q: want KEY=VALUE", i, e)
		}
	}
	return nil
}
