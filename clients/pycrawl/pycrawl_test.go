package pycrawl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// need skips the test, in one line naming the Debian package, unless
// Debian's python3 can run kind with parser.
func need(t *testing.T, kind Kind, parser Parser) {
	t.Helper()
	if err := Check(t.Context(), "", kind, parser); err != nil {
		t.Skip(err)
	}
}

// config is a crawl of s by kind.
func config(s *testSite, kind Kind) Config {
	return Config{Start: s.start(), Allow: s.hosts, Concurrency: 8, PerHost: 2, MaxBody: s.cap,
		ReqTimeout: 10 * time.Second, CrawlTimeout: 60 * time.Second, Kind: kind, Procs: 2}
}

// startCrawler starts a crawler and closes it at the end of the test,
// checking that no process is left behind.
func startCrawler(t *testing.T, cfg Config, script string) *Crawler {
	t.Helper()
	c, err := start(t.Context(), cfg, script)
	if err != nil {
		t.Fatalf("start %s: %v", cfg.Kind, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil && c.broken == nil {
			t.Errorf("Close: %v", err)
		}
		leaktest.WaitNoChildren(t, string(cfg.Kind))
	})
	return c
}

func crawl(t *testing.T, c *Crawler, cfg Config) *Result {
	t.Helper()
	res, err := c.Crawl(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	if err := res.Check(); err != nil {
		t.Fatal(err)
	}
	return res
}

// checkServed fails unless the site served exactly the pages in want,
// once each, and nothing outside the site.
func checkServed(t *testing.T, s *testSite, want map[int]bool) {
	t.Helper()
	bad := 0
	for i := range s.pages {
		got := s.hits[i].Load()
		if (want[i] && i%len(s.hosts) != s.refuse && got != 1) || (!want[i] && got != 0) {
			if bad++; bad <= 5 {
				t.Errorf("page %d served %d times, want %v", i, got, want[i])
			}
		}
	}
	if n := s.outsideHit.Load(); n != 0 {
		t.Errorf("the host outside the allow list served %d requests", n)
	}
	if n := s.strays.Load(); n != 0 {
		t.Errorf("%d requests for paths that are no page", n)
	}
}

// checkExpected compares a result with the site's breadth-first walk.
func checkExpected(t *testing.T, res *Result, e expected, bytes bool) {
	t.Helper()
	refused, status, timeout := res.Errors[clients.Refused], res.Errors[clients.Status], res.Errors[clients.Timeout]
	got := []int64{res.Pages, res.NotHTML, res.TooLarge, refused, status, timeout, res.Failed() - refused - status - timeout, res.Links, res.Skipped, res.Duplicates}
	want := []int64{e.pages, e.notHTML, e.tooLarge, e.refus, e.status, e.timeout, 0, e.links, e.skipped, e.dups}
	if !slices.Equal(got, want) {
		t.Errorf("pages, not html, too large, refused, status, timeout, other errors, links, skipped, duplicates = %v, want %v (%v, samples %v)", got, want, res, res.Samples)
	}
	if bytes && res.Bytes != e.bytes {
		t.Errorf("bytes %d, want %d", res.Bytes, e.bytes)
	}
	if n := res.Latency.TotalCount(); n != int64(len(e.fetched)) {
		t.Errorf("%d latencies, want one per fetch (%d)", n, len(e.fetched))
	}
}

// TestCrawlWholeSite crawls a site with both kinds: every page exactly
// once, nothing outside the allow list, every link accounted for, within
// c and m.
func TestCrawlWholeSite(t *testing.T) {
	for _, kind := range Kinds() {
		for _, parser := range Parsers() {
			t.Run(string(kind)+"/"+string(parser), func(t *testing.T) {
				need(t, kind, parser)
				s := newSite(t, 60, 4, nil, -1)
				cfg := config(s, kind)
				cfg.Parser = parser
				c := startCrawler(t, cfg, crawlerSource)
				if c.StartupTime() <= 0 || c.PythonVersion() == "" || c.SpinPerMicrosecond() <= 0 {
					t.Errorf("startup %v, python %q, spin %v", c.StartupTime(), c.PythonVersion(), c.SpinPerMicrosecond())
				}
				res := crawl(t, c, cfg)
				e := s.expect(t)
				if e.pages != 60 || e.refus != 0 {
					t.Fatalf("the test site's walk reaches %d pages, want all 60", e.pages)
				}
				checkExpected(t, res, e, true)
				checkServed(t, s, e.fetched)
				if len(res.Errors) != 0 {
					t.Errorf("errors %v (%v)", res.Errors, res.Samples)
				}
				host, all := s.peaks()
				if host > cfg.PerHost || all > cfg.Concurrency {
					t.Errorf("server saw %d in flight on a host and %d in total, want at most m=%d and c=%d", host, all, cfg.PerHost, cfg.Concurrency)
				}
				if all < 2 {
					t.Errorf("server saw at most %d request in flight: no concurrency", all)
				}
				if min := time.Duration(res.Latency.Min()); min < s.delay {
					t.Errorf("fastest fetch %v, below the site's delay %v", min, s.delay)
				}
				if res.PyElapsed <= 0 || res.Elapsed < res.PyElapsed || res.CPU <= 0 {
					t.Errorf("elapsed %v, python elapsed %v, cpu %v", res.Elapsed, res.PyElapsed, res.CPU)
				}
			})
		}
	}
}

// TestMaxPages stops each kind after exactly MaxPages pages; a second
// crawl on the same crawler starts afresh.
func TestMaxPages(t *testing.T) {
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			need(t, kind, HTMLParser)
			s := newSite(t, 60, 4, nil, -1)
			cfg := config(s, kind)
			cfg.MaxPages = 13
			c := startCrawler(t, cfg, crawlerSource)
			for round := 1; round <= 2; round++ {
				res := crawl(t, c, cfg)
				var served int64
				for i := range s.pages {
					served += s.hits[i].Load()
				}
				if res.Pages != 13 || res.Fetches() != 13 || served != int64(13*round) {
					t.Errorf("round %d: %v, server served %d in all; want exactly 13 pages per crawl", round, res, served)
				}
			}
		})
	}
}

// TestBadPages crawls a site with pages that are not HTML, larger than the
// cap (with and without Content-Length), a link loop, a host that refuses,
// a status 500, a redirect out of the site (never followed) and a page that
// stalls past the fetch timeout: each is counted as the site's walk
// predicts, and the crawl ends.
func TestBadPages(t *testing.T) {
	kinds := map[int]pageKind{1: octetStream, 6: png, 5: largeLength, 10: largeChunked, 2: loop, 9: loop,
		13: status500, 14: redirectOut, 17: stall}
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			need(t, kind, HTMLParser)
			s := newSite(t, 40, 4, kinds, 3)
			cfg := config(s, kind)
			cfg.ReqTimeout = 500 * time.Millisecond
			c := startCrawler(t, cfg, crawlerSource)
			res := crawl(t, c, cfg)
			e := s.expect(t)
			if e.notHTML != 2 || e.tooLarge != 2 || e.refus == 0 || e.status != 2 || e.timeout != 1 {
				t.Fatalf("the test site's walk misses a bad page: %+v", e)
			}
			if lat := res.Latency.Max(); !res.Latency.ValuesAreEquivalent(lat, int64(cfg.ReqTimeout)) && time.Duration(lat) < cfg.ReqTimeout {
				t.Errorf("longest fetch %v, want the stalled one at the timeout %v", time.Duration(lat), cfg.ReqTimeout)
			}
			for _, k := range []clients.ErrorKind{clients.Status, clients.Timeout} {
				if res.Samples[k] == "" || res.Samples[k] == "(no message from python)" {
					t.Errorf("%s sample %q", k, res.Samples[k])
				}
			}
			checkExpected(t, res, e, false)
			checkServed(t, s, e.fetched)
			if !strings.Contains(strings.ToLower(res.Samples[clients.Refused]), "refused") {
				t.Errorf("refused sample %q", res.Samples[clients.Refused])
			}
		})
	}
}

// procCPU returns the CPU time /proc gives for pids, summed.
func procCPU(t *testing.T, pids []int) time.Duration {
	t.Helper()
	var sum time.Duration
	for _, pid := range pids {
		p, err := usage.ReadProc(pid)
		if err != nil {
			t.Fatalf("read /proc of %d: %v", pid, err)
		}
		sum += p.CPU
	}
	return sum
}

// TestWorkCalibration checks the work loop's calibration by CPU time, not
// wall time: a crawl with work w uses about pages × w more CPU time than
// the same crawl without work, and the CPU time Python reports agrees with
// what /proc says its processes used. procs-asyncio's pages and CPU are
// spread over its processes and summed.
func TestWorkCalibration(t *testing.T) {
	const work = 10 * time.Millisecond
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			need(t, kind, HTMLParser)
			s := newSite(t, 40, 4, nil, -1)
			s.delay = 0
			cfg := config(s, kind)
			c := startCrawler(t, cfg, crawlerSource)
			pids := append([]int{c.Pid()}, c.Pids()...)
			if kind == Asyncio {
				pids = pids[:1]
			}
			base := crawl(t, c, cfg)
			cfg.Work = work
			before := procCPU(t, pids)
			res := crawl(t, c, cfg)
			seen := procCPU(t, pids) - before
			want := time.Duration(res.Pages) * work
			t.Logf("cpu without work %v, with %v of work %v; /proc saw %v", base.CPU, want, res.CPU, seen)
			if res.Pages != 40 || base.Pages != 40 {
				t.Fatalf("pages %d and %d, want 40", base.Pages, res.Pages)
			}
			if r := float64(res.CPU-base.CPU) / float64(want); r < 0.8 || r > 1.3 {
				t.Errorf("work added %v of CPU for %d pages × %v = %v: ratio %.2f, want 0.8 to 1.3", res.CPU-base.CPU, res.Pages, work, want, r)
			}
			if r := float64(res.CPU) / float64(want); r < 0.9 || r > 2 {
				t.Errorf("crawl used %v of CPU for %v of work: ratio %.2f, want 0.9 to 2", res.CPU, want, r)
			}
			// /proc counts in 10 ms ticks per process.
			if d := seen - res.CPU; d < -time.Duration(len(pids)+2)*10*time.Millisecond || d > res.CPU/5+50*time.Millisecond {
				t.Errorf("python reports %v of CPU, /proc %v for pids %v", res.CPU, seen, pids)
			}
			if kind != ProcsAsyncio {
				return
			}
			if len(res.Procs) != 3 || res.Procs[0].Pid != c.Pid() || !slices.Equal([]int{res.Procs[1].Pid, res.Procs[2].Pid}, c.Pids()) {
				t.Fatalf("processes %+v, want the parent %d then %v", res.Procs, c.Pid(), c.Pids())
			}
			for _, p := range res.Procs[1:] {
				// Hosts 0, 2 and 1, 3 hold 20 pages each.
				if p.Pages != 20 || p.CPU < time.Duration(p.Pages)*work*8/10 {
					t.Errorf("process %d: %d pages with %v of CPU, want 20 pages with at least 80%% of their work", p.Pid, p.Pages, p.CPU)
				}
			}
		})
	}
}

// TestConfigValidate names the bad field and its range.
func TestConfigValidate(t *testing.T) {
	good := Config{Start: "http://127.0.0.1:8080/p/0", Allow: []string{"127.0.0.1:8080", "127.0.0.2:8081"},
		Concurrency: 4, PerHost: 2, Kind: ProcsAsyncio, Procs: 2}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Kind = "threads" }, "kind"},
		{func(c *Config) { c.Parser = "bs4" }, "parser"},
		{func(c *Config) { c.Allow = nil }, "allow"},
		{func(c *Config) { c.Allow = []string{"example.com:80"} }, "allow[0]"},
		{func(c *Config) { c.Allow = []string{"10.0.0.1:80"} }, "allow[0]"},
		{func(c *Config) { c.Allow = []string{"127.0.0.1:8080", "127.0.0.1:0"} }, "allow[1]"},
		{func(c *Config) { c.Allow = []string{"127.0.0.1:8080", "127.0.0.1:8080"} }, "allow[1]"},
		{func(c *Config) { c.Start = "http://127.0.0.3:1/p/0" }, "start"},
		{func(c *Config) { c.Start = "https://127.0.0.1:8080/p/0" }, "start"},
		{func(c *Config) { c.Start = "http://127.0.0.1:8080/p/0#x" }, "start"},
		{func(c *Config) { c.MaxPages = -1 }, "max pages"},
		{func(c *Config) { c.Concurrency = 0 }, "concurrency"},
		{func(c *Config) { c.PerHost = 0 }, "per host"},
		{func(c *Config) { c.Work = -1 }, "work"},
		{func(c *Config) { c.Work = time.Minute }, "work"},
		{func(c *Config) { c.MaxBody = -1 }, "max body"},
		{func(c *Config) { c.ReqTimeout = -1 }, "req timeout"},
		{func(c *Config) { c.CrawlTimeout = -1 }, "crawl timeout"},
		{func(c *Config) { c.StartTimeout = -1 }, "start timeout"},
		{func(c *Config) { c.Procs = 0 }, "procs"},
		{func(c *Config) { c.Procs = 5 }, "procs"},
	} {
		cfg := good
		cfg.Allow = slices.Clone(good.Allow)
		tc.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want+":") {
			t.Errorf("Validate(%+v) = %v, want an error about %s", cfg, err, tc.want)
		}
	}
	if _, err := New(t.Context(), Config{Kind: Asyncio}); err == nil || !strings.Contains(err.Error(), "allow") {
		t.Errorf("New with no site = %v", err)
	}
}

// patched returns the crawler with code inserted before its entry point.
func patched(t *testing.T, code string) string {
	t.Helper()
	const entry = "\nif __name__ == \"__main__\":"
	if !strings.Contains(crawlerSource, entry) {
		t.Fatal("crawler.py has no entry point to patch before")
	}
	return strings.Replace(crawlerSource, entry, "\n"+code+"\n"+entry, 1)
}

// TestFaults causes each way the Python side can fail: each is an error
// naming what happened, the crawler is unusable afterwards, and no process
// is left behind.
func TestFaults(t *testing.T) {
	need(t, ProcsAsyncio, HTMLParser)
	cases := []struct {
		name  string
		kind  Kind
		patch string
		ctx   time.Duration // a deadline for Crawl's ctx, or 0
		want  []string
	}{
		{"raises", Asyncio, "def boom(self, cfg):\n    raise ZeroDivisionError('boom in crawl')\nAsyncio.crawl = boom",
			0, []string{"ZeroDivisionError: boom in crawl", "Traceback", "in boom"}},
		{"exits", Asyncio, "import os\ndef bye(self, cfg):\n    sys.stderr.write('leaving now\\n'); sys.stderr.flush(); os._exit(3)\nAsyncio.crawl = bye",
			0, []string{"exit status 3", "leaving now", "pid "}},
		{"garbage", Asyncio, "def garbage(self, cfg):\n    print('this is not json', flush=True)\n    return {}\nAsyncio.crawl = garbage",
			0, []string{"bad line", "this is not json", "pid "}},
		{"hangs", Asyncio, "def hang(self, cfg):\n    time.sleep(3600)\nAsyncio.crawl = hang",
			time.Second, []string{"no answer", "deadline exceeded", "signal: killed"}},
		{"child dies", ProcsAsyncio, "import os\nasync def die(self, url):\n    os._exit(5)\nCrawl.get = die",
			0, []string{"exited with 5"}},
		{"child hangs", ProcsAsyncio, "async def hang(self, url):\n    time.sleep(3600)\nCrawl.get = hang",
			time.Second, []string{"no answer", "deadline exceeded"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t, 10, 2, nil, -1)
			cfg := config(s, tc.kind)
			c := startCrawler(t, cfg, patched(t, tc.patch))
			ctx := t.Context()
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
			}
			begin := time.Now()
			_, err := c.Crawl(ctx, cfg)
			if err == nil {
				t.Fatal("Crawl succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if d := time.Since(begin); d > 30*time.Second {
				t.Errorf("Crawl took %v to fail", d)
			}
			if _, err := c.Crawl(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "unusable") {
				t.Errorf("second Crawl = %v, want unusable", err)
			}
		})
	}
}

// A crawl whose Config asks for another kind, or procs, is refused.
func TestCrawlMismatch(t *testing.T) {
	need(t, Asyncio, HTMLParser)
	s := newSite(t, 4, 2, nil, -1)
	cfg := config(s, Asyncio)
	c := startCrawler(t, cfg, crawlerSource)
	other := config(s, ProcsAsyncio)
	if _, err := c.Crawl(t.Context(), other); err == nil || !strings.Contains(err.Error(), "fixed by New") {
		t.Errorf("Crawl of another kind = %v", err)
	}
	if res := crawl(t, c, cfg); res.Pages != 4 {
		t.Errorf("%v, want 4 pages", res)
	}
}

// fakePython writes an interpreter that runs Debian's python3 with a
// module that fails to import, as on a machine without its package.
func fakePython(t *testing.T, module string) string {
	t.Helper()
	dir := t.TempDir()
	pkg := filepath.Join(dir, "lib", module)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte("raise ModuleNotFoundError(\"No module named '"+module+"'\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	py := filepath.Join(dir, "python3")
	sh := "#!/bin/sh\nPYTHONPATH=" + filepath.Join(dir, "lib") + " exec " + DefaultPython + " \"$@\"\n"
	if err := os.WriteFile(py, []byte(sh), 0o755); err != nil {
		t.Fatal(err)
	}
	return py
}

func TestCheck(t *testing.T) {
	need(t, Asyncio, HTMLParser)
	py := fakePython(t, "lxml")
	err := Check(t.Context(), py, Asyncio, LXML)
	if err == nil || !strings.Contains(err.Error(), "install python3-lxml") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Check = %v, want one line naming python3-lxml", err)
	}
	if err := Check(t.Context(), py, ProcsAsyncio, HTMLParser); err != nil {
		t.Errorf("Check(html.parser) = %v, want nil", err)
	}
	py = fakePython(t, "aiohttp")
	if err := Check(t.Context(), py, Asyncio, ""); err == nil || !strings.Contains(err.Error(), "install python3-aiohttp") {
		t.Errorf("Check = %v, want python3-aiohttp", err)
	}
	cfg := Config{Start: "http://127.0.0.1:1/p/0", Allow: []string{"127.0.0.1:1"}, Concurrency: 1, PerHost: 1, Kind: Asyncio, Python: py}
	if _, err := New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "ModuleNotFoundError") {
		t.Errorf("New without aiohttp = %v, want its ModuleNotFoundError", err)
	}
	leaktest.WaitNoChildren(t, "failed start")
	if err := Check(t.Context(), filepath.Join(t.TempDir(), "none"), Asyncio, ""); err == nil || !strings.Contains(err.Error(), "install python3") {
		t.Errorf("Check of a missing interpreter = %v", err)
	}
	if err := Check(t.Context(), "", "threads", ""); err == nil {
		t.Error("Check of an unknown kind succeeded")
	}
}

// TestCrawlManyHosts is the exactly-once check at a size CI runs
// in a few seconds: 2,000 pages over 16 hosts, c = 64, m = 4, both kinds.
// (10,000 pages pass too: 5.0 s for asyncio, 3.2 s for procs-asyncio on 2
// cores.)
func TestCrawlManyHosts(t *testing.T) {
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			need(t, kind, HTMLParser)
			s := newSite(t, 2000, 16, nil, -1)
			s.delay = 0
			cfg := config(s, kind)
			cfg.Concurrency, cfg.PerHost, cfg.Procs = 64, 4, 2
			c := startCrawler(t, cfg, crawlerSource)
			res := crawl(t, c, cfg)
			e := s.expect(t)
			checkExpected(t, res, e, true)
			checkServed(t, s, e.fetched)
			if len(res.Errors) != 0 || res.Pages != 2000 {
				t.Errorf("%v, want 2000 pages and no errors", res)
			}
			if host, all := s.peaks(); host > cfg.PerHost || all > cfg.Concurrency {
				t.Errorf("server saw %d in flight on a host and %d in total, want at most m=%d and c=%d", host, all, cfg.PerHost, cfg.Concurrency)
			}
		})
	}
}

// TestDecodeResult rejects results that break the invariants.
func TestDecodeResult(t *testing.T) {
	good := func() *message {
		return &message{Type: "result", Pages: 2, NotHTML: 1, Errors: map[string]int64{"refused": 1},
			Links: 5, Skipped: 2, Dups: 1, Lat: []int64{1e6, 2e6, 3e6, 4e6}, CPUNS: 30, Procs: [][3]int64{{7, 2, 30}}}
	}
	res, err := decodeResult(good())
	if err != nil {
		t.Fatal(err)
	}
	if res.Fetches() != 4 || res.Errors[clients.Refused] != 1 || res.Samples[clients.Refused] == "" || res.CPU != 30 {
		t.Errorf("decoded %v", res)
	}
	for what, edit := range map[string]func(*message){
		"latencies":  func(m *message) { m.Lat = m.Lat[1:] },
		"kind":       func(m *message) { m.Errors["eaten by a grue"] = 1 },
		"canceled":   func(m *message) { m.Errors["canceled"] = 1; m.Lat = append(m.Lat, 1) },
		"links":      func(m *message) { m.Dups = 4 },
		"cpu sum":    func(m *message) { m.CPUNS = 31 },
		"pages sum":  func(m *message) { m.Procs[0][1] = 1 },
		"negative":   func(m *message) { m.Lat[0] = -1 },
		"bad pid":    func(m *message) { m.Procs[0][0] = 0 },
		"neg counts": func(m *message) { m.Bytes = -1 },
	} {
		m := good()
		edit(m)
		if _, err := decodeResult(m); err == nil {
			t.Errorf("%s: decoded %+v", what, m)
		}
	}
	for _, line := range []string{`{"type":"result","bogus":1}`, `{"type":"what"}`, `{"type":"ready"} {}`, `not json`} {
		if _, err := decodeMessage([]byte(line)); !errors.Is(err, errGarbage) {
			t.Errorf("decodeMessage(%s) = %v, want garbage", line, err)
		}
	}
}
