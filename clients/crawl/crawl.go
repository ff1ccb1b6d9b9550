package crawl

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// Func runs one crawl.
type Func func(ctx context.Context, cfg Config) (*Result, error)

// Strategy is a named crawler and what the roofline model needs to know
// about it.
type Strategy struct {
	// Name is the registry's name (package clients/strategy).
	Name string
	// Procs says it runs Config.Procs worker processes.
	Procs bool
	// OneAtATime says it keeps one request in flight (c = m = 1).
	OneAtATime bool
	// OneCore says its CPU work uses one core per process whatever
	// GOMAXPROCS is (one request at a time; Python's GIL).
	OneCore bool
	Crawl   Func
}

// Cores returns the cores s's CPU work can use at GOMAXPROCS g with procs
// worker processes on a machine of cpus cores.
func (s Strategy) Cores(g, procs, cpus int) int {
	per := g
	if s.OneCore {
		per = 1
	}
	if s.Procs {
		per *= procs
	}
	return max(1, min(per, cpus))
}

// Strategies lists the Go crawlers in display order. A benchmark iterates
// it; more crawlers (the Python ones) are appended by the caller.
func Strategies() []Strategy {
	return []Strategy{
		{Name: strategy.Sequential, OneAtATime: true, OneCore: true, Crawl: Sequential},
		{Name: strategy.Fanout, Crawl: Fanout},
		{Name: strategy.FastHTTP, Crawl: FastHTTP},
		{Name: strategy.ProcsFanout, Procs: true, Crawl: ProcsFanout},
	}
}

// Lookup returns the strategy named name.
func Lookup(name string) (Strategy, bool) {
	for _, s := range Strategies() {
		if s.Name == name {
			return s, true
		}
	}
	return Strategy{}, false
}

// Sequential crawls one page at a time over net/http.
func Sequential(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.withDefaults().validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", strategy.Sequential, err)
	}
	cfg.Concurrency, cfg.PerHost = 1, 1
	return inProcess(ctx, cfg, strategy.Sequential, func(c Config) fetcher { return newNetFetcher(c) })
}

// Fanout crawls with up to c goroutines over net/http.
func Fanout(ctx context.Context, cfg Config) (*Result, error) {
	return inProcess(ctx, cfg, strategy.Fanout, func(c Config) fetcher { return newNetFetcher(c) })
}

// FastHTTP crawls with up to c goroutines over fasthttp.
func FastHTTP(ctx context.Context, cfg Config) (*Result, error) {
	return inProcess(ctx, cfg, strategy.FastHTTP, func(c Config) fetcher { return newFastFetcher(c) })
}

// prepare validates cfg and calibrates its Burner if needed.
func prepare(cfg Config) (Config, Burner, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return cfg, Burner{}, err
	}
	var b Burner
	switch {
	case cfg.Burner != nil:
		b = *cfg.Burner
	case cfg.Work > 0:
		var err error
		if b, err = Calibrate(); err != nil {
			return cfg, b, err
		}
	}
	return cfg, b, nil
}

func inProcess(ctx context.Context, cfg Config, name string, newFetcher func(Config) fetcher) (*Result, error) {
	cfg, b, err := prepare(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := newFetcher(cfg)
	defer f.close()
	e := newEngine(cfg, f, b, name)
	cpu0, err := processCPU()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	e.run(ctx, []string{cfg.Start})
	e.res.Elapsed = time.Since(start)
	cpu1, err := processCPU()
	if err != nil {
		return nil, err
	}
	e.res.CPU = cpu1 - cpu0
	return e.res, nil
}

// processCPU returns this process's CPU time, user + system.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("crawl: getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
