package usage

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Sched is what the kernel's scheduler counted for a set of threads, at
// nanosecond resolution (the CPU times in /proc/<pid>/stat count 10 ms
// ticks).
type Sched struct {
	Run  time.Duration // on a CPU
	Wait time.Duration // runnable, waiting on a run queue
}

// Sub returns s − o.
func (s Sched) Sub(o Sched) Sched {
	return Sched{Run: s.Run - o.Run, Wait: s.Wait - o.Wait}
}

// ReadSched adds up /proc/<pid>/task/*/schedstat: every thread of pid (a
// thread that exits between two readings takes its counts with it).
func ReadSched(pid int) (Sched, error) {
	var s Sched
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return s, fmt.Errorf("usage: threads of pid %d: %w", pid, err)
	}
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue // the thread exited
		}
		run, wait, err := ParseSchedstat(string(b))
		if err != nil {
			return s, fmt.Errorf("usage: pid %d thread %s: %w", pid, t.Name(), err)
		}
		s.Run += run
		s.Wait += wait
	}
	return s, nil
}

// SumSched adds up ReadSched over pids.
func SumSched(pids []int) (Sched, error) {
	var s Sched
	for _, pid := range pids {
		p, err := ReadSched(pid)
		if err != nil {
			return s, err
		}
		s.Run += p.Run
		s.Wait += p.Wait
	}
	return s, nil
}

// ParseSchedstat parses a schedstat line: "<run ns> <wait ns> <slices>".
func ParseSchedstat(line string) (run, wait time.Duration, err error) {
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
