package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const slowBench = `package slow

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func BenchmarkFast(b *testing.B) {
	for b.Loop() {
	}
}

func BenchmarkSlow(b *testing.B) {
	if err := os.WriteFile(os.Getenv("CRAWLBENCH_FAKE_PIDFILE"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		b.Fatal(err)
	}
	time.Sleep(10 * time.Minute)
}
`

// gone reports whether pid has exited (a zombie runs nothing).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

// fakeSetup builds runbench and writes a module with slowBench in ./slow
// and a package that does not build in ./broken. It returns a temporary
// directory, the binary, the module root and an empty -out directory.
func fakeSetup(t *testing.T) (tmp, bin, mod, out string) {
	t.Helper()
	tmp = t.TempDir()
	bin = filepath.Join(tmp, "runbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build runbench: %v\n%s", err, out)
	}
	mod, out = filepath.Join(tmp, "mod"), filepath.Join(tmp, "out")
	for name, src := range map[string]string{"go.mod": "module slow\n\ngo 1.24\n", "slow/slow_test.go": slowBench,
		"broken/broken_test.go": "package broken\n\nnot Go\n"} {
		os.MkdirAll(filepath.Dir(filepath.Join(mod, name)), 0o755)
		if err := os.WriteFile(filepath.Join(mod, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return tmp, bin, mod, out
}

// A run with no benchmark result (no match, a package that does not
// build) exits 1 naming the cause and leaves no file; -pkg outside the
// module is refused before anything runs (issue 15 minors).
func TestNoBenchmarkNoFile(t *testing.T) {
	_, bin, mod, out := fakeSetup(t)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-pkg", "./slow", "--", "-bench", "NoSuch"}, 1, "no benchmark result: it printed none"},
		{[]string{"-pkg", "./broken", "--", "-bench", "."}, 1, "no benchmark result: go test failed"},
		{[]string{"-pkg", "./..", "--", "-bench", "."}, 2, `-pkg "./..": outside the module root`},
		{[]string{"-pkg", "./slow/../..", "--", "-bench", "."}, 2, "outside the module root"},
	} {
		cmd := exec.Command(bin, append([]string{"-out", out}, tt.args...)...)
		cmd.Dir = mod
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("runbench %q: %v, stderr %q; want exit %d and %q", tt.args, err, stderr.String(), tt.code, tt.want)
		}
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Fatalf("runbench %q left %v in -out", tt.args, ents)
		}
	}
}

// SIGTERM to runbench stops the benchmark's test binary too (issue 15
// defect 9), exits non-zero, and keeps the partial output only under an
// -INCOMPLETE name, marked incomplete (defect 10).
func TestSignalStopsWholeTree(t *testing.T) {
	tmp, bin, mod, out := fakeSetup(t)
	pidfile := filepath.Join(tmp, "pid")
	cmd := exec.Command(bin, "-out", out, "-pkg", "./slow", "-label", "sig", "--", "-bench", "Fast|Slow", "-benchtime", "1x")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "CRAWLBENCH_FAKE_PIDFILE="+pidfile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	pid := 0
	for pid == 0 {
		if b, err := os.ReadFile(pidfile); err == nil && len(b) > 0 {
			pid, _ = strconv.Atoi(string(b))
			continue
		}
		select {
		case err := <-done:
			t.Fatalf("runbench ended before the slow benchmark started: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second): // the bug hangs for ten minutes
		syscall.Kill(pid, syscall.SIGKILL)
		cmd.Process.Kill()
		<-done
		t.Fatalf("runbench still runs 30 s after SIGTERM; test binary %d gone: %v", pid, gone(pid))
	}
	if err == nil {
		t.Errorf("runbench exited 0 after SIGTERM\n%s", stderr.String())
	}
	for i := 0; !gone(pid); i++ {
		if i == 150 {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("test binary %d survived runbench's SIGTERM by 15 s", pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ents, _ := os.ReadDir(out)
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), "-sig-INCOMPLETE.txt") {
		t.Fatalf("files in -out: %v; want one -sig-INCOMPLETE.txt", ents)
	}
	b, _ := os.ReadFile(filepath.Join(out, ents[0].Name()))
	if !bytes.Contains(b, []byte("BenchmarkFast")) || !bytes.Contains(b, []byte("\ncrawlbench-incomplete: true\n")) {
		t.Errorf("incomplete file:\n%s", b)
	}
	if got := strings.TrimSpace(stdout.String()); got != filepath.Join(out, ents[0].Name()) {
		t.Errorf("stdout %q, want the incomplete file's path", got)
	}
}
