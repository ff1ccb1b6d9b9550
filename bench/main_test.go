package bench

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/breakdown"
	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// defaultProcs is -procs 0 (auto) here: 8 worker processes, as in the seed.
const defaultProcs = 8

// settings are the benchmark flags, parsed once in TestMain. Flags are
// package-level by the testing package's design; nothing else is.
type settings struct {
	delay      time.Duration
	target     string
	procs      int
	reqTimeout time.Duration
	python     string             // -python: the interpreter of the py-* strategies and of Flask
	server     harness.ServerKind // -server: the bundled server of BenchmarkSeed and BenchmarkConcurrency
	plan       bool               // -plan: list the sub-benchmarks and their expected time, run nothing
	breakdown  bool               // -breakdown: report where each batch's time above the ideal goes
	matrix     matrixSettings     // -servers, -cmax, -long (concurrency_test.go)
	runner     *harness.Runner
}

var (
	delayFlag      = flag.Duration("delay", 50*time.Millisecond, "server delay d per request (1ms..10m); with -target, the delay that server uses")
	targetFlag     = flag.String("target", "", "URL of an already running slowserver (http://127.0.0.1:PORT/); default: start the bundled one in its own process")
	procsFlag      = flag.Int("procs", 0, harness.ProcsUsage+"; auto here is 8, as in the seed")
	reqTimeoutFlag = flag.Duration("req-timeout", 0, harness.ReqTimeoutUsage)
	histlogFlag    = flag.String("histlog", "", harness.HistLogUsage)
	pythonFlag     = flag.String("python", harness.DefaultPython, harness.PythonUsage)
	serverFlag     = flag.String("server", string(harness.ServerSlow), harness.ServerUsage+"; BenchmarkSeed and BenchmarkConcurrency")
	breakdownFlag  = flag.Bool("breakdown", false, "also report where each batch's time above the ideal goes (bench/breakdown: excess-ns, bd-*-ns); off: nothing of it runs")
	planFlag       = flag.Bool("plan", false, "print a 'crawlbench-plan: NAME SECONDS' line per sub-benchmark with its expected running time, and run nothing (scripts/reproduce uses it for its ETA)")
)

// checkSettings validates s, filling in defaults, or returns an error
// naming the bad flag and its accepted range.
func checkSettings(s settings) (settings, error) {
	if s.delay < time.Millisecond || s.delay > 10*time.Minute {
		return s, fmt.Errorf("-delay %v: want 1ms..10m", s.delay)
	}
	if err := harness.CheckProcs(s.procs); err != nil {
		return s, err
	}
	if s.procs == 0 {
		s.procs = defaultProcs
	}
	if err := harness.CheckReqTimeout(s.reqTimeout); err != nil {
		return s, err
	}
	s.reqTimeout = harness.ReqTimeout(s.reqTimeout, s.delay)
	if s.target != "" {
		if err := harness.CheckTargetURL(s.target); err != nil {
			return s, err
		}
	}
	if s.python == "" {
		s.python = harness.DefaultPython
	}
	if err := harness.CheckPython(s.python); err != nil {
		return s, err
	}
	kind, err := harness.ParseServerKind(string(s.server))
	if err != nil {
		return s, err
	}
	s.server = kind
	if s.breakdown && kind == harness.ServerLean {
		return s, fmt.Errorf("-breakdown with -server %s: the breakdown needs the slowserver's burst and timer counters, which the lean server does not keep", kind)
	}
	if err := checkMatrixServer(s.matrix.servers, s.server); err != nil {
		return s, err
	}
	m, err := checkMatrix(s.matrix)
	if err != nil {
		return s, err
	}
	s.matrix = m
	s.runner = harness.NewRunner(s.plan)
	s.runner.SetPython(s.python)
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
	s, err := checkSettings(settings{delay: *delayFlag, target: *targetFlag, procs: *procsFlag, reqTimeout: *reqTimeoutFlag,
		python: *pythonFlag, server: harness.ServerKind(*serverFlag), plan: *planFlag, breakdown: *breakdownFlag, matrix: matrixFlags()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := s.runner.OpenHistLog(*histlogFlag); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	config = s
	if harness.Benchmarking() && !s.plan {
		harness.PrintProvenance(os.Stdout, s.provenance())
	}
	os.Exit(s.runner.Main(m, os.Stdout, true, leaktest.FastHTTPCleaners()...))
}

// provenance returns the configuration lines of s.
func (s settings) provenance() [][2]string {
	target := s.target
	if target == "" {
		target = "bundled " + string(s.server) + " (own process)"
	}
	return append([][2]string{
		{"delay", s.delay.String()},
		{"procs", fmt.Sprint(s.procs)},
		{"req-timeout", s.reqTimeout.String()},
		{"target", target},
		{"server", string(s.server)},
		{"python", s.python},
		{"breakdown", fmt.Sprint(s.breakdown)},
	}, s.matrix.provenance()...)
}

// kindOf returns the model kind of the strategy called s (0 if unknown).
func kindOf(s string) model.Kind {
	d, _ := strategy.Lookup(s)
	return d.Kind
}

// startServer returns the server of spec for b (see harness.StartServer).
func startServer(b *testing.B, spec harness.Spec) harness.Server {
	return config.runner.StartServer(b, spec, config.delay, config.target)
}

// runCase runs c against srv with this package's options.
func runCase(b *testing.B, srv harness.Server, c harness.Case) {
	config.runner.Run(b, srv, c, harness.Options{Timeout: config.reqTimeout, Warmup: harness.WarmConns,
		Hooks: harness.Hooks{Collector: collectorFor(config.breakdown)}})
}

// collectorFor returns the overhead breakdown's collector when on, and
// nil (nothing runs) when off.
func collectorFor(on bool) harness.Collector {
	if !on {
		return nil
	}
	return breakdown.New()
}
