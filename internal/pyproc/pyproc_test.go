package pyproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const python = "/usr/bin/python3"

// needPython skips the test without Debian's interpreter.
func needPython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no %s: install python3", python)
	}
}

// echo answers each line with the kind classify gives an exception named
// by it, and "stop" by exiting.
const echo = `
import errno, socket
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("type") == "stop":
        break
    exc = {"refused": ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
           "timeout": socket.timeout("timed out"),
           "reset": OSError("Server disconnected")}[msg["exc"]]
    out({"kind": classify(exc)})
`

func start(t *testing.T, script string) *Proc {
	t.Helper()
	needPython(t)
	p, err := Start(python, script, "test program")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Release()
		leaktest.WaitNoChildren(t, "test program")
	})
	return p
}

// TestRoundTrip: lines go both ways, the prelude's out and classify work,
// and a stop ends the process with status 0.
func TestRoundTrip(t *testing.T) {
	p := start(t, echo)
	for _, kind := range []string{"refused", "timeout", "reset"} {
		if err := p.Send(map[string]string{"exc": kind}); err != nil {
			t.Fatal(err)
		}
		b, err := p.Receive(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.TrimSpace(string(b)), `{"kind":"`+kind+`"}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if err := p.Stop(map[string]string{"type": "stop"}, 5*time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if s := p.Status(); s != "exited with status 0" {
		t.Errorf("Status = %q", s)
	}
}

// TestNoAnswer: a context that ends first gives ErrNoAnswer with its cause.
func TestNoAnswer(t *testing.T) {
	p := start(t, "import time\ntime.sleep(60)\n")
	ctx, cancel := context.WithCancelCause(t.Context())
	cause := errors.New("given up")
	cancel(cause)
	_, err := p.Receive(ctx)
	if !errors.Is(err, ErrNoAnswer) || !errors.Is(err, cause) || !strings.Contains(err.Error(), "python test program") {
		t.Errorf("Receive = %v, want ErrNoAnswer naming the program, wrapping the cause", err)
	}
	if s := p.Status(); s != "still running" {
		t.Errorf("Status = %q, want still running", s)
	}
}

// TestStopFailures: a process that exits non-zero on stop is reported with
// its status and stderr; one that ignores stop is reported still running
// and Release kills it.
func TestStopFailures(t *testing.T) {
	p := start(t, "sys.stdin.readline()\nsys.stderr.write('bad end\\n')\nsys.exit(3)\n")
	err := p.Stop("stop", 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "bad end") {
		t.Errorf("Stop = %v, want the exit status and stderr", err)
	}
	q := start(t, "import time\nwhile True: time.sleep(1)\n")
	err = q.Stop("stop", 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("Stop = %v, want still running", err)
	}
	q.Release()
	if s := q.Status(); !strings.Contains(s, "killed") {
		t.Errorf("after Release, Status = %q, want killed", s)
	}
}

// TestGroupKilled: Release kills what the program forked, not only the
// program.
func TestGroupKilled(t *testing.T) {
	p := start(t, "import subprocess\nc = subprocess.Popen(['sleep', '60'])\nout({'pid': c.pid})\nc.wait()\n")
	b, err := p.Receive(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Pid int }
	if err := json.Unmarshal(b, &m); err != nil || m.Pid <= 0 {
		t.Fatalf("pid line %q: %v", b, err)
	}
	pid := m.Pid
	p.Release()
	for range 100 {
		st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			return // gone
		}
		if _, _, state, ok := leaktest.ParseStat(st); ok && state == 'Z' {
			return // killed, not yet reaped by its new parent
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("the forked sleep (pid %d) still runs after Release", pid)
}

func TestException(t *testing.T) {
	var tb strings.Builder
	for i := range 20 {
		tb.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	e := &Exception{What: "worker", Traceback: tb.String()}
	msg := e.Error()
	if !strings.HasPrefix(msg, "Python exception in the worker:\n...\n") || !strings.HasSuffix(msg, "line 19") ||
		strings.Count(msg, "\n") != TracebackLines+1 {
		t.Errorf("Error() = %q, want the last %d lines", msg, TracebackLines)
	}
}

func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("short\n"+strings.Repeat("x", 100)+"\nend"), 16)
	if b, err := readLine(br, 50, "p"); err != nil || string(b) != "short\n" {
		t.Errorf("readLine = %q, %v", b, err)
	}
	if _, err := readLine(br, 50, "p"); err == nil || !strings.Contains(err.Error(), "longer than 50") {
		t.Errorf("readLine of 100 bytes with max 50: %v", err)
	}
	br = bufio.NewReader(strings.NewReader("cut"))
	if _, err := readLine(br, 50, "p"); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("readLine of a cut line: %v", err)
	}
	if _, err := readLine(br, 50, "p"); err == nil || !strings.Contains(err.Error(), "python p closed its stdout") {
		t.Errorf("readLine at the end: %v", err)
	}
}

func TestFirstMissing(t *testing.T) {
	needPython(t)
	path, m, err := FirstMissing(t.Context(), python, []string{"json", "no_such_module_crawlbench", "os"})
	if err != nil || m != "no_such_module_crawlbench" || path == "" {
		t.Errorf("FirstMissing = %q, %q, %v; want the missing module", path, m, err)
	}
	if _, m, err := FirstMissing(t.Context(), python, []string{"json"}); err != nil || m != "" {
		t.Errorf("FirstMissing(json) = %q, %v; want none missing", m, err)
	}
	if _, _, err := FirstMissing(t.Context(), filepath.Join(t.TempDir(), "none"), nil); err == nil || !strings.Contains(err.Error(), "install python3") {
		t.Errorf("FirstMissing without an interpreter = %v", err)
	}
	if _, err := Start(filepath.Join(t.TempDir(), "none"), "", "x"); err == nil {
		t.Error("Start without an interpreter succeeded")
	}
}

// TestSettle: without kill, a process exiting by itself within the grace
// keeps its own exit status; one that does not is killed, and with kill at
// once.
func TestSettle(t *testing.T) {
	p := start(t, "import time\ntime.sleep(0.1)\nsys.exit(4)\n")
	p.Settle(false, 10*time.Second)
	if s := p.Status(); !strings.Contains(s, "exit status 4") {
		t.Errorf("Status = %q, want exit status 4", s)
	}
	for _, kill := range []bool{false, true} {
		q := start(t, "import time\ntime.sleep(60)\n")
		q.Settle(kill, 100*time.Millisecond)
		if s := q.Status(); !strings.Contains(s, "killed") {
			t.Errorf("Settle(%v): Status = %q, want killed", kill, s)
		}
	}
}
