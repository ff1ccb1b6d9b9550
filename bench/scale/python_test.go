package scale

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage"
)

// pidder is a client running in a process of its own (a py-* strategy's
// Python worker, package clients/pyclient), whose descendants are its
// other processes.
type pidder interface{ Pid() int }

// pyUsage measures the Python processes of a py-* client, which are not
// this test binary: usage.Sampler cannot see them. Over the timed loop it
// gives their summed peak RSS (VmHWM, reset when the loop starts), their
// CPU time, and the sums of their open files and threads, sampled every
// interval (so peaks between samples are missed, as for the Go rows).
// A Python process has no goroutines and no Go heap: those metrics are
// absent for its rows, never zero.
type pyUsage struct {
	pid      int
	baseRSS  int64 // the idle processes' RSS, when the client has started
	cpu0     time.Duration
	interval time.Duration

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	mu          sync.Mutex
	peakFDs     int64
	peakThreads int64
	procs       int
	err         error
}

// newPyUsage returns the measurer of cl's processes, or nil when cl is not
// a Python client. It records their idle RSS.
func newPyUsage(cl clients.Client, interval time.Duration) (*pyUsage, error) {
	p, ok := cl.(pidder)
	if !ok {
		return nil, nil
	}
	u := &pyUsage{pid: p.Pid(), interval: interval}
	procs, err := u.read()
	if err != nil {
		return nil, err
	}
	for _, pr := range procs {
		u.baseRSS += pr.RSS
	}
	return u, nil
}

// processTree returns pid and its descendants, from
// /proc/PID/task/TID/children.
func processTree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", out[i])) // the pattern is valid
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue // the task ended
			}
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// read returns what /proc says of every process of the tree; one that
// ended since it was listed is left out, any other error returned.
func (u *pyUsage) read() ([]usage.Proc, error) {
	var out []usage.Proc
	for _, pid := range processTree(u.pid) {
		p, err := usage.ReadProc(pid)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("python worker pid %d: %w", pid, err)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("python worker pid %d: gone", u.pid)
	}
	return out, nil
}

// begin resets the processes' peak RSS, notes their CPU time and starts
// sampling.
func (u *pyUsage) begin() error {
	for _, pid := range processTree(u.pid) {
		if err := usage.ResetPeak(pid); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("python worker pid %d: %w", pid, err)
		}
	}
	procs, err := u.read()
	if err != nil {
		return err
	}
	for _, p := range procs {
		u.cpu0 += p.CPU
	}
	u.stop, u.done = make(chan struct{}), make(chan struct{})
	go u.loop()
	return nil
}

func (u *pyUsage) loop() {
	defer close(u.done)
	t := time.NewTicker(u.interval)
	defer t.Stop()
	for {
		u.sample()
		select {
		case <-u.stop:
			return
		case <-t.C:
		}
	}
}

// sample adds one sample of the summed open files and threads.
func (u *pyUsage) sample() {
	procs, err := u.read()
	u.mu.Lock()
	defer u.mu.Unlock()
	if err != nil {
		if u.err == nil {
			u.err = err
		}
		return
	}
	var fds, threads int64
	for _, p := range procs {
		fds += p.FDs
		threads += p.Threads
	}
	u.peakFDs, u.peakThreads, u.procs = max(u.peakFDs, fds), max(u.peakThreads, threads), max(u.procs, len(procs))
}

// end stops sampling (idempotent) and returns the processes' summed peak
// RSS and the CPU they used since begin.
func (u *pyUsage) end() (peakRSS int64, cpu time.Duration, err error) {
	u.stopOnce.Do(func() {
		if u.stop != nil {
			close(u.stop)
			<-u.done
		}
	})
	procs, err := u.read()
	if err != nil {
		return 0, 0, err
	}
	for _, p := range procs {
		peakRSS += p.PeakRSS
		cpu += p.CPU
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return peakRSS, cpu - u.cpu0, u.err
}

// TestScalePython runs the Python scale rows small (50 in flight, d =
// 20 ms), warm and cold: 0 errors, the whole batch in flight at the
// server, and the Python processes' usage measured, with the metrics that
// do not exist for Python absent.
func TestScalePython(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and Python workers")
	}
	const n, d = 50, 20 * time.Millisecond
	for _, name := range []string{strategy.PyAioHTTP, strategy.PyProcsAioHTTP} {
		desc, _ := strategy.Lookup(name)
		if err := pyclient.Check(t.Context(), config.runner.Python(), desc.PyKind); err != nil {
			t.Skipf("%s: %v", name, err)
		}
		for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
			var failed bool
			r := testing.Benchmark(func(b *testing.B) {
				srv := startServers(b, n, d)
				runScale(b, srv, scaleCase{strategy: name, conn: conn, n: n, d: d, procs: 2})
				failed = b.Failed()
			})
			if failed || r.N < 1 {
				t.Fatalf("%s %v: benchmark failed (N = %d)", name, conn, r.N)
			}
			m := r.Extra
			procs := 1.0
			if desc.Procs {
				procs = 3
			}
			_, hasCPU := m["cpu-ms-per-1k"]
			switch {
			case m["errors"] != 0:
				t.Errorf("%s %v: %v errors", name, conn, m["errors"])
			case m["srv-inflight"] != n:
				t.Errorf("%s %v: server held %v at once, want all %d", name, conn, m["srv-inflight"], n)
			case m["rss-B"] <= 0 || !hasCPU || m["client-procs"] != procs:
				t.Errorf("%s %v: rss %v, cpu present %v, %v client processes; want > 0, true, %v", name, conn, m["rss-B"], hasCPU, m["client-procs"], procs)
			case conn == clients.Warm && m["fds"] < n:
				t.Errorf("%s warm: the Python processes held %v open files, want at least one per kept connection (%d)", name, m["fds"], n)
			}
			for _, absent := range []string{"goroutines", "heap-per-req-B"} {
				if v, ok := m[absent]; ok {
					t.Errorf("%s %v: %s = %v reported for Python processes, which have none", name, conn, absent, v)
				}
			}
		}
	}
}
