package bench

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/serverproc"
	"go.uber.org/goleak"
)

// settings are the benchmark flags, parsed once in TestMain. Flags are
// package-level by the testing package's design; nothing else is.
type settings struct {
	delay      time.Duration
	target     string
	procs      int
	reqTimeout time.Duration
	plan       bool           // -plan: list the sub-benchmarks and their expected time, run nothing
	matrix     matrixSettings // -servers, -cmax, -long (concurrency_test.go)
}

var (
	delayFlag      = flag.Duration("delay", 50*time.Millisecond, "server delay d per request (1ms..10m); with -target, the delay that server uses")
	targetFlag     = flag.String("target", "", "URL of an already running slow server (http://127.0.0.1:PORT/); default: start the bundled one in its own process")
	procsFlag      = flag.Int("procs", 8, "worker processes P for pool-even, pool-chunked and procs-fanout (1..256)")
	reqTimeoutFlag = flag.Duration("req-timeout", 0, "per-request timeout (0: 10×delay + 5s; otherwise 1ms..1h)")
	planFlag       = flag.Bool("plan", false, "print a 'crawlbench-plan: NAME SECONDS' line per sub-benchmark with its expected running time, and run nothing (scripts/reproduce uses it for its ETA)")
)

// checkSettings validates s, filling in defaults, or returns an error
// naming the bad flag and its accepted range.
func checkSettings(s settings) (settings, error) {
	if s.delay < time.Millisecond || s.delay > 10*time.Minute {
		return s, fmt.Errorf("-delay %v: want 1ms..10m", s.delay)
	}
	if s.procs < 1 || s.procs > 256 {
		return s, fmt.Errorf("-procs %d: want 1..256", s.procs)
	}
	if s.reqTimeout == 0 {
		s.reqTimeout = 10*s.delay + 5*time.Second
	} else if s.reqTimeout < time.Millisecond || s.reqTimeout > time.Hour {
		return s, fmt.Errorf("-req-timeout %v: want 0 (auto) or 1ms..1h", s.reqTimeout)
	}
	if s.target != "" {
		u, err := url.Parse(s.target)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return s, fmt.Errorf("-target %q: want an http://host:port/ URL", s.target)
		}
		if err := serverproc.CheckLoopback(s.target); err != nil {
			return s, fmt.Errorf("-target %q: load goes to loopback only (127.0.0.0/8, ::1, localhost)", s.target)
		}
	}
	m, err := checkMatrix(s.matrix)
	if err != nil {
		return s, err
	}
	s.matrix = m
	return s, nil
}

// config is the settings of this run, set once by TestMain before any
// benchmark runs and read-only afterwards.
var config settings

func TestMain(m *testing.M) {
	if serverproc.IsChild() {
		os.Exit(serverproc.ChildMain())
	}
	if procpool.IsWorker() {
		os.Exit(procpool.WorkerMain())
	}
	flag.Parse()
	s, err := checkSettings(settings{delay: *delayFlag, target: *targetFlag, procs: *procsFlag, reqTimeout: *reqTimeoutFlag, plan: *planFlag, matrix: matrixFlags()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	config = s
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" && !s.plan {
		printProvenance(s)
	}
	goleak.VerifyTestMain(m, leaktest.FastHTTPCleaners()...)
}

// printProvenance writes benchfmt configuration lines, so a saved
// `go test -bench` output says what produced it.
func printProvenance(s settings) {
	target := s.target
	if target == "" {
		target = "bundled slowserver (own process)"
	}
	lines := [][2]string{
		{"crawlbench-commit", gitOutput("rev-parse", "HEAD")},
		{"crawlbench-dirty", dirty()},
		{"go", runtime.Version()},
		{"gomaxprocs", fmt.Sprint(runtime.GOMAXPROCS(0))},
		{"numcpu", fmt.Sprint(runtime.NumCPU())},
		{"date", time.Now().UTC().Format(time.RFC3339)},
		{"delay", s.delay.String()},
		{"procs", fmt.Sprint(s.procs)},
		{"req-timeout", s.reqTimeout.String()},
		{"target", target},
	}
	lines = append(lines, s.matrix.provenance()...)
	for _, l := range lines {
		fmt.Printf("%s: %s\n", l[0], l[1])
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
