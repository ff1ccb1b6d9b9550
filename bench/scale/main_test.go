package scale

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/servercmd"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// Limits of the flags.
const (
	maxInflight = 200_000
	maxDelay    = 10 * time.Minute
	// perServer is how many connections the automatic -server-procs gives one
	// server process: under the 20,000 open files a process may have here,
	// with room to spare.
	perServer = 15_000
	// perWorker is the same for a procs-fanout worker (-procs).
	perWorker = 12_500
	// fdSlack is the open files a client process needs beside its
	// connections (stdio, epoll, pipes, the test binary's own).
	fdSlack = 64
)

// strategies the scale benchmark runs by default (family scale), in
// report order.
func knownStrategies() []string {
	return strategy.Names(strategy.FamilyScale)
}

// allowedStrategies are those -strategies accepts: family scale and the
// Python strategies that put the whole batch in flight at once (asyncio
// fan-outs, in one process or several).
func allowedStrategies() []string {
	out := knownStrategies()
	for _, d := range strategy.All() {
		if d.IsPython() && (d.Kind == model.Fanout || d.Kind == model.ProcsFanout) {
			out = append(out, d.Name)
		}
	}
	return out
}

// settings are the benchmark flags, parsed once in TestMain.
type settings struct {
	inflight   []int         // n = c per level
	delay      time.Duration // 0: auto
	strategies []string
	conns      []clients.ConnMode
	servers    int // 0: auto
	listeners  int // per server; 0: auto
	somaxconn  int // the kernel's cap on an accept queue
	procs      int // 0: auto
	hosts      int
	reuseport  bool
	sample     time.Duration
	reqTimeout time.Duration // 0: auto
	force      bool
	warmup     bool
	breakdown  bool     // -breakdown: report where each batch's time above the ideal goes
	serverCmd  []string // nil: re-execute the test binary
	python     string   // -python: the interpreter of the py-* strategies
	runner     *harness.Runner
}

var (
	scaleFlag       = flag.String("scale", "1k", "requests in flight at once, n = c, comma-separated: 1k, 10k, 100k or a number (1.."+strconv.Itoa(maxInflight)+")")
	delayFlag       = flag.Duration("delay", 0, "server delay d (0: 1s up to 10k in flight, 10s above, so every request of a batch is in flight together); 1ms..10m")
	strategiesFlag  = flag.String("strategies", strings.Join(knownStrategies(), ","), "strategies to run, comma-separated; also "+strings.Join(allowedStrategies()[len(knownStrategies()):], ", ")+" (the seed's Python clients, run by -python)")
	pythonFlag      = flag.String("python", harness.DefaultPython, harness.PythonUsage)
	connsFlag       = flag.String("conns", "warm,cold", "connection modes to run, comma-separated: warm, cold")
	serverProcsFlag = flag.Int("server-procs", 0, "slowserver processes (0: auto, one per "+strconv.Itoa(perServer)+" in flight); 1..64")
	listenersFlag   = flag.Int("listeners", 0, "listening sockets per server process, each with its own accept queue (0: enough that the queues hold every connection of a burst, n ÷ servers ÷ net.core.somaxconn); 1..64")
	histlogFlag     = flag.String("histlog", "", harness.HistLogUsage)
	procsFlag       = flag.Int("procs", 0, harness.ProcsUsage+"; auto here is one per "+strconv.Itoa(perWorker)+" in flight, at least 2")
	hostsFlag       = flag.Int("hosts", 1, "loopback addresses the servers spread over (127.0.0.1, 127.0.0.2, ...); 1..16")
	reuseportFlag   = flag.Bool("reuseport", false, "put the server processes on one port with SO_REUSEPORT (per host) instead of a port each; server counters are then not read")
	sampleFlag      = flag.Duration("sample", 100*time.Millisecond, "resource sampling interval (1ms..1m)")
	reqTimeoutFlag  = flag.Duration("req-timeout", 0, harness.ReqTimeoutUsage)
	forceFlag       = flag.Bool("force", false, "run single-process strategies even when n exceeds this process's open-file limit (to see them fail)")
	serverCmdFlag   = flag.String("server-cmd", "", "slowserver binary to run the servers with (default: this test binary), e.g. one built with go build ./servers/slowserver")
	breakdownFlag   = flag.Bool("breakdown", false, "also report where each batch's time above the ideal goes (bench/breakdown: excess-ns, bd-*-ns); off: nothing of it runs")
	warmupFlag      = flag.Bool("warmup", true, "run one untimed batch before the timed ones (in warm mode it opens the connections; in cold mode it warms the Go runtime)")
)

// parseInflight parses the -scale list.
func parseInflight(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		mult := 1
		if v, ok := strings.CutSuffix(f, "k"); ok {
			f, mult = v, 1000
		}
		n, err := strconv.Atoi(f)
		if err != nil || n*mult < 1 || n*mult > maxInflight {
			return nil, fmt.Errorf("-scale %q: want a comma-separated list of 1k, 10k, 100k or numbers in 1..%d", s, maxInflight)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// parseList parses a comma-separated list whose items must be in known.
func parseList(flagName, s string, known []string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		ok := false
		for _, k := range known {
			ok = ok || f == k
		}
		if !ok {
			return nil, fmt.Errorf("-%s %q: %q is not one of %s", flagName, s, f, strings.Join(known, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// checkSettings parses and validates the flags, or returns an error
// naming the bad flag and its accepted range.
func checkSettings() (settings, error) {
	var s settings
	var err error
	if s.inflight, err = parseInflight(*scaleFlag); err != nil {
		return s, err
	}
	s.delay = *delayFlag
	if s.delay != 0 && (s.delay < time.Millisecond || s.delay > maxDelay) {
		return s, fmt.Errorf("-delay %v: want 0 (auto) or 1ms..10m", s.delay)
	}
	if s.strategies, err = parseList("strategies", *strategiesFlag, allowedStrategies()); err != nil {
		return s, err
	}
	modes, err := parseList("conns", *connsFlag, []string{"warm", "cold"})
	if err != nil {
		return s, err
	}
	for _, m := range modes {
		c, _ := clients.ParseConnMode(m)
		s.conns = append(s.conns, c)
	}
	s.servers, s.procs, s.hosts = *serverProcsFlag, *procsFlag, *hostsFlag
	switch {
	case s.servers < 0 || s.servers > serverproc.MaxGroup:
		return s, fmt.Errorf("-server-procs %d: want 0 (auto) or 1..%d", s.servers, serverproc.MaxGroup)
	case *listenersFlag < 0 || *listenersFlag > servercmd.MaxListeners:
		return s, fmt.Errorf("-listeners %d: want 0 (auto) or 1..%d", *listenersFlag, servercmd.MaxListeners)
	case s.hosts < 1 || s.hosts > 16:
		return s, fmt.Errorf("-hosts %d: want 1..16", s.hosts)
	}
	if err := harness.CheckProcs(s.procs); err != nil {
		return s, err
	}
	s.listeners = *listenersFlag
	if s.somaxconn, err = servercmd.Somaxconn(); err != nil {
		s.somaxconn = 4096 // Linux's default since 5.4
	}
	s.sample = *sampleFlag
	if s.sample < usage.MinInterval || s.sample > usage.MaxInterval {
		return s, fmt.Errorf("-sample %v: want %v..%v", s.sample, usage.MinInterval, usage.MaxInterval)
	}
	s.reqTimeout = *reqTimeoutFlag
	if err := harness.CheckReqTimeout(s.reqTimeout); err != nil {
		return s, err
	}
	s.reuseport, s.force, s.warmup = *reuseportFlag, *forceFlag, *warmupFlag
	s.breakdown = *breakdownFlag
	if s.python = *pythonFlag; s.python == "" {
		s.python = harness.DefaultPython
	}
	if err := harness.CheckPython(s.python); err != nil {
		return s, err
	}
	if *serverCmdFlag != "" {
		st, err := os.Stat(*serverCmdFlag)
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return s, fmt.Errorf("-server-cmd %q: want an executable slowserver binary", *serverCmdFlag)
		}
		s.serverCmd = []string{*serverCmdFlag}
	}
	return s, nil
}

// delayFor returns d for a level of n in flight.
func (s settings) delayFor(n int) time.Duration {
	switch {
	case s.delay != 0:
		return s.delay
	case n > 10_000:
		return 10 * time.Second
	}
	return time.Second
}

// serversFor returns the server processes for n in flight.
func (s settings) serversFor(n int) int {
	if s.servers != 0 {
		return s.servers
	}
	return min(serverproc.MaxGroup, (n+perServer-1)/perServer)
}

// listenersFor returns the listening sockets per server process for n in
// flight: enough accept queues to hold all of a server's share of
// connections at once, so that a burst of cold connects never finds them
// full (the kernel then drops SYNs, and the clients retry after 1 s).
func (s settings) listenersFor(n int) int {
	if s.listeners != 0 {
		return s.listeners
	}
	per := (n + s.serversFor(n) - 1) / s.serversFor(n)
	return min(servercmd.MaxListeners, max(1, (per+s.somaxconn-1)/s.somaxconn))
}

// procsFor returns the procs-fanout workers for n in flight.
func (s settings) procsFor(n int) int {
	if s.procs != 0 {
		return s.procs
	}
	return min(procpool.MaxProcs, max(2, (n+perWorker-1)/perWorker))
}

// timeoutFor returns the per-request timeout for delay d.
func (s settings) timeoutFor(d time.Duration) time.Duration {
	return harness.ReqTimeout(s.reqTimeout, d)
}

// hostList returns the server hosts 127.0.0.1 ... 127.0.0.<hosts>.
func (s settings) hostList() []string {
	out := make([]string, s.hosts)
	for i := range out {
		out[i] = fmt.Sprintf("127.0.0.%d", i+1)
	}
	return out
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
	s, err := checkSettings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	s.runner = harness.NewRunner(false)
	s.runner.SetPython(s.python)
	if err := s.runner.OpenHistLog(*histlogFlag); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	config = s
	bench := harness.Benchmarking()
	if bench {
		harness.PrintProvenance(os.Stdout, s.provenance())
	}
	// Benchmarks leave fasthttp's cleaners and closing connections behind
	// for a moment; leak checks are for the tests.
	os.Exit(s.runner.Main(m, os.Stdout, !bench, leaktest.FastHTTPCleaners()...))
}

// provenance returns the configuration lines of s: the machine's limits,
// which decide what the scale benchmark can reach, and the flags.
func (s settings) provenance() [][2]string {
	lines := [][2]string{
		{"scale", *scaleFlag},
		{"rlimit-nofile", limitString(rlimitNofile())},
		{"ip-local-port-range", sysctl("/proc/sys/net/ipv4/ip_local_port_range")},
		{"somaxconn", sysctl("/proc/sys/net/core/somaxconn")},
		{"listeners", listenersString(s.listeners)},
		{"tcp-max-syn-backlog", sysctl("/proc/sys/net/ipv4/tcp_max_syn_backlog")},
		{"tcp-syncookies", sysctl("/proc/sys/net/ipv4/tcp_syncookies")},
		{"tcp-tw-reuse", sysctl("/proc/sys/net/ipv4/tcp_tw_reuse")},
		{"nf-conntrack-max", sysctl("/proc/sys/net/netfilter/nf_conntrack_max")},
		{"reuseport", fmt.Sprint(s.reuseport)},
		{"hosts", fmt.Sprint(s.hosts)},
		{"sample", s.sample.String()},
		{"warmup", fmt.Sprint(s.warmup)},
		{"breakdown", fmt.Sprint(s.breakdown)},
		{"req-timeout", reqTimeoutString(s.reqTimeout)},
		{"procs", autoString(s.procs)},
		{"server-procs", autoString(s.servers)},
		{"python", s.python},
	}
	// Skipped sub-benchmarks leave no line in the output; say which.
	limit, err := rlimitNofile()
	if err != nil || s.force {
		return lines
	}
	for _, n := range s.inflight {
		var skipped []string
		for _, st := range s.strategies {
			sc := scaleCase{strategy: st, n: n, procs: s.procsFor(n)}
			if sc.perProc()+fdSlack > limit {
				skipped = append(skipped, st)
			}
		}
		if len(skipped) > 0 {
			lines = append(lines, [2]string{fmt.Sprintf("scale-skipped-inflight-%d", n), fmt.Sprintf("%s (one process would need about %d open files; RLIMIT_NOFILE is %d)",
				strings.Join(skipped, ", "), n+fdSlack, limit)})
		}
	}
	return lines
}

// autoString is n, or "auto" for 0.
func autoString(n int) string {
	if n == 0 {
		return "auto"
	}
	return strconv.Itoa(n)
}

// reqTimeoutString is -req-timeout as given, "auto" for 0.
func reqTimeoutString(t time.Duration) string {
	if t == 0 {
		return "auto (10×d + 30s)"
	}
	return t.String()
}

// sysctl returns the one-line content of a /proc/sys file, tabs as spaces.
func sysctl(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

func listenersString(n int) string {
	if n == 0 {
		return "auto"
	}
	return strconv.Itoa(n)
}

func limitString(n int, err error) string {
	if err != nil {
		return "unknown"
	}
	return strconv.Itoa(n)
}
