package breakdown

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// schedstat is what the kernel's scheduler counted for a set of threads.
type schedstat struct {
	run  time.Duration // on a CPU
	wait time.Duration // runnable, waiting on a run queue
}

func (s schedstat) sub(o schedstat) schedstat {
	return schedstat{run: s.run - o.run, wait: s.wait - o.wait}
}

// readSchedstat adds up /proc/<pid>/task/*/schedstat: every thread of pid
// (a thread that exits between two readings takes its counts with it).
func readSchedstat(pid int) (schedstat, error) {
	var s schedstat
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return s, fmt.Errorf("breakdown: threads of pid %d: %w", pid, err)
	}
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue // the thread exited
		}
		run, wait, err := parseSchedstat(string(b))
		if err != nil {
			return s, fmt.Errorf("breakdown: pid %d thread %s: %w", pid, t.Name(), err)
		}
		s.run += run
		s.wait += wait
	}
	return s, nil
}

// parseSchedstat parses a schedstat line: "<run ns> <wait ns> <slices>".
func parseSchedstat(line string) (run, wait time.Duration, err error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("schedstat %q: want run and wait nanoseconds", line)
	}
	r, err1 := strconv.ParseInt(f[0], 10, 64)
	w, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || r < 0 || w < 0 {
		return 0, 0, fmt.Errorf("schedstat %q: want non-negative integers", line)
	}
	return time.Duration(r), time.Duration(w), nil
}

// sumSchedstat adds up readSchedstat over pids.
func sumSchedstat(pids []int) (schedstat, error) {
	var s schedstat
	for _, pid := range pids {
		p, err := readSchedstat(pid)
		if err != nil {
			return s, err
		}
		s.run += p.run
		s.wait += p.wait
	}
	return s, nil
}

// selfRusage returns this process's user and system CPU time.
func selfRusage() (user, sys time.Duration, err error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, fmt.Errorf("breakdown: getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), nil
}
