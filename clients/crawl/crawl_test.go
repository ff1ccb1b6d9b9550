package crawl_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/crawl"
	"github.com/crawlbench/crawlbench/servers/site"
)

func startSite(t *testing.T, c site.Config) *site.Site {
	t.Helper()
	s, err := site.Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func config(s *site.Site, c, m int) crawl.Config {
	var allow []string
	for _, u := range s.URLs() {
		pu, _ := url.Parse(u)
		allow = append(allow, pu.Host)
	}
	return crawl.Config{Start: s.Start(), Allow: allow, Concurrency: c, PerHost: m, Procs: 2, ReqTimeout: 10 * time.Second}
}

// reach is an independent breadth-first search of the generated graph:
// which pages a crawl reaches when it reads no links from the pages in
// dead (bad pages, pages on a refusing host).
func reach(g *site.Graph, dead func(int) bool) []bool {
	seen := make([]bool, g.Pages)
	seen[0] = true
	stack := []int{0}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if dead(p) {
			continue
		}
		for _, q := range g.Out[p] {
			if !seen[q] {
				seen[q] = true
				stack = append(stack, int(q))
			}
		}
	}
	return seen
}

// inSiteLinks counts the in-site links of the pages whose links are read.
func inSiteLinks(g *site.Graph, read func(int) bool) int64 {
	var n int64
	for p := range g.Pages {
		if read(p) {
			n += int64(len(g.Out[p]))
		}
	}
	return n
}

func checkResult(t *testing.T, res *crawl.Result) {
	t.Helper()
	if got := res.Latency.TotalCount(); got != res.Requests() {
		t.Errorf("%s: %d latencies for %d requests", res.Strategy, got, res.Requests())
	}
	if res.Elapsed <= 0 || res.CPU <= 0 {
		t.Errorf("%s: elapsed %v, cpu %v", res.Strategy, res.Elapsed, res.CPU)
	}
}

// Every strategy crawls the whole site and fetches every page exactly once
// by the server's counters, with no errors.
func TestEveryStrategyEveryPageOnce(t *testing.T) {
	const pages, hosts = 2000, 16
	s := startSite(t, site.Config{Seed: 5, Pages: pages, Hosts: hosts, Delay: time.Millisecond, PageBytes: 4000})
	g := s.Graph()
	ext := int64(site.DefaultExternal)
	for _, st := range crawl.Strategies() {
		t.Run(st.Name, func(t *testing.T) {
			s.Reset()
			res, err := st.Crawl(context.Background(), config(s, 32, 4))
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res)
			if res.Pages != pages || res.Failed() != 0 || res.NotHTML != 0 || res.TooLarge != 0 {
				t.Errorf("%v; want %d pages, nothing failed", res, pages)
			}
			if err := s.Status().Check(func(int) int64 { return 1 }); err != nil {
				t.Error(err)
			}
			in := inSiteLinks(g, func(int) bool { return true })
			// An out-of-site href is skipped, except "#top", which is the
			// page itself: a duplicate.
			if res.Links != in+pages*ext || res.Skipped+res.Duplicates != in-(pages-1)+pages*ext || res.Skipped < pages {
				t.Errorf("links %d skipped %d duplicates %d; want %d links, %d skipped or duplicates", res.Links, res.Skipped, res.Duplicates, in+pages*ext, in-(pages-1)+pages*ext)
			}
			if st := s.Status(); st.MaxInFlight > 4 {
				t.Errorf("a host had %d requests in flight, want at most m = 4", st.MaxInFlight)
			}
		})
	}
}

// Bad pages are counted, never a hang: a page that is not HTML, one over
// MaxBody, a link loop, a host that refuses connections.
func TestBadPages(t *testing.T) {
	const pages, hosts = 300, 6
	notHTML, huge, loop, refuse := 7, 8, 9, 4
	s := startSite(t, site.Config{Seed: 2, Pages: pages, Hosts: hosts, NotHTML: []int{notHTML}, Huge: []int{huge},
		HugeBytes: 200_000, Loop: []int{loop}, Refuse: []int{refuse}, PageBytes: 4000, Gzip: true})
	g := s.Graph()
	dead := func(p int) bool { return p == notHTML || p == huge || p%hosts == refuse }
	seen := reach(g, dead)
	var want, refused int64
	for p, ok := range seen {
		switch {
		case !ok:
		case p%hosts == refuse:
			refused++
		case p != notHTML && p != huge:
			want++
		}
	}
	if !seen[notHTML] || !seen[huge] || !seen[loop] || refused == 0 {
		t.Fatalf("seed: the bad pages are not all reached (%v %v %v, %d refused)", seen[notHTML], seen[huge], seen[loop], refused)
	}
	for _, st := range crawl.Strategies() {
		t.Run(st.Name, func(t *testing.T) {
			s.Reset()
			cfg := config(s, 8, 2)
			cfg.MaxBody = 100_000
			res, err := st.Crawl(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res)
			if res.Pages != want || res.NotHTML != 1 || res.TooLarge != 1 || res.Errors[clients.Refused] != refused || res.Failed() != refused {
				t.Errorf("%v, errors %v; want %d pages, 1 not-HTML, 1 too large, %d refused", res, res.Errors, want, refused)
			}
			if err := res.Err(); err == nil {
				t.Errorf("Err() = nil with %d refused", refused)
			}
			st := s.Status()
			if err := st.Check(func(p int) int64 {
				if seen[p] && p%hosts != refuse {
					return 1
				}
				return 0
			}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestMaxPages(t *testing.T) {
	s := startSite(t, site.Config{Seed: 1, Pages: 500, Hosts: 4, PageBytes: 2000})
	for _, st := range crawl.Strategies() {
		t.Run(st.Name, func(t *testing.T) {
			s.Reset()
			cfg := config(s, 8, 4)
			cfg.MaxPages = 100
			res, err := st.Crawl(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := int64(100), int64(100)
			if st.Procs {
				hi = 500 // workers go on until the parent's Stop reaches them (documented)
			}
			if res.Pages < lo || res.Pages > hi {
				t.Errorf("%d pages, want %d..%d", res.Pages, lo, hi)
			}
			var fetched int64
			for _, n := range s.Status().Fetches {
				fetched += n
			}
			if fetched != res.Pages {
				t.Errorf("server served %d pages, crawler counted %d", fetched, res.Pages)
			}
		})
	}
}

// A canceled crawl returns, its requests counted as failed, not a hang.
func TestCanceled(t *testing.T) {
	s := startSite(t, site.Config{Seed: 1, Pages: 200, Hosts: 2, Delay: 50 * time.Millisecond, PageBytes: 2000})
	for _, st := range crawl.Strategies() {
		t.Run(st.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
			defer cancel()
			res, err := st.Crawl(ctx, config(s, 4, 2))
			if err != nil {
				t.Fatal(err)
			}
			if res.Pages >= 200 {
				t.Errorf("canceled crawl fetched every page: %v", res)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	good := crawl.Config{Start: "http://127.0.0.1:1/p/0", Allow: []string{"127.0.0.1:1"}, Concurrency: 1}
	for _, tc := range []struct {
		name string
		mod  func(*crawl.Config)
		want string
	}{
		{"no allow", func(c *crawl.Config) { c.Allow = nil }, "Allow"},
		{"bad start", func(c *crawl.Config) { c.Start = "ftp://x" }, "Start"},
		{"start not allowed", func(c *crawl.Config) { c.Start = "http://127.0.0.1:2/" }, "Start"},
		{"c", func(c *crawl.Config) { c.Concurrency = 0 }, "Concurrency"},
		{"work", func(c *crawl.Config) { c.Work = 2 * time.Second }, "Work"},
		{"procs", func(c *crawl.Config) { c.Procs = 1000 }, "Procs"},
	} {
		c := good
		tc.mod(&c)
		for _, st := range crawl.Strategies() {
			_, err := st.Crawl(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %s: %v, want an error naming %s", st.Name, tc.name, err, tc.want)
			}
		}
	}
	// A refusing start host is a counted failure, not an error.
	res, err := crawl.Fanout(context.Background(), good)
	if err != nil || res.Errors[clients.Refused] != 1 {
		t.Errorf("refused start: %v, %v", res, err)
	}
}

func TestStrategyCores(t *testing.T) {
	for _, tc := range []struct {
		s                     crawl.Strategy
		g, procs, cpus, cores int
	}{
		{crawl.Strategy{}, 2, 4, 2, 2},
		{crawl.Strategy{}, 1, 4, 2, 1},
		{crawl.Strategy{OneCore: true}, 8, 4, 8, 1},
		{crawl.Strategy{Procs: true}, 1, 4, 2, 2},
		{crawl.Strategy{Procs: true, OneCore: true}, 2, 3, 8, 3},
		{crawl.Strategy{Procs: true}, 2, 3, 8, 6},
	} {
		if got := tc.s.Cores(tc.g, tc.procs, tc.cpus); got != tc.cores {
			t.Errorf("%+v.Cores(%d, %d, %d) = %d, want %d", tc.s, tc.g, tc.procs, tc.cpus, got, tc.cores)
		}
	}
}
