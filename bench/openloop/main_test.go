package openloop

import (
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/histlog"
	"github.com/crawlbench/crawlbench/clients/openloop"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/serverproc"
	"go.uber.org/goleak"
)

// settings are the benchmark flags, checked once in TestMain.
type settings struct {
	delay       time.Duration
	duration    time.Duration
	servers     []int // capacities k
	loads       []float64
	arrivals    []string
	strategies  []string
	procs       int
	maxInFlight int
	seed        uint64
	reqTimeout  time.Duration

	stallAt, stallWindow, stallDuration time.Duration
	stallC                              int

	pacerRates    []float64
	pacerDelay    time.Duration
	pacerDuration time.Duration
	pacerSleeps   []openloop.Sleep
	vegeta        bool
}

var (
	delayFlag       = flag.Duration("delay", 50*time.Millisecond, "server delay d (1ms..10m)")
	durationFlag    = flag.Duration("duration", 2*time.Second, "each BenchmarkOpenLoop run's schedule length; 100ms..10m (shorter is too short for the pacer to settle)")
	serversFlag     = flag.String("servers", "k8,k64", "BenchmarkOpenLoop's servers: comma list of kN, capacity N in 1..4096")
	loadsFlag       = flag.String("loads", "10,50,80,90,100,110,125,150", "BenchmarkOpenLoop's offered rates, in % of k/d: comma list of numbers in (0, 1000]")
	arrivalsFlag    = flag.String("arrivals", "constant,poisson", "arrival processes: comma list of constant, poisson")
	strategiesFlag  = flag.String("strategies", strategy.Fanout+","+strategy.FastHTTP+","+strategy.ProcsFanout, "BenchmarkOpenLoop's senders: comma list of "+strategy.Fanout+", "+strategy.FastHTTP+", "+strategy.ProcsFanout)
	procsFlag       = flag.Int("procs", 0, harness.ProcsUsage+"; auto here is 2, one per core; "+strategy.ProcsFanout+" only")
	maxInFlightFlag = flag.Int("max-inflight", 0, "cap on requests in flight, past it dropped and counted; 0 = none, else 1..1048576 and at least the highest rate × d")
	seedFlag        = flag.Uint64("seed", 1, "seed of the Poisson schedules")
	reqTimeoutFlag  = flag.Duration("req-timeout", 0, harness.ReqTimeoutUsage)
	histlogFlag     = flag.String("histlog", "", harness.HistLogUsage)

	stallAtFlag       = flag.Duration("stall-at", 2*time.Second, "BenchmarkStall: when the server is paused, from the run's start; d..stall-duration − window − d")
	stallWindowFlag   = flag.Duration("stall-window", time.Second, "BenchmarkStall: how long the server is paused; more than d")
	stallDurationFlag = flag.Duration("stall-duration", 10*time.Second, "BenchmarkStall: each loop's run length; 100ms..10m")
	stallCFlag        = flag.Int("stall-c", 8, "BenchmarkStall: closed-loop lanes c (the open loop runs at c / d); 1..4096")

	pacerRatesFlag    = flag.String("pacer-rates", "1000,5000,10000,20000", "BenchmarkPacer's rates in req/s: comma list of numbers in (0, 1e6]")
	pacerDelayFlag    = flag.Duration("pacer-delay", time.Millisecond, "BenchmarkPacer's server delay; 1ms..1s")
	pacerDurationFlag = flag.Duration("pacer-duration", 2*time.Second, "BenchmarkPacer's run length; 100ms..10m")
	pacerSleepsFlag   = flag.String("pacer-sleeps", "timer,nanosleep", "BenchmarkPacer's ways for our pacer to wait: comma list of timer (a Go timer), nanosleep (a Go timer, then nanosleep(2) for the last 2 ms)")
	vegetaFlag        = flag.Bool("vegeta", true, "BenchmarkPacer: also run `go tool vegeta` at each rate (strategy=vegeta)")
)

// maxK bounds -servers' capacities.
const maxK = 4096

// checkSettings parses and validates the flags, or names the bad flag and
// its range.
func checkSettings() (settings, error) {
	s := settings{delay: *delayFlag, duration: *durationFlag, procs: *procsFlag, maxInFlight: *maxInFlightFlag, seed: *seedFlag,
		reqTimeout: *reqTimeoutFlag, stallAt: *stallAtFlag, stallWindow: *stallWindowFlag, stallDuration: *stallDurationFlag,
		stallC: *stallCFlag, pacerDelay: *pacerDelayFlag, pacerDuration: *pacerDurationFlag, vegeta: *vegetaFlag}
	durationRange := func(name string, d time.Duration) error {
		if d < openloop.MinDuration || d > 10*time.Minute {
			return fmt.Errorf("-%s %v: want %v..10m (shorter is too short for the pacer to settle)", name, d, openloop.MinDuration)
		}
		return nil
	}
	if s.delay < time.Millisecond || s.delay > 10*time.Minute {
		return s, fmt.Errorf("-delay %v: want 1ms..10m", s.delay)
	}
	for name, d := range map[string]time.Duration{"duration": s.duration, "stall-duration": s.stallDuration, "pacer-duration": s.pacerDuration} {
		if err := durationRange(name, d); err != nil {
			return s, err
		}
	}
	for _, f := range strings.Split(*serversFlag, ",") {
		k, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(f), "k"))
		if !strings.HasPrefix(strings.TrimSpace(f), "k") || err != nil || k < 1 || k > maxK {
			return s, fmt.Errorf("-servers %q: %q: want kN with N in 1..%d", *serversFlag, f, maxK)
		}
		s.servers = append(s.servers, k)
	}
	var err error
	if s.loads, err = numbers("loads", *loadsFlag, 1000); err != nil {
		return s, err
	}
	for _, v := range strings.Split(*pacerSleepsFlag, ",") {
		sl := openloop.Sleep(strings.TrimSpace(v))
		if !slices.Contains(openloop.Sleeps(), sl) {
			return s, fmt.Errorf("-pacer-sleeps: %q: want a comma list of %v", v, openloop.Sleeps())
		}
		s.pacerSleeps = append(s.pacerSleeps, sl)
	}
	if s.pacerRates, err = numbers("pacer-rates", *pacerRatesFlag, openloop.MaxRate); err != nil {
		return s, err
	}
	for _, a := range strings.Split(*arrivalsFlag, ",") {
		if a != openloop.ArrivalConstant && a != openloop.ArrivalPoisson {
			return s, fmt.Errorf("-arrivals %q: %q: want constant or poisson", *arrivalsFlag, a)
		}
		s.arrivals = append(s.arrivals, a)
	}
	for _, n := range strings.Split(*strategiesFlag, ",") {
		if n != strategy.Fanout && n != strategy.FastHTTP && n != strategy.ProcsFanout {
			return s, fmt.Errorf("-strategies %q: %q: want %s, %s or %s", *strategiesFlag, n, strategy.Fanout, strategy.FastHTTP, strategy.ProcsFanout)
		}
		s.strategies = append(s.strategies, n)
	}
	if s.procs < 0 || s.procs > openloop.MaxProcs {
		return s, fmt.Errorf("-procs %d: want 0 (auto) or 1..%d", s.procs, openloop.MaxProcs)
	}
	if s.procs == 0 {
		s.procs = 2
	}
	if s.maxInFlight < 0 || s.maxInFlight > 1<<20 {
		return s, fmt.Errorf("-max-inflight %d: want 0 (none) or 1..%d", s.maxInFlight, 1<<20)
	}
	if s.maxInFlight > 0 {
		// The highest offered rate × d must fit under the cap.
		for _, k := range s.servers {
			for _, l := range s.loads {
				need := int(math.Ceil(l / 100 * float64(k)))
				if need > s.maxInFlight {
					return s, fmt.Errorf("-max-inflight %d cannot fit -loads %g at k%d: rate × d needs ≥ %d in flight; want -max-inflight ≥ %d or 0", s.maxInFlight, l, k, need, need)
				}
			}
		}
	}
	if err := harness.CheckReqTimeout(s.reqTimeout); err != nil {
		return s, err
	}
	s.reqTimeout = harness.ReqTimeout(s.reqTimeout, max(s.delay, s.stallWindow))
	if s.stallC < 1 || s.stallC > maxK {
		return s, fmt.Errorf("-stall-c %d: want 1..%d", s.stallC, maxK)
	}
	if s.stallWindow <= s.delay || s.stallWindow > time.Minute {
		return s, fmt.Errorf("-stall-window %v: want more than -delay %v, at most 1m", s.stallWindow, s.delay)
	}
	if s.stallAt < s.delay || s.stallAt+s.stallWindow+s.delay > s.stallDuration {
		return s, fmt.Errorf("-stall-at %v: want -delay..(-stall-duration − -stall-window − -delay) = %v..%v", s.stallAt, s.delay, s.stallDuration-s.stallWindow-s.delay)
	}
	if s.pacerDelay < time.Millisecond || s.pacerDelay > time.Second {
		return s, fmt.Errorf("-pacer-delay %v: want 1ms..1s", s.pacerDelay)
	}
	return s, nil
}

// numbers parses a comma list of numbers in (0, hi].
func numbers(name, list string, hi float64) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0 && v <= hi) {
			return nil, fmt.Errorf("-%s %q: %q: want numbers in (0, %g] (a rate must be > 0)", name, list, f, hi)
		}
		out = append(out, v)
	}
	return out, nil
}

// config is this run's settings; hist its histogram log (nil: none).
var (
	config settings
	hist   *histlog.Writer
	failed failures
)

// failures remembers the failed cells (with -count > 1 a later run's
// failure does not fail the binary by itself).
type failures struct {
	mu    sync.Mutex
	names []string
}

func (f *failures) record(b *testing.B) {
	if b.Failed() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.names = append(f.names, b.Name())
	}
}

func TestMain(m *testing.M) {
	if serverproc.IsChild() {
		os.Exit(serverproc.ChildMain())
	}
	if openloop.IsWorker() {
		os.Exit(openloop.WorkerMain())
	}
	flag.Parse()
	s, err := checkSettings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/openloop:", err)
		os.Exit(2)
	}
	config = s
	path := *histlogFlag
	if path == "" {
		path = os.Getenv(histlog.EnvPath)
	}
	var histFile *os.File
	if path != "" && harness.Benchmarking() {
		if hist, histFile, err = histlog.Create(path); err != nil {
			fmt.Fprintln(os.Stderr, "bench/openloop: -histlog:", err)
			os.Exit(2)
		}
	}
	if harness.Benchmarking() {
		harness.PrintProvenance(os.Stdout, s.provenance())
	}
	code := m.Run()
	if histFile != nil {
		if err := histFile.Close(); err != nil {
			fmt.Println("FAIL: -histlog:", err)
			code = max(code, 1)
		}
	}
	if len(failed.names) > 0 {
		fmt.Printf("FAIL: %d benchmark run(s) failed (REQUESTS FAILED or a wrong measurement; see --- FAIL above): %s\n",
			len(failed.names), strings.Join(failed.names, ", "))
		code = max(code, 1)
	}
	if code == 0 {
		if err := goleak.Find(leaktest.FastHTTPCleaners()...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// provenance returns the configuration lines of s.
func (s settings) provenance() [][2]string {
	return [][2]string{
		{"delay", s.delay.String()},
		{"duration", s.duration.String()},
		{"servers", *serversFlag},
		{"loads", *loadsFlag},
		{"procs", fmt.Sprint(s.procs)},
		{"max-inflight", fmt.Sprint(s.maxInFlight)},
		{"seed", fmt.Sprint(s.seed)},
		{"req-timeout", s.reqTimeout.String()},
		{"stall", fmt.Sprintf("at %v for %v of %v, c = %d", s.stallAt, s.stallWindow, s.stallDuration, s.stallC)},
		{"pacer", fmt.Sprintf("rates %s req/s, d = %v, %v each, our pacer waits on %s", *pacerRatesFlag, s.pacerDelay, s.pacerDuration, *pacerSleepsFlag)},
		{"target", "bundled slowserver (own process)"},
	}
}
