package crawl

import (
	"context"
	"testing"
	"time"

	crawler "github.com/crawlbench/crawlbench/clients/crawl"
	"github.com/crawlbench/crawlbench/clients/pycrawl"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/site"
)

// TestEveryStrategyCrawlsTheSite is the CI-sized crawl: 2,000 pages over 16
// hosts served by a site process with delays drawn uniformly from 0–2 ms
// (mean d = 1 ms), every strategy, the Python crawlers included (skipped,
// naming the Debian package, when python3 lacks aiohttp): every page fetched exactly once by the site's
// counters, 0 errors.
func TestEveryStrategyCrawlsTheSite(t *testing.T) {
	ctx := context.Background()
	c := site.Config{Seed: 11, Pages: 2000, Hosts: 16, PageBytes: 4000, Delay: time.Millisecond, Dist: servers.DistUniform}
	p, allow := startSite(t, c)
	for _, st := range strategies() {
		t.Run(st.Name, func(t *testing.T) {
			if err := p.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			if st.isPython() {
				if err := pycrawl.Check(ctx, "", st.py, pycrawl.HTMLParser); err != nil {
					t.Skip(err)
				}
			}
			sess, err := st.open(ctx, crawler.Config{Start: p.StartURL(), Allow: allow, Concurrency: 32, PerHost: 4,
				Work: 100 * time.Microsecond, Procs: 2, ReqTimeout: 10 * time.Second}, "")
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := sess.close(); err != nil {
					t.Error(err)
				}
			}()
			res, err := sess.crawl(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Pages != int64(c.Pages) || res.Err() != nil || res.NotHTML+res.TooLarge != 0 {
				t.Errorf("%v: %v; want %d pages, no errors", res, res.Err(), c.Pages)
			}
			if err := checkOnce(ctx, p); err != nil {
				t.Error(err)
			}
		})
	}
}
