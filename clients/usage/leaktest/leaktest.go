// Package leaktest checks, from a test, that the code under test leaves no
// open files and no child processes behind. It reads /proc and skips the
// test where /proc is missing.
package leaktest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// FastHTTPCleaners are the goleak options that ignore fasthttp's known
// background goroutines, by name: they end on their own some seconds after
// their client goes idle, and nothing can stop them sooner. Use them in
// goleak.VerifyTestMain of every package whose tests run fasthttp.
func FastHTTPCleaners() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"),
	}
}

// settle bounds how long WaitFDs and WaitNoChildren wait for asynchronous
// clean-up (the runtime's poller closing sockets, a child being reaped).
const settle = 10 * time.Second

// OpenFDs returns how many file descriptors this process has open.
func OpenFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("leaktest: cannot count open files: %v", err)
	}
	return len(ents)
}

// WaitFDs waits until at most max descriptors are open, and fails the test
// if that does not happen within a generous bound.
func WaitFDs(t testing.TB, max int, what string) {
	t.Helper()
	deadline := time.Now().Add(settle)
	for {
		n := OpenFDs(t)
		if n <= max {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d files open, want at most %d as before", what, n, max)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Children returns the pids of this process's children, zombies included
// (an unreaped child is a leak too).
func Children(t testing.TB) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		t.Skipf("leaktest: cannot list processes: %v", err)
	}
	self := os.Getpid()
	var out []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // exited meanwhile
		}
		if pid, ppid, _, ok := ParseStat(b); ok && ppid == self {
			out = append(out, pid)
		}
	}
	return out
}

// WaitNoChildren waits until this process has no children, and fails the
// test, naming them, if some are left after a generous bound.
func WaitNoChildren(t testing.TB, what string) {
	t.Helper()
	deadline := time.Now().Add(settle)
	for {
		c := Children(t)
		if len(c) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: child processes left: %v", what, c)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ParseStat returns the pid, parent pid and state ('R', 'S', 'Z', …) from
// the contents of a /proc/<pid>/stat file, whose command name may hold
// spaces and parentheses.
func ParseStat(b []byte) (pid, ppid int, state byte, ok bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return 0, 0, 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:open])))
	if err != nil {
		return 0, 0, 0, false
	}
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	if err != nil {
		return 0, 0, 0, false
	}
	return pid, ppid, fields[0][0], true
}
