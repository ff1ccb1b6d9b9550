package network

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/servercmd"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// maxC bounds -conc and -streams-conc: one server process holds every connection
// (20,000 open files per process here).
const maxC = 4096

var (
	delayFlag      = flag.Duration("delay", 50*time.Millisecond, "server delay d per request (1ms..10m)")
	nFlag          = flag.Int("batch", 100, "BenchmarkNetwork's requests per batch n (1..100000)")
	netFlag        = flag.String("net", "loopback,lan,wan,far", "BenchmarkNetwork's emulated paths: a comma list of netem presets (loopback, lan, wan, far), or all")
	rttFlag        = flag.Duration("rtt", 0, "a custom path's RTT (0s..10s) for BenchmarkNetwork instead of -net (net=rttDURATION)")
	bandwidthFlag  = flag.Int64("bandwidth", 0, "the custom path's bytes per second per connection (0 = unlimited, or 1000..1e12); with -rtt")
	protosFlag     = flag.String("protos", "all", "BenchmarkNetwork's protocols: a comma list of h1, h1tls12, h1tls13, h2, h2c, or all")
	strategiesFlag = flag.String("strategies", strategy.Fanout+","+strategy.FastHTTP, "BenchmarkNetwork's strategies: a comma list of registered strategies (Python ones without resumption, and over HTTP/2 only py-httpx)")
	connsFlag      = flag.String("conns", "all", "BenchmarkNetwork's connection kinds: warm, cold, resumed (a new connection resuming a TLS session; TLS rows only), or all")
	cFlag          = flag.String("conc", "100", fmt.Sprintf("BenchmarkNetwork's concurrency limits c, a comma list in 1..%d", maxC))
	streamsFlag    = flag.Int("streams", 100, fmt.Sprintf("the HTTP/2 server's MaxConcurrentStreams s (1..%d; x/net's default is %d)", servercmd.MaxH2Streams, servercmd.DefaultH2Streams))
	streamsNetFlag = flag.String("streams-net", "wan", "BenchmarkStreams' path: a netem preset")
	streamsCFlag   = flag.String("streams-conc", "16,32,64,100,128,256,512,1024", fmt.Sprintf("BenchmarkStreams' c (= n, one wave per batch), a comma list in 1..%d", maxC))
	maxIdealFlag   = flag.Duration("max-ideal", 0, "skip (saying so) BenchmarkNetwork rows whose model batch time exceeds this (0: run all), e.g. far's cold rows at small c")
	hsNFlag        = flag.Int("hs-n", 200, "BenchmarkHandshake's new connections per batch (1..100000)")
	procsFlag      = flag.Int("procs", 0, harness.ProcsUsage+"; auto here is 2")
	reqTimeoutFlag = flag.Duration("req-timeout", 0, harness.ReqTimeoutUsage)
	histlogFlag    = flag.String("histlog", "", harness.HistLogUsage)
	planFlag       = flag.Bool("plan", false, "print a 'crawlbench-plan: NAME SECONDS' line per sub-benchmark and run nothing")
)

// settings are the parsed flags, set once by TestMain.
type settings struct {
	// streamsStrategies are BenchmarkStreams' strategies (-streams-strategies).
	streamsStrategies []string

	delay      time.Duration
	n          int
	nets       []Net
	protos     []Proto
	strategies []string
	conns      []Conn
	cs         []int
	streams    int
	streamsNet Net
	streamsCs  []int
	hsN        int
	maxIdeal   time.Duration
	procs      int
	reqTimeout time.Duration
	plan       bool
	runner     *harness.Runner
	// cores and connCPU are the calibration of the model's CPU terms
	// (model.IdealNetworkCPU, model.IdealNetworkPipe): nil when
	// BenchmarkNetwork does not run.
	cores   int
	connCPU map[setupKind]cpuCal
	calKind []setupKind
}

// config is the run's settings, read-only once TestMain has set it.
var config settings

// parseSettings validates the flags; an error names the flag and its range.
func parseSettings() (settings, error) {
	s := settings{delay: *delayFlag, n: *nFlag, streams: *streamsFlag, hsN: *hsNFlag, procs: *procsFlag, plan: *planFlag, maxIdeal: *maxIdealFlag}
	var err error
	if s.delay < time.Millisecond || s.delay > 10*time.Minute {
		return s, fmt.Errorf("-delay %v: want 1ms..10m", s.delay)
	}
	if s.n < 1 || s.n > 100_000 {
		return s, fmt.Errorf("-batch %d: want 1..100000", s.n)
	}
	if s.maxIdeal < 0 {
		return s, fmt.Errorf("-max-ideal %v: want 0 (run all) or more", s.maxIdeal)
	}
	if s.hsN < 1 || s.hsN > 100_000 {
		return s, fmt.Errorf("-hs-n %d: want 1..100000", s.hsN)
	}
	if s.nets, err = ParseNets(*netFlag, *rttFlag, *bandwidthFlag); err != nil {
		return s, err
	}
	sn, err := ParseNets(*streamsNetFlag, 0, 0)
	if err != nil || len(sn) != 1 {
		return s, fmt.Errorf("-streams-net %q: want one netem preset", *streamsNetFlag)
	}
	s.streamsNet = sn[0]
	if s.protos, err = ParseProtos(*protosFlag); err != nil {
		return s, err
	}
	if s.conns, err = ParseConns(*connsFlag); err != nil {
		return s, err
	}
	for _, name := range strings.Split(*strategiesFlag, ",") {
		name = strings.TrimSpace(name)
		if _, ok := strategy.Lookup(name); !ok {
			return s, fmt.Errorf("-strategies %q: %q is not a registered strategy; want a comma list of %s", *strategiesFlag, name, strings.Join(allStrategies(), ", "))
		}
		s.strategies = append(s.strategies, name)
	}
	if s.cs, err = ParseInts(*cFlag, "-conc", 1, maxC); err != nil {
		return s, err
	}
	if s.streamsCs, err = ParseInts(*streamsCFlag, "-streams-conc", 1, maxC); err != nil {
		return s, err
	}
	if s.streamsStrategies, err = parseStreamsStrategies(*streamsStrategiesFlag); err != nil {
		return s, err
	}
	if s.streams < 1 || s.streams > servercmd.MaxH2Streams {
		return s, fmt.Errorf("-streams %d: want 1..%d", s.streams, servercmd.MaxH2Streams)
	}
	if err := harness.CheckProcs(s.procs); err != nil {
		return s, err
	}
	if s.procs == 0 {
		s.procs = 2
	}
	if err := harness.CheckReqTimeout(*reqTimeoutFlag); err != nil {
		return s, err
	}
	s.reqTimeout = harness.ReqTimeout(*reqTimeoutFlag, s.delay)
	s.runner = harness.NewRunner(s.plan)
	return s, nil
}

// allStrategies lists the strategies -strategies accepts: every registered
// one (a Python strategy runs no resumed rows, and HTTP/2 ones only if it
// speaks HTTP/2).
func allStrategies() []string {
	var out []string
	for _, d := range strategy.All() {
		if !d.IsCrawlerOnly() {
			out = append(out, d.Name)
		}
	}
	return out
}

func (s settings) provenance() [][2]string {
	var nets []string
	for _, n := range s.nets {
		nets = append(nets, fmt.Sprintf("%s(rtt %v, %d B/s)", n.Name, n.Path.RTT, n.Path.Bandwidth))
	}
	out := [][2]string{
		{"delay", s.delay.String()},
		{"n", fmt.Sprint(s.n)},
		{"nets", strings.Join(nets, " ")},
		{"h2-streams", fmt.Sprint(s.streams)},
		{"max-ideal", s.maxIdeal.String()},
		{"procs", fmt.Sprint(s.procs)},
		{"req-timeout", s.reqTimeout.String()},
		{"target", "bundled slowserver (own process)"},
	}
	if s.connCPU != nil {
		out = append(out, [2]string{resultset.KeyConnCPU, connCPULine(s.calKind, s.connCPU, s.cores)})
	}
	return out
}

func TestMain(m *testing.M) {
	if serverproc.IsChild() {
		os.Exit(serverproc.ChildMain())
	}
	if procpool.IsWorker() {
		os.Exit(procpool.WorkerMain())
	}
	flag.Parse()
	s, err := parseSettings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "network:", err)
		os.Exit(2)
	}
	if err := s.runner.OpenHistLog(*histlogFlag); err != nil {
		fmt.Fprintln(os.Stderr, "network:", err)
		os.Exit(2)
	}
	if f := flag.Lookup("test.bench"); harness.Benchmarking() && !s.plan && f != nil && runsNetwork(f.Value.String()) {
		s.cores, s.calKind = runtime.NumCPU(), calibrationKinds(s.protos, s.conns)
		if s.connCPU, err = calibrate(context.Background(), s.calKind, s.cores); err != nil {
			fmt.Fprintln(os.Stderr, "network:", err)
			os.Exit(1)
		}
	}
	config = s
	if harness.Benchmarking() && !s.plan {
		harness.PrintProvenance(os.Stdout, s.provenance())
	}
	os.Exit(s.runner.Main(m, os.Stdout, true, leaktest.FastHTTPCleaners()...))
}
