package pycrawl

import (
	"strings"
	"testing"
	"time"
)

// A fetch's slot is freed when its body is read: with c = m = 1, while a
// page is parsed and worked on, the next fetch is already in flight
// whenever the frontier holds a URL (the crawler is patched to raise
// otherwise, and to count the pages parsed with a fetch in flight), and
// the crawl still ends with every page once.
func TestSlotFreedBeforeWork(t *testing.T) {
	const patch = `
_overlap = [0]
_orig_process = Crawl.process
def _checked_process(self, url, body):
    if self.total == 0 and any(self.frontier.values()) and not self.budget.full():
        raise AssertionError("slot not freed: no fetch in flight while %s was parsed" % url)
    if self.total > 0:
        _overlap[0] += 1
    _orig_process(self, url, body)
Crawl.process = _checked_process
_orig_report = Crawl.report
def _report(self):
    r = _orig_report(self)
    if _overlap[0] == 0:
        raise AssertionError("no page was parsed with a fetch in flight")
    return r
Crawl.report = _report
`
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			need(t, kind, HTMLParser)
			s := newSite(t, 30, 3, nil, -1)
			cfg := config(s, kind)
			cfg.Concurrency, cfg.PerHost, cfg.Procs = 1, 1, 1
			cfg.Work = 2 * time.Millisecond
			c := startCrawler(t, cfg, patched(t, patch))
			res, err := c.Crawl(t.Context(), cfg)
			if err != nil {
				if strings.Contains(err.Error(), "slot not freed") || strings.Contains(err.Error(), "no page was parsed") {
					t.Fatalf("the slot is held while parsing: %v", err)
				}
				t.Fatal(err)
			}
			if res.Pages != int64(s.pages) || res.Failed() != 0 {
				t.Errorf("%v, want %d pages, none failed", res, s.pages)
			}
			for i := range s.pages {
				if n := s.hits[i].Load(); n != 1 {
					t.Errorf("page %d served %d times, want once", i, n)
				}
			}
		})
	}
}
