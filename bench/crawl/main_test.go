package crawl

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/resultset"
	crawler "github.com/crawlbench/crawlbench/clients/crawl"
	"github.com/crawlbench/crawlbench/clients/pycrawl"
	"github.com/crawlbench/crawlbench/servers/serverproc"
	"github.com/crawlbench/crawlbench/servers/site"
	"github.com/crawlbench/crawlbench/servers/site/sitecmd"
)

var (
	pagesFlag      = flag.Int("pages", 10_000, fmt.Sprintf("pages P of the site; 1..%d", site.MaxPages))
	hostsFlag      = flag.Int("hosts", 16, fmt.Sprintf("hosts H of the site; 1..%d", site.MaxHosts))
	pageBytesFlag  = flag.Int("page-bytes", site.DefaultPageBytes, fmt.Sprintf("HTML bytes per page; %d..%d", site.MinPageBytes, site.MaxPageBytes))
	delayFlag      = flag.Duration("delay", 5*time.Millisecond, "delay d of every page; 0..1m")
	capacityFlag   = flag.Int("capacity", 0, fmt.Sprintf("requests in service at once per host k (0: unlimited); 0..%d", site.MaxCapacity))
	gzipFlag       = flag.Bool("gzip", false, "serve pages gzipped")
	cFlag          = flag.String("conc", "64", fmt.Sprintf("comma-separated requests in flight c (go test owns -c); each 1..%d", crawler.MaxConcurrency))
	mFlag          = flag.String("per-host", "4", "comma-separated requests in flight per host m; each 1..c")
	workFlag       = flag.String("page-work", "0,500us,1ms,2ms,5ms", fmt.Sprintf("comma-separated CPU work per page; each 0..%v", crawler.MaxWork))
	gomaxprocsFlag = flag.String("gomaxprocs", "1,0", fmt.Sprintf("comma-separated GOMAXPROCS of the crawler (0: all %d cores); each 0..1024", runtime.NumCPU()))
	strategiesFlag = flag.String("strategies", "", "comma-separated crawler strategies (default all: "+strings.Join(names(), ",")+")")
	procsFlag      = flag.Int("procs", 0, harness.ProcsUsage+"; here the worker processes of procs-fanout and of the Python processes × asyncio crawler, auto = the cores")
	reqTimeoutFlag = flag.Duration("req-timeout", 0, harness.ReqTimeoutUsage)
	pythonFlag     = flag.String("python", harness.DefaultPython, harness.PythonUsage)
)

// settings are the parsed flags.
type settings struct {
	site       site.Config
	cs, ms     []int
	works      []time.Duration
	gomaxprocs []int
	strategies []strat
	procs      int
	reqTimeout time.Duration
	python     string
	runner     *harness.Runner

	mu      sync.Mutex
	failed  []string
	checked map[pycrawl.Kind]error // pythonSkip's answers
}

// config is set once by TestMain before any benchmark runs.
var config *settings

func parseInts(name, s string, lo, hi int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < lo || n > hi {
			return nil, fmt.Errorf("-%s %q: want comma-separated integers, each %d..%d", name, s, lo, hi)
		}
		out = append(out, n)
	}
	return out, nil
}

func checkSettings() (*settings, error) {
	s := &settings{procs: *procsFlag, reqTimeout: *reqTimeoutFlag, python: *pythonFlag}
	if err := harness.CheckPython(s.python); err != nil {
		return nil, err
	}
	s.site = site.Config{Seed: 1, Pages: *pagesFlag, Hosts: *hostsFlag, PageBytes: *pageBytesFlag, Delay: *delayFlag,
		Capacity: *capacityFlag, Gzip: *gzipFlag}
	if err := s.site.WithDefaults().Validate(); err != nil {
		return nil, fmt.Errorf("%v (flags -pages, -hosts, -page-bytes, -delay, -capacity)", err)
	}
	var err error
	if s.cs, err = parseInts("conc", *cFlag, 1, crawler.MaxConcurrency); err != nil {
		return nil, err
	}
	if s.ms, err = parseInts("per-host", *mFlag, 1, crawler.MaxConcurrency); err != nil {
		return nil, err
	}
	if s.gomaxprocs, err = parseInts("gomaxprocs", *gomaxprocsFlag, 0, 1024); err != nil {
		return nil, err
	}
	for _, f := range strings.Split(*workFlag, ",") {
		w, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || w < 0 || w > crawler.MaxWork {
			return nil, fmt.Errorf("-page-work %q: want comma-separated durations, each 0..%v", *workFlag, crawler.MaxWork)
		}
		s.works = append(s.works, w)
	}
	if *strategiesFlag == "" {
		s.strategies = strategies()
	} else {
		for _, n := range strings.Split(*strategiesFlag, ",") {
			i := slices.IndexFunc(strategies(), func(st strat) bool { return st.Name == strings.TrimSpace(n) })
			if i < 0 {
				return nil, fmt.Errorf("-strategies %q: unknown %q, want some of %s", *strategiesFlag, n, strings.Join(names(), ","))
			}
			s.strategies = append(s.strategies, strategies()[i])
		}
	}
	if err := harness.CheckProcs(s.procs); err != nil {
		return nil, err
	}
	if s.procs > crawler.MaxProcs {
		return nil, fmt.Errorf("-procs %d: want 0 (auto) or 1..%d", s.procs, crawler.MaxProcs)
	}
	if s.procs == 0 {
		s.procs = runtime.NumCPU()
	}
	if err := harness.CheckReqTimeout(s.reqTimeout); err != nil {
		return nil, err
	}
	s.reqTimeout = harness.ReqTimeout(s.reqTimeout, s.site.Delay)
	return s, nil
}

func (s *settings) provenance() [][2]string {
	return [][2]string{
		{resultset.KeyDelay, s.site.Delay.String()},
		{resultset.KeyProcs, strconv.Itoa(s.procs)},
		{resultset.KeyReqTimeout, s.reqTimeout.String()},
		{"python", s.python},
		{"crawl-pages", strconv.Itoa(s.site.Pages)},
		{"crawl-hosts", strconv.Itoa(s.site.Hosts)},
		{"crawl-page-bytes", strconv.Itoa(s.site.WithDefaults().PageBytes)},
		{"crawl-capacity", strconv.Itoa(s.site.Capacity)},
		{"crawl-gzip", strconv.FormatBool(s.site.Gzip)},
		{"crawl-seed", strconv.FormatUint(s.site.Seed, 10)},
	}
}

func (s *settings) fail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed = append(s.failed, name)
}

func TestMain(m *testing.M) {
	if sitecmd.IsChild() {
		os.Exit(sitecmd.ChildMain())
	}
	if serverproc.IsChild() {
		os.Exit(serverproc.ChildMain())
	}
	if crawler.IsWorker() {
		os.Exit(crawler.WorkerMain())
	}
	flag.Parse()
	s, err := checkSettings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawl:", err)
		os.Exit(2)
	}
	s.runner = harness.NewRunner(false)
	config = s
	if harness.Benchmarking() {
		harness.PrintProvenance(os.Stdout, s.provenance())
	}
	code := s.runner.Main(m, os.Stdout, false)
	if len(s.failed) > 0 {
		fmt.Fprintf(os.Stdout, "FAIL: %d crawl run(s) failed (REQUESTS FAILED; see --- FAIL above): %s\n", len(s.failed), strings.Join(s.failed, ", "))
		code = max(code, 1)
	}
	os.Exit(code)
}
