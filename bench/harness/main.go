package harness

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/bench/resultset"

	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// The flags every benchmark package defines with the same name, meaning,
// range and default (see README's flag table).
const (
	// ProcsUsage is the usage of -procs.
	ProcsUsage = "worker processes P of the worker strategies (0: auto, the benchmark's own rule); 0..256"
	// ReqTimeoutUsage is the usage of -req-timeout.
	ReqTimeoutUsage = "per-request timeout (0: auto, 10×delay + 30s); 1ms..1h"
	// PythonUsage is the usage of -python.
	PythonUsage = "`path` of the Python interpreter of the py-* strategies and the Flask server (Debian's, which python3-requests, -aiohttp, -httpx, -uvloop and -flask serve); rows it cannot run are skipped, naming the package to install"
)

// DefaultPython is -python's default: Debian's interpreter.
const DefaultPython = pyclient.DefaultPython

// CheckPython validates -python: a path (whether it runs is checked per
// row, which is skipped when it does not).
func CheckPython(path string) error {
	if strings.TrimSpace(path) == "" {
		return fmt.Errorf("-python %q: want the interpreter's path (default %s)", path, DefaultPython)
	}
	return nil
}

// CheckProcs validates -procs.
func CheckProcs(n int) error {
	if n < 0 || n > procpool.MaxProcs {
		return fmt.Errorf("-procs %d: want 0 (auto) or 1..%d", n, procpool.MaxProcs)
	}
	return nil
}

// CheckReqTimeout validates -req-timeout.
func CheckReqTimeout(t time.Duration) error {
	if t != 0 && (t < time.Millisecond || t > time.Hour) {
		return fmt.Errorf("-req-timeout %v: want 0 (auto) or 1ms..1h", t)
	}
	return nil
}

// ReqTimeout returns the per-request timeout: set, or when it is 0 the
// automatic 10×d + 30 s.
func ReqTimeout(set, d time.Duration) time.Duration {
	if set != 0 {
		return set
	}
	return 10*d + 30*time.Second
}

// benchtime returns -test.benchtime as given ("1s" when unset).
func benchtime() string {
	if f := flag.Lookup("test.benchtime"); f != nil {
		return f.Value.String()
	}
	return "1s"
}

// Benchmarking reports whether the test binary was asked to run benchmarks.
func Benchmarking() bool {
	f := flag.Lookup("test.bench")
	return f != nil && f.Value.String() != ""
}

// Main runs m and returns the exit code for os.Exit. It fails the run
// (code 1, and a FAIL line naming the cases) when r saw a failed case that
// package testing did not count: with -count > 1, runs after the first of a
// benchmark have no parent, so their --- FAIL does not fail the binary.
// With leaks it also checks that no goroutine outlives the tests
// (goleak, ignoring opts).
func (r *Runner) Main(m *testing.M, w io.Writer, leaks bool, opts ...goleak.Option) int {
	code := m.Run()
	if r.histFile != nil {
		if err := r.histFile.Close(); err != nil {
			fmt.Fprintf(w, "FAIL: -histlog: %v\n", err)
			code = max(code, 1)
		}
	}
	if failed := r.Failed(); len(failed) > 0 {
		fmt.Fprintf(w, "FAIL: %d benchmark run(s) failed (REQUESTS FAILED or a wrong measurement; see --- FAIL above): %s\n",
			len(failed), strings.Join(failed, ", "))
		code = max(code, 1)
	}
	if code == 0 && leaks {
		if err := goleak.Find(opts...); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: Errors on successful test run: %v\n", err)
			code = 1
		}
	}
	return code
}

// PrintProvenance writes benchfmt configuration lines to w, so a saved
// `go test -bench` output says what produced it: the commit, Go, the
// machine, the date, then extra (each a key and a value).
func PrintProvenance(w io.Writer, extra [][2]string) {
	lines := [][2]string{
		{resultset.KeyCommit, gitOutput("rev-parse", "HEAD")},
		{resultset.KeyDirty, dirty()},
		{resultset.KeyGo, runtime.Version()},
		{resultset.KeyGOMAXPROCS, fmt.Sprint(runtime.GOMAXPROCS(0))},
		{resultset.KeyNumCPU, fmt.Sprint(runtime.NumCPU())},
		{resultset.KeyDate, time.Now().UTC().Format(time.RFC3339)},
	}
	for _, l := range append(lines, extra...) {
		fmt.Fprintf(w, "%s: %s\n", l[0], l[1])
	}
}

// gitOutput runs git in the package directory and returns its trimmed
// output, or "unknown" when git or the repository is unavailable.
func gitOutput(args ...string) string {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func dirty() string {
	out, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
	switch {
	case err != nil:
		return "unknown"
	case len(strings.TrimSpace(string(out))) > 0:
		return "true"
	}
	return "false"
}

// CheckTargetURL validates -target: an http://host:port/ URL on loopback
// with a port in 1..65535.
func CheckTargetURL(target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-target %q: want an http://host:port/ URL", target)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("-target %q: port %s: want 1..65535", target, p)
		}
	}
	if err := serverproc.CheckLoopback(target); err != nil {
		return fmt.Errorf("-target %q: load goes to loopback only (127.0.0.0/8, ::1, localhost)", target)
	}
	return nil
}
