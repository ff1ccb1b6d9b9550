package usage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Interval limits of a Sampler.
const (
	MinInterval = time.Millisecond
	MaxInterval = time.Minute
)

// Usage is the resource use of one process, or of several added up, over a
// period such as one batch. Peaks are the largest values sampled (and, for
// RSS, the kernel's own high-water mark); added up over processes, they
// are the sum of each process's peak, an upper bound on the peak of the
// sum.
type Usage struct {
	// Procs is the number of processes added up.
	Procs int64 `json:"procs"`
	// PeakRSS is the peak resident set size in bytes.
	PeakRSS int64 `json:"peak_rss"`
	// PeakHeap is the peak of the Go heap's object bytes (live and not
	// yet swept), from runtime/metrics.
	PeakHeap int64 `json:"peak_heap"`
	// PeakGoroutines is the peak goroutine count, not counting the
	// sampler's own goroutine.
	PeakGoroutines int64 `json:"peak_goroutines"`
	// PeakFDs is the peak count of open file descriptors.
	PeakFDs int64 `json:"peak_fds"`
	// PeakThreads is the peak count of OS threads.
	PeakThreads int64 `json:"peak_threads"`
	// CPU is the user + system CPU time the process(es) used in the period.
	CPU time.Duration `json:"cpu_ns"`
	// Samples is how many samples were taken.
	Samples int64 `json:"samples"`
}

// Add adds o's figures to u, as for processes that ran side by side.
func (u *Usage) Add(o Usage) {
	u.Procs += o.Procs
	u.PeakRSS += o.PeakRSS
	u.PeakHeap += o.PeakHeap
	u.PeakGoroutines += o.PeakGoroutines
	u.PeakFDs += o.PeakFDs
	u.PeakThreads += o.PeakThreads
	u.CPU += o.CPU
	u.Samples += o.Samples
}

// Max raises each peak of u to o's where o's is higher and adds o's CPU
// and samples, as for periods of one process that ran one after the other.
func (u *Usage) Max(o Usage) {
	u.Procs = max(u.Procs, o.Procs)
	u.PeakRSS = max(u.PeakRSS, o.PeakRSS)
	u.PeakHeap = max(u.PeakHeap, o.PeakHeap)
	u.PeakGoroutines = max(u.PeakGoroutines, o.PeakGoroutines)
	u.PeakFDs = max(u.PeakFDs, o.PeakFDs)
	u.PeakThreads = max(u.PeakThreads, o.PeakThreads)
	u.CPU += o.CPU
	u.Samples += o.Samples
}

// Validate reports a negative figure, or figures without samples.
func (u Usage) Validate() error {
	if u.Procs < 0 || u.PeakRSS < 0 || u.PeakHeap < 0 || u.PeakGoroutines < 0 || u.PeakFDs < 0 || u.PeakThreads < 0 || u.CPU < 0 || u.Samples < 0 {
		return fmt.Errorf("usage: negative figure in %+v", u)
	}
	if u.Procs > 0 && u.Samples < u.Procs {
		return fmt.Errorf("usage: %d processes but only %d samples", u.Procs, u.Samples)
	}
	return nil
}

// The runtime/metrics a Sampler reads.
const (
	metricHeap       = "/memory/classes/heap/objects:bytes"
	metricGoroutines = "/sched/goroutines:goroutines"
)

// fdCostFactor spaces open-file counts: after a count that took t of CPU
// time, the next one waits fdCostFactor × t (at most maxFDGap), so
// counting costs about 1/fdCostFactor of a core. Reading /proc/self/fd is the one expensive
// figure: about 3.6 ms with 10,000 open files on a 2-core VM.
const fdCostFactor = 50

// maxFDGap bounds the time between two open-file counts, whatever they
// cost: the peak of open files lasts about as long as a request's delay,
// and must not be missed.
const maxFDGap = 250 * time.Millisecond

// ownFiles is how many descriptors a Sampler holds open itself.
const ownFiles = 2

// newSampler returns a Sampler with its /proc files open.
func newSampler() (*Sampler, error) {
	s := &Sampler{
		buf:   make([]byte, 64<<10),
		ms:    []metrics.Sample{{Name: metricHeap}, {Name: metricGoroutines}},
		fdDir: -1,
	}
	s.u.Procs = 1
	fd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("usage: open /proc/self/fd: %w", err)
	}
	s.fdDir = fd
	if s.status, err = os.Open("/proc/self/status"); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("usage: %w", err)
	}
	return s, nil
}

// closeFiles closes the Sampler's /proc files.
func (s *Sampler) closeFiles() {
	if s.fdDir >= 0 {
		_ = unix.Close(s.fdDir)
		s.fdDir = -1
	}
	if s.status != nil {
		_ = s.status.Close()
		s.status = nil
	}
}

// countFDs counts this process's open files, not the Sampler's own, and
// returns the CPU time the count took on its thread (not the wall time: on
// a busy machine the sampler waits for a CPU, which costs nothing).
func (s *Sampler) countFDs() (int, time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := threadCPU()
	n, err := countDir(s.fdDir, s.buf)
	if err != nil {
		err = fmt.Errorf("usage: read /proc/self/fd: %w", err)
	}
	return n - ownFiles, threadCPU() - t0, err
}

// threadCPU returns the calling thread's user + system CPU time, 0 if it
// cannot be read.
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Sampler samples this process's resource use every interval until Stop.
// Open files are counted less often when counting them is slow (see
// fdCostFactor), but always in the first and the last sample.
type Sampler struct {
	interval  time.Duration
	stop      chan struct{}
	done      chan struct{}
	cpu0      time.Duration
	peakReset error // why the kernel's peak RSS could not be restarted, if so

	mu     sync.Mutex // guards u, err, buf, ms, fdNext and the files below
	u      Usage
	err    error
	buf    []byte
	ms     []metrics.Sample
	fdNext time.Time // no open-file count before this time
	// /proc/self/fd and /proc/self/status, opened once, so that sampling
	// still works when the process has run out of file descriptors (as a
	// client holding too many connections does); -1 / nil until opened.
	fdDir  int
	status *os.File

	stopOnce sync.Once
}

// Start restarts this process's peak RSS (ResetPeak), takes a first sample
// and samples every interval (MinInterval..MaxInterval) until Stop.
func Start(interval time.Duration) (*Sampler, error) {
	if interval < MinInterval || interval > MaxInterval {
		return nil, fmt.Errorf("usage: sampling interval %v: want %v..%v", interval, MinInterval, MaxInterval)
	}
	cpu0, err := SelfCPU()
	if err != nil {
		return nil, err
	}
	s, err := newSampler()
	if err != nil {
		return nil, err
	}
	s.interval, s.stop, s.done, s.cpu0 = interval, make(chan struct{}), make(chan struct{}), cpu0
	s.peakReset = ResetPeak(Self)
	s.sample(0, true)
	go s.loop()
	return s, nil
}

func (s *Sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.sample(1, false) // this goroutine is running
		case <-s.stop:
			return
		}
	}
}

// sample takes one sample; own is how many of the goroutines are the
// sampler's. Open files are counted when countFDs is set or the last count
// is long enough ago.
func (s *Sampler) sample(own int64, countFDs bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	metrics.Read(s.ms)
	if v := s.ms[0].Value; v.Kind() == metrics.KindUint64 {
		s.u.PeakHeap = max(s.u.PeakHeap, int64(v.Uint64()))
	}
	if v := s.ms[1].Value; v.Kind() == metrics.KindUint64 {
		s.u.PeakGoroutines = max(s.u.PeakGoroutines, int64(v.Uint64())-own)
	}
	p, err := s.readStatus()
	if err == nil {
		s.u.PeakRSS = max(s.u.PeakRSS, p.RSS)
		s.u.PeakThreads = max(s.u.PeakThreads, p.Threads)
	}
	var ferr error
	if now := time.Now(); countFDs || !now.Before(s.fdNext) {
		var fds int
		var cost time.Duration
		fds, cost, ferr = s.countFDs()
		if ferr == nil {
			s.u.PeakFDs = max(s.u.PeakFDs, int64(fds))
		}
		s.fdNext = now.Add(min(fdCostFactor*cost, maxFDGap))
	}
	if s.err == nil {
		s.err = errors.Join(err, ferr)
	}
	s.u.Samples++
}

// readStatus reads this process's status file (from the start of the file
// the Sampler keeps open). It is called with s.mu held.
func (s *Sampler) readStatus() (Proc, error) {
	var p Proc
	n, err := s.status.ReadAt(s.buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("usage: read /proc/self/status: %w", err)
	}
	p.RSS, p.PeakRSS, p.Threads, err = parseStatus(s.buf[:n])
	if err != nil {
		return p, fmt.Errorf("usage: /proc/self/status: %w", err)
	}
	return p, nil
}

// Stop ends the sampling, takes a last sample and returns the usage since
// Start: the peaks, with the kernel's peak RSS (VmHWM) when it could be
// restarted at Start, and the CPU time used. The error reports a figure
// that could not be read. Stop is idempotent.
func (s *Sampler) Stop() (Usage, error) {
	s.stopOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.sample(0, true)
		cpu, err := SelfCPU()
		s.mu.Lock()
		defer s.mu.Unlock()
		p, serr := s.readStatus()
		s.closeFiles()
		if err == nil {
			s.u.CPU = cpu - s.cpu0
		}
		if serr == nil && s.peakReset == nil {
			s.u.PeakRSS = max(s.u.PeakRSS, p.PeakRSS)
		}
		if s.err == nil {
			s.err = errors.Join(err, serr)
		}
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.u, s.err
}

// Now returns this process's current figures as a Usage of one sample
// (its peaks are the current values; CPU is zero). Unlike Start it leaves
// the kernel's peak RSS alone.
func Now() (Usage, error) {
	s, err := newSampler()
	if err != nil {
		return Usage{}, err
	}
	s.sample(0, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeFiles()
	return s.u, s.err
}
