package crawl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	crawler "github.com/crawlbench/crawlbench/clients/crawl"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/servers/site"
	"github.com/crawlbench/crawlbench/servers/site/sitecmd"
)

// startSite runs the site in a process of its own and returns it with the
// crawl's allow list.
func startSite(tb testing.TB, c site.Config) (*sitecmd.Proc, []string) {
	tb.Helper()
	p, err := sitecmd.Start(context.Background(), sitecmd.Args(c))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := p.Stop(); err != nil {
			tb.Errorf("stopping the site: %v", err)
		}
	})
	var allow []string
	for _, h := range p.Hosts {
		u, err := url.Parse(h)
		if err != nil {
			tb.Fatal(err)
		}
		allow = append(allow, u.Host)
	}
	return p, allow
}

// checkOnce fails unless the site served every page exactly once since its
// last reset and nothing else.
func checkOnce(ctx context.Context, p *sitecmd.Proc) error {
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	if err := st.Check(func(int) int64 { return 1 }); err != nil {
		return err
	}
	if st.Misses != 0 || st.Canceled != 0 {
		return fmt.Errorf("site: %d requests for no page, %d canceled", st.Misses, st.Canceled)
	}
	return nil
}

// durName formats a work duration for a benchmark name in ASCII: 0, 500us,
// 2ms.
func durName(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	return fmt.Sprintf("%dus", d/time.Microsecond)
}

// modelOf returns the roofline model of one case: the crawler's c, m and
// cores as strategy st runs them (procs worker processes of ⌈c/procs⌉
// requests each), with cpu per page (the pure model: parse + work).
func modelOf(st crawler.Strategy, levels [][]int, sc site.Config, c, m, g, procs int, cpu time.Duration) model.Crawl {
	switch {
	case st.OneAtATime:
		c, m = 1, 1
	case st.Procs:
		c = (c + procs - 1) / procs * procs
	}
	return model.Crawl{Levels: levels, Delay: sc.Delay, C: c, M: m, K: sc.Capacity, CPU: cpu, Cores: st.Cores(g, procs, runtime.NumCPU())}
}

// measuredModel is mod with the CPU really spent per page: the crawler's
// (parse, work and its HTTP stack, every process) on its cores, and the
// site's, which shares the machine's cores, as Shared.
func measuredModel(mod model.Crawl, crawlerPer, sitePer time.Duration) model.Crawl {
	mod.CPU, mod.Shared, mod.MachineCores = crawlerPer, sitePer, runtime.NumCPU()
	return mod
}

// BenchmarkCrawl crawls the whole site once per iteration, every case of
// the flags' grid (see the package doc for the metrics). The Python
// crawlers ignore GOMAXPROCS: they run once per case, at the last
// -gomaxprocs value (their procs= key).
func BenchmarkCrawl(b *testing.B) {
	s := config
	ctx := context.Background()
	p, allow := startSite(b, s.site)
	sc := s.site.WithDefaults()
	levels := site.LevelsByHost(sc)
	parse, err := parseCost(ctx, p, allow)
	if err != nil {
		b.Fatal(err)
	}
	burner, err := crawler.Calibrate()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("site: %d pages over %d hosts in %d levels; Go parse %v per page; work loop %.3f ns/iteration", sc.Pages, sc.Hosts, len(levels), parse, burner.NsPerIter)
	top := fmt.Sprintf("pages=%d/hosts=%d/size=%d", sc.Pages, sc.Hosts, sc.PageBytes)
	for _, w := range s.works {
		for _, c := range s.cs {
			for _, m := range s.ms {
				for _, st := range s.strategies {
					for _, g := range gomaxprocsOf(st, s.gomaxprocs) {
						name := fmt.Sprintf("%s/work=%s/c=%d/m=%d/gomaxprocs=%d/strategy=%s", top, durName(w), c, m, g, st.Name)
						cfg := crawler.Config{Start: p.StartURL(), Allow: allow, Concurrency: c, PerHost: min(m, c), Work: w,
							ReqTimeout: s.reqTimeout, Procs: s.procs, WorkerGOMAXPROCS: g, Burner: &burner}
						cpu := parse
						if st.isPython() {
							cpu = 0 // measured by the first run (Python's parse is not Go's)
						}
						mod := modelOf(st.Strategy, levels, sc, c, min(m, c), g, s.procs, cpu+w)
						b.Run(name, func(b *testing.B) { runCase(b, p, st, cfg, mod, g) })
					}
				}
			}
		}
	}
}

// parseCost fetches page 0 and measures the CPU of parsing it.
func parseCost(ctx context.Context, p *sitecmd.Proc, allow []string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.StartURL(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := (&http.Transport{}).RoundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("fetching the start page: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("fetching the start page: %w", err)
	}
	if err := p.Reset(ctx); err != nil {
		return 0, err
	}
	return crawler.ParseCPU(body, p.StartURL(), allow, 200)
}

// runCase runs one case: the strategy is opened outside the timer
// (pycrawl.New for a Python crawler), then each iteration resets the
// site's counters, crawls, and checks that every page was fetched exactly
// once with no failed request, or fails loudly (REQUESTS FAILED).
func runCase(b *testing.B, p *sitecmd.Proc, st strat, cfg crawler.Config, mod model.Crawl, g int) {
	ctx := context.Background()
	if err := config.pythonSkip(ctx, st); err != nil {
		b.Skip(err)
	}
	prev := runtime.GOMAXPROCS(g)
	defer runtime.GOMAXPROCS(prev)
	sess, err := st.open(ctx, cfg, config.python)
	if err != nil {
		config.fail(b.Name())
		b.Fatal(err)
	}
	defer func() {
		if err := sess.close(); err != nil {
			b.Errorf("%s: close: %v", st.Name, err)
		}
	}()
	var elapsed, cpu, siteCPU time.Duration
	var pages, failed, runs int64
	lat := clients.NewHistogram()
	if err := p.Reset(ctx); err != nil {
		b.Fatal(err)
	}
	site0, err := usage.ReadProc(p.Pid())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := sess.crawl(ctx)
		b.StopTimer()
		site1, err1 := usage.ReadProc(p.Pid())
		if err1 != nil {
			b.Fatal(err1)
		}
		siteCPU += site1.CPU - site0.CPU
		if err != nil {
			config.fail(b.Name())
			b.Fatalf("REQUESTS FAILED: %s: %v", st.Name, err)
		}
		runs++
		elapsed += res.Elapsed
		cpu += res.CPU
		pages += res.Pages
		failed += res.Failed()
		lat.Merge(res.Latency)
		if err := res.Err(); err != nil {
			config.fail(b.Name())
			b.Errorf("REQUESTS FAILED: %v", err)
		}
		if res.NotHTML != 0 || res.TooLarge != 0 {
			config.fail(b.Name())
			b.Errorf("REQUESTS FAILED: %d not HTML, %d too large: %v", res.NotHTML, res.TooLarge, res)
		}
		if err := checkOnce(ctx, p); err != nil {
			config.fail(b.Name())
			b.Errorf("REQUESTS FAILED: not every page fetched exactly once: %v", err)
		}
		if err := p.Reset(ctx); err != nil {
			b.Fatal(err)
		}
		if site0, err = usage.ReadProc(p.Pid()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	if runs == 0 || pages == 0 {
		return
	}
	crawlerPer := cpu / time.Duration(pages)
	sitePer := siteCPU / time.Duration(pages)
	if st.isPython() {
		// Python's parse is not measured apart from its crawl: the pure
		// model of a Python crawler takes the crawler's CPU per page
		// (parse, work and aiohttp), without the site's.
		mod.CPU = crawlerPer
	}
	meas := measuredModel(mod, crawlerPer, sitePer)
	ideal, err := meas.IdealTime()
	if err != nil {
		b.Fatal(err)
	}
	pure, err := mod.IdealTime()
	if err != nil {
		b.Fatal(err)
	}
	// The timer's time (ns/op), which includes what a Go crawl sets up (a
	// transport; for procs-fanout, its worker processes), so that
	// overhead-x = ns/op ÷ ideal-ns as everywhere in the suite.
	timed := b.Elapsed()
	perRun := float64(timed) / float64(runs)
	b.ReportMetric(float64(pages)/timed.Seconds(), "pages/s")
	b.ReportMetric(float64(ideal), "ideal-ns")
	b.ReportMetric(perRun/float64(ideal), "overhead-x")
	b.ReportMetric(float64(pure), "model-ideal-ns")
	b.ReportMetric(perRun/float64(pure), "model-overhead-x")
	b.ReportMetric(float64(elapsed)/float64(runs), "crawl-ns")
	b.ReportMetric(mod.IORoof(), "io-roof-pages/s")
	b.ReportMetric(mod.CPURoof(), "cpu-roof-pages/s")
	b.ReportMetric(float64(crawlerPer), "cpu-per-page-ns")
	b.ReportMetric(float64(mod.CPU), "model-cpu-per-page-ns")
	// The site shares the machine's cores: its CPU per page (10 ms ticks).
	b.ReportMetric(float64(sitePer), "site-cpu-per-page-ns")
	// The roof with the CPU really spent: the crawler's (HTTP included) on
	// its cores, and the crawler's and the site's together on the machine's.
	b.ReportMetric(meas.Roof(), "measured-cpu-roof-pages/s")
	b.ReportMetric(float64(meas.Cores), "cores")
	if sess.startup > 0 {
		b.ReportMetric(float64(sess.startup), "startup-ns")
	}
	b.ReportMetric(float64(lat.ValueAtQuantile(50)), "p50-ns")
	b.ReportMetric(float64(lat.ValueAtQuantile(99)), "p99-ns")
	b.ReportMetric(float64(failed)/float64(runs), "errors")
}
