package usage

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestParseStatus(t *testing.T) {
	const status = "Name:\tbench\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t7\nSigQ:\t0/1\n"
	rss, hwm, threads, err := parseStatus([]byte(status))
	if err != nil || rss != 100<<20 || hwm != 200<<20 || threads != 7 {
		t.Fatalf("parseStatus = %d %d %d %v; want 100 MiB, 200 MiB, 7", rss, hwm, threads, err)
	}
	for _, bad := range []string{
		"Name:\tzombie\nThreads:\t1\n", // a zombie has no Vm lines
		"VmHWM:\t1 kB\nVmRSS:\tx kB\nThreads:\t1\n",
		"VmHWM:\t1 MB\nVmRSS:\t1 kB\nThreads:\t1\n",
		"VmHWM:\t1 kB\nVmRSS:\t1 kB\nThreads:\t-1\n",
	} {
		if _, _, _, err := parseStatus([]byte(bad)); err == nil {
			t.Errorf("parseStatus(%q) succeeded", bad)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	// The command name may hold spaces and parentheses.
	stat := "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 3 0 1 2 3\n"
	cpu, err := parseStatCPU([]byte(stat))
	if err != nil || cpu != 4*time.Second {
		t.Fatalf("parseStatCPU = %v, %v; want 400 ticks = 4s", cpu, err)
	}
	for _, bad := range []string{"1234 no-parens S 1", "1 (x) S 1 2 3", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 1 0"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q) succeeded", bad)
		}
	}
}

// dirent builds one linux_dirent64 record.
func dirent(name string) []byte {
	reclen := (19 + len(name) + 1 + 7) &^ 7
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint16(b[16:], uint16(reclen))
	copy(b[19:], name)
	return b
}

func TestCountDirents(t *testing.T) {
	var b []byte
	for _, n := range []string{".", "..", "0", "1", "2", "1234"} {
		b = append(b, dirent(n)...)
	}
	if got := countDirents(b); got != 4 {
		t.Errorf("countDirents = %d, want 4 (. and .. not counted)", got)
	}
	bad := dirent("7")
	binary.NativeEndian.PutUint16(bad[16:], 3) // a record length below the header
	if got := countDirents(append(dirent("5"), bad...)); got != 1 {
		t.Errorf("countDirents with a corrupt record = %d, want 1 (stop at it)", got)
	}
}

func TestCountFDsSelf(t *testing.T) {
	before, err := CountFDs(Self, nil)
	if err != nil {
		t.Fatal(err)
	}
	var files []*os.File
	for range 25 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	after, err := CountFDs(Self, make([]byte, 4096)) // a small buffer needs several reads
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if after-before != 25 {
		t.Errorf("CountFDs went from %d to %d after opening 25 files, want +25", before, after)
	}
}

func TestReadProcChild(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep binary:", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var p Proc
	var err error
	// Until exec completes the child is a copy of this process; wait for
	// the sleep binary itself.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(procDir(cmd.Process.Pid) + "/comm")
		if strings.TrimSpace(string(b)) == "sleep" || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	p, err = ReadProc(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if p.RSS <= 0 || p.PeakRSS < p.RSS || p.Threads != 1 || p.FDs < 3 || p.CPU < 0 {
		t.Errorf("ReadProc(sleep) = %+v; want RSS > 0, peak ≥ RSS, 1 thread, ≥ 3 fds", p)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := ReadProc(cmd.Process.Pid); err == nil {
		t.Error("ReadProc of a reaped process succeeded")
	}
}

func TestResetPeak(t *testing.T) {
	// Touch 64 MiB, give it back to the OS, and the peak stays up until
	// ResetPeak brings it down to the current RSS.
	b := make([]byte, 64<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC()
	debug.FreeOSMemory()
	p, err := ReadProc(Self)
	if err != nil {
		t.Fatal(err)
	}
	if p.PeakRSS < 64<<20 || p.PeakRSS-p.RSS < 32<<20 {
		t.Skipf("peak %d and RSS %d: the heap was not returned to the OS, nothing to test", p.PeakRSS, p.RSS)
	}
	if err := ResetPeak(Self); err != nil {
		t.Fatal(err)
	}
	q, err := ReadProc(Self)
	if err != nil {
		t.Fatal(err)
	}
	if q.PeakRSS > p.RSS+16<<20 {
		t.Errorf("peak RSS after ResetPeak = %d, want about the RSS %d (was %d)", q.PeakRSS, p.RSS, p.PeakRSS)
	}
}

func TestSamplerSeesPeaks(t *testing.T) {
	base, err := CountFDs(Self, nil) // before the Sampler opens its own
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Hold 2000 goroutines, 40 files and 48 MiB of heap until after Stop,
	// whose last sample must see them.
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 2000 {
		wg.Go(func() { <-release })
	}
	var files []*os.File
	for range 40 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	heap := make([]byte, 48<<20)
	for i := 0; i < len(heap); i += 4096 {
		heap[i] = 1
	}
	u, err := s.Stop()
	runtime.KeepAlive(heap)
	close(release)
	wg.Wait()
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if u.PeakGoroutines < 2000 || u.PeakFDs < int64(base+40) || u.PeakHeap < 48<<20 || u.PeakRSS < 48<<20 ||
		u.PeakThreads < 1 || u.Samples < 2 || u.Procs != 1 || u.CPU < 0 {
		t.Errorf("usage %+v; want ≥ 2000 goroutines, ≥ %d fds, ≥ 48 MiB heap and RSS, ≥ 2 samples", u, base+40)
	}
	if again, err := s.Stop(); err != nil || again != u {
		t.Errorf("second Stop = %+v, %v; want the first result", again, err)
	}
}

func TestSamplerCountsCPU(t *testing.T) {
	s, err := Start(10 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Burn about 50 ms of CPU.
	start, x := time.Now(), 0
	for time.Since(start) < 50*time.Millisecond {
		x++
	}
	runtime.KeepAlive(x)
	u, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if u.CPU < 20*time.Millisecond {
		t.Errorf("CPU %v after spinning 50ms, want at least 20ms", u.CPU)
	}
}

func TestStartBadInterval(t *testing.T) {
	for _, d := range []time.Duration{0, time.Microsecond, 2 * time.Minute} {
		if _, err := Start(d); err == nil || !strings.Contains(err.Error(), "interval") {
			t.Errorf("Start(%v) = %v, want an interval error", d, err)
		}
	}
}

func TestUsageAddMaxJSON(t *testing.T) {
	a := Usage{Procs: 1, PeakRSS: 10, PeakHeap: 5, PeakGoroutines: 3, PeakFDs: 7, PeakThreads: 2, CPU: time.Second, Samples: 4}
	b := Usage{Procs: 1, PeakRSS: 20, PeakHeap: 1, PeakGoroutines: 9, PeakFDs: 1, PeakThreads: 5, CPU: 2 * time.Second, Samples: 6}
	sum := a
	sum.Add(b)
	if want := (Usage{Procs: 2, PeakRSS: 30, PeakHeap: 6, PeakGoroutines: 12, PeakFDs: 8, PeakThreads: 7, CPU: 3 * time.Second, Samples: 10}); sum != want {
		t.Errorf("Add = %+v, want %+v", sum, want)
	}
	m := a
	m.Max(b)
	if want := (Usage{Procs: 1, PeakRSS: 20, PeakHeap: 5, PeakGoroutines: 9, PeakFDs: 7, PeakThreads: 5, CPU: 3 * time.Second, Samples: 10}); m != want {
		t.Errorf("Max = %+v, want %+v", m, want)
	}
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"cpu_ns":3000000000`) {
		t.Errorf("JSON %s does not carry cpu_ns in nanoseconds", js)
	}
	var back Usage
	if err := json.Unmarshal(js, &back); err != nil || back != sum {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, sum)
	}
	if err := sum.Validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []Usage{{PeakRSS: -1}, {CPU: -1}, {Procs: 3, Samples: 2}} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", bad)
		}
	}
}

func TestNow(t *testing.T) {
	u, err := Now()
	if err != nil {
		t.Fatal(err)
	}
	if u.Procs != 1 || u.Samples != 1 || u.PeakRSS <= 0 || u.PeakHeap <= 0 || u.PeakGoroutines < 1 || u.PeakFDs < 3 || u.CPU != 0 {
		t.Errorf("Now() = %+v; want one sample of a live process", u)
	}
}

// Open files are counted only when the last count is long enough ago, or
// when asked (the first and last samples).
func TestSamplerSpacesFDCounts(t *testing.T) {
	s, err := newSampler()
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeFiles()
	s.sample(0, true)
	first := s.u.PeakFDs
	if first < 3 || !s.fdNext.After(time.Now().Add(-time.Second)) {
		t.Fatalf("first sample: %d fds, next count at %v", first, s.fdNext)
	}
	var files []*os.File
	for range 10 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	s.fdNext = time.Now().Add(time.Hour)
	s.sample(0, false)
	if s.u.PeakFDs != first {
		t.Errorf("a sample before the next count is due counted %d fds, want the old %d", s.u.PeakFDs, first)
	}
	s.sample(0, true)
	if s.u.PeakFDs < first+10 {
		t.Errorf("a forced count saw %d fds, want at least %d", s.u.PeakFDs, first+10)
	}
	if s.u.Samples != 3 {
		t.Errorf("%d samples, want 3", s.u.Samples)
	}
}

// The sampler keeps its /proc files open, so it still samples when the
// process has no file descriptor left, and its count leaves them out.
func TestSamplerAtFDLimit(t *testing.T) {
	s, err := Start(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	before, err := CountFDs(Self, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Lower the limit to the lowest free descriptor number, which open(2)
	// would return: now no open(2) can succeed.
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	lowest := f.Fd()
	f.Close()
	low := rl
	low.Cur = uint64(lowest)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Skip("cannot lower RLIMIT_NOFILE:", err)
	}
	_, openErr := os.Open(os.DevNull)
	u, err := s.Stop()
	if rerr := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); rerr != nil {
		t.Fatal(rerr)
	}
	if openErr == nil {
		t.Skip("open(2) still succeeds at the lowered limit")
	}
	if err != nil {
		t.Fatalf("Stop at the open-file limit: %v", err)
	}
	if u.PeakFDs < int64(before)-ownFiles || u.PeakFDs > int64(before) {
		t.Errorf("peak fds %d; want the %d open before the Sampler's own %d", u.PeakFDs, before, ownFiles)
	}
}
