package crawl

import (
	"context"
	"fmt"
	"runtime"
	"time"

	crawler "github.com/crawlbench/crawlbench/clients/crawl"
	"github.com/crawlbench/crawlbench/clients/pycrawl"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// strat is one strategy of the benchmark: a Go crawler of clients/crawl
// (Crawl set) or a Python crawler of clients/pycrawl (py set). Its
// crawler.Strategy says what the roofline needs: the Python crawlers are
// OneCore (the GIL), procs-asyncio is Procs.
type strat struct {
	crawler.Strategy
	py pycrawl.Kind
}

// strategies is the list the benchmark runs: the Go crawlers, then the
// Python crawlers of the registry (family crawl).
func strategies() []strat {
	var out []strat
	for _, s := range crawler.Strategies() {
		out = append(out, strat{Strategy: s})
	}
	for _, d := range strategy.All() {
		if d.IsCrawlerOnly() && d.In(strategy.FamilyCrawl) {
			out = append(out, strat{Strategy: crawler.Strategy{Name: d.Name, Procs: d.Procs, OneCore: true}, py: d.Crawler})
		}
	}
	return out
}

func names() []string {
	var out []string
	for _, s := range strategies() {
		out = append(out, s.Name)
	}
	return out
}

// isPython reports whether s runs Python (its rows ignore GOMAXPROCS).
func (s strat) isPython() bool { return s.py != "" }

// session is a strategy ready to crawl: crawl runs one whole crawl; close
// ends what open started.
type session struct {
	crawl   func(ctx context.Context) (*crawler.Result, error)
	close   func() error
	startup time.Duration // Python: the interpreter, imports, calibration and forks
}

// open prepares s for crawls of cfg: nothing for a Go crawler (each crawl
// sets itself up, timed), pycrawl.New for a Python one (untimed: the
// caller opens before b.Loop). python is the interpreter; cfg.Procs is P of
// procs-asyncio.
func (s strat) open(ctx context.Context, cfg crawler.Config, python string) (*session, error) {
	if !s.isPython() {
		return &session{crawl: func(ctx context.Context) (*crawler.Result, error) { return s.Crawl(ctx, cfg) }, close: func() error { return nil }}, nil
	}
	pc := pythonConfig(s.py, cfg, python)
	cr, err := pycrawl.New(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	return &session{
		crawl: func(ctx context.Context) (*crawler.Result, error) {
			r, err := cr.Crawl(ctx, pc)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			return fromPython(s.Name, r), nil
		},
		close:   cr.Close,
		startup: cr.StartupTime(),
	}, nil
}

// pythonConfig is cfg for a Python crawler of kind k.
func pythonConfig(k pycrawl.Kind, cfg crawler.Config, python string) pycrawl.Config {
	pc := pycrawl.Config{Start: cfg.Start, Allow: cfg.Allow, MaxPages: cfg.MaxPages, Concurrency: cfg.Concurrency,
		PerHost: cfg.PerHost, Work: cfg.Work, MaxBody: cfg.MaxBody, ReqTimeout: cfg.ReqTimeout, Kind: k, Python: python}
	if k == pycrawl.ProcsAsyncio {
		pc.Procs = min(max(cfg.Procs, 1), cfg.Concurrency)
	}
	return pc
}

// fromPython is a pycrawl Result as the Go crawlers' (the same fields).
func fromPython(name string, r *pycrawl.Result) *crawler.Result {
	return &crawler.Result{Strategy: name, Pages: r.Pages, Errors: r.Errors, Samples: r.Samples, NotHTML: r.NotHTML,
		TooLarge: r.TooLarge, Links: r.Links, Skipped: r.Skipped, Duplicates: r.Duplicates, Bytes: r.Bytes,
		Elapsed: r.Elapsed, CPU: r.CPU, Latency: r.Latency}
}

// pythonSkip returns why s cannot run with python (pycrawl.Check's one
// line naming the Debian package), or nil; a Go crawler always runs. The
// answer is cached per kind in s's settings.
func (st *settings) pythonSkip(ctx context.Context, s strat) error {
	if !s.isPython() {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.checked == nil {
		st.checked = map[pycrawl.Kind]error{}
	}
	if err, ok := st.checked[s.py]; ok {
		return err
	}
	err := pycrawl.Check(ctx, st.python, s.py, pycrawl.HTMLParser)
	st.checked[s.py] = err
	return err
}

// gomaxprocsOf returns the GOMAXPROCS values a strategy runs at: every one
// of the flag for a Go crawler; for a Python crawler, which GOMAXPROCS does
// not touch, only the last (its rows' gomaxprocs= key).
func gomaxprocsOf(s strat, all []int) []int {
	out := make([]int, 0, len(all))
	for _, g := range all {
		if g == 0 {
			g = runtime.NumCPU()
		}
		out = append(out, g)
	}
	if s.isPython() {
		return out[len(out)-1:]
	}
	return out
}
