// Package strategy is the registry of crawlbench's client strategies: one
// table (All) says, for each, its name, constructor, model kind, whether it
// runs worker processes, its seed twin, display order and colour, and the
// benchmark families that run it; for the seed's own Python clients
// (family python), the pyclient kind and the Go twin; for the Python
// crawlers (family crawl, run only by bench/crawl), the pycrawl kind. Every
// layer (benchmarks, the model mapping, plots, tables, peers) iterates it; a strategy's name is a string
// literal in this file only (TestNamesOnlyInRegistry).
//
// Adding a strategy is one entry in registry plus its constructor and its
// tests.
package strategy

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/pycrawl"
)

// The strategy names, for code that must single one out (a chart's
// baseline, a peers ratio). Code that lists strategies iterates All.
const (
	NaiveHTTPGet  = "naive-httpget"
	Sequential    = "sequential"
	FakeAsync     = "fake-async"
	Fanout        = "fanout"
	FastHTTP      = "fasthttp"
	PoolEven      = "pool-even"
	PoolChunked   = "pool-chunked"
	ProcsFanout   = "procs-fanout"
	ProcsFastHTTP = "procs-fasthttp"

	PySequential    = "py-sequential"
	PyFakeAsync     = "py-fake-async"
	PyAioHTTP       = "py-aiohttp"
	PyPoolChunked   = "py-pool-chunked"
	PyProcsAioHTTP  = "py-procs-aiohttp"
	PyHTTPX         = "py-httpx"
	PyAioHTTPUVLoop = "py-aiohttp-uvloop"

	PyCrawlAsyncio      = "py-crawl-asyncio"
	PyCrawlProcsAsyncio = "py-crawl-procs-asyncio"
)

// Family is a benchmark family a strategy takes part in.
type Family string

// The families.
const (
	// FamilySeed runs in package bench: BenchmarkSeed, BenchmarkConcurrency,
	// BenchmarkBatch.
	FamilySeed Family = "seed"
	// FamilyScale runs in package bench/scale (BenchmarkScale).
	FamilyScale Family = "scale"
	// FamilyPeers runs in scripts/peers beside wrk, hey and bombardier.
	FamilyPeers Family = "peers"
	// FamilyPython is the seed's own Python clients (package
	// clients/pyclient), run in package bench by BenchmarkSeed beside
	// FamilySeed.
	FamilyPython Family = "python"
	// FamilyCrawl runs in package bench/crawl (BenchmarkCrawl): the Go
	// crawlers of clients/crawl and the Python ones of clients/pycrawl.
	FamilyCrawl Family = "crawl"
)

// SeedTwin is one row of the seed experiment's table (SEED.md, "Client
// strategies and measured times", d = 3 s, 8 CPUs) that a strategy is the
// Go twin of.
type SeedTwin struct {
	Row     int     // the row number in SEED.md
	N       int     // tasks (requests) in the batch
	Seconds float64 // the published wall time
	Python  string  // what the seed ran
}

// Descriptor describes one strategy.
type Descriptor struct {
	Name string
	// Rank is the display order: the index in All.
	Rank int
	// Families are the benchmark families that run it.
	Families []Family
	// Kind is the model's arrival structure for it (model.Params.Kind).
	Kind model.Kind
	// Procs says it runs worker processes (Options.Procs).
	Procs bool
	// Unlimited says it has no concurrency limit: Options.Client.Concurrency
	// is ignored, so the model's C is 0.
	Unlimited bool
	// Baseline marks an untuned baseline, emphasised in charts.
	Baseline bool
	// Seed lists the seed rows it twins, if any. Only Go strategies carry
	// them; a Python strategy's are its GoTwin's (SeedRows).
	Seed []SeedTwin
	// PyKind is the Python code a strategy of FamilyPython runs; "" for a
	// Go strategy.
	PyKind pyclient.Kind
	// Crawler is the Python crawler (package clients/pycrawl) of a strategy
	// that only crawls (family crawl): it is no batch client, and New
	// refuses it; "" otherwise.
	Crawler pycrawl.Kind
	// GoTwin is, for a Python strategy that runs the seed's own code for
	// some seed rows, the Go strategy twinning those rows (PythonTwin).
	GoTwin string
	// Color is its colour in every chart (Okabe–Ito palette).
	Color color.RGBA

	new func(ctx context.Context, name string, o Options) (clients.Client, error)
}

// In reports whether d takes part in family f.
func (d Descriptor) In(f Family) bool { return slices.Contains(d.Families, f) }

// IsPython reports whether d runs Python code (package clients/pyclient).
func (d Descriptor) IsPython() bool { return d.PyKind != "" }

// IsCrawlerOnly reports whether d is a Python crawler that only
// BenchmarkCrawl runs (Crawler set): New refuses it.
func (d Descriptor) IsCrawlerOnly() bool { return d.Crawler != "" }

// RunsPython reports whether d runs Python code: the seed's clients
// (IsPython) or a Python crawler (IsCrawlerOnly).
func (d Descriptor) RunsPython() bool { return d.IsPython() || d.IsCrawlerOnly() }

// SeedRows returns the seed rows d reproduces: its own Seed for a Go
// strategy, its GoTwin's for a Python one. The figures live once, on the
// Go twin.
func (d Descriptor) SeedRows() []SeedTwin {
	if d.GoTwin == "" {
		return d.Seed
	}
	tw, _ := Lookup(d.GoTwin)
	return tw.Seed
}

// PythonTwin returns the Python strategy whose GoTwin is the Go strategy
// goName: the seed's own code for goName's seed rows, run on this machine.
func PythonTwin(goName string) (Descriptor, bool) {
	for _, d := range All() {
		if d.GoTwin == goName && goName != "" {
			return d, true
		}
	}
	return Descriptor{}, false
}

// Params returns the model parameters of a batch of n requests of this
// strategy against a server of delay delay: c in flight per process
// (ignored when Unlimited) and p worker processes (ignored unless Procs).
// The caller sets the server's capacity K.
func (d Descriptor) Params(n int, delay time.Duration, c, p int) model.Params {
	mp := model.Params{Kind: d.Kind, N: n, Delay: delay, C: c}
	if d.Unlimited {
		mp.C = 0
	}
	if d.Procs {
		mp.P = p
	}
	return mp
}

// registry is the table. Its order is the display order: the scale
// benchmark's untuned baseline, then the seed's story (sequential, in-process
// fan-out, worker processes), then the scale-only variants, then the seed's
// own Python clients in the same order, then what a Python user would pick
// today, then the Python crawlers (family crawl only). A Python
// strategy's colour is a darker shade of its Go twin's.
func registry() []Descriptor {
	black := color.RGBA{0, 0, 0, 255}
	return []Descriptor{
		{Name: NaiveHTTPGet, Families: []Family{FamilyScale}, Kind: model.Fanout, Unlimited: true, Baseline: true, Color: black,
			new: inProc(clients.NewNaive)},
		{Name: Sequential, Families: []Family{FamilySeed, FamilyCrawl}, Kind: model.Sequential, Color: black,
			Seed: []SeedTwin{
				{Row: 6, N: 100, Seconds: 305.17, Python: "loop of requests.get"},
				{Row: 1, N: 5, Seconds: 15.05, Python: "requests.get inside coroutines"},
			},
			new: inProc(clients.NewSequential)},
		{Name: FakeAsync, Families: []Family{FamilySeed}, Kind: model.FakeAsync, Color: color.RGBA{0xCC, 0x79, 0xA7, 255},
			Seed: []SeedTwin{{Row: 3, N: 5, Seconds: 15.13, Python: "requests.get wrapped in a coroutine"}},
			new:  inProc(clients.NewFakeAsync)},
		{Name: Fanout, Families: []Family{FamilySeed, FamilyScale, FamilyPeers, FamilyCrawl}, Kind: model.Fanout, Color: color.RGBA{0x00, 0x72, 0xB2, 255},
			Seed: []SeedTwin{
				{Row: 5, N: 100, Seconds: 3.11, Python: "asyncio + aiohttp, session per request"},
				{Row: 4, N: 5, Seconds: 3.02, Python: "asyncio + aiohttp, session per request"},
			},
			new: inProc(clients.NewFanout)},
		{Name: FastHTTP, Families: []Family{FamilySeed, FamilyScale, FamilyPeers, FamilyCrawl}, Kind: model.Fanout, Color: color.RGBA{0x00, 0x9E, 0x73, 255},
			new: inProc(clients.NewFastHTTP)},
		{Name: PoolEven, Families: []Family{FamilySeed}, Kind: model.PoolEven, Procs: true, Color: color.RGBA{0xE6, 0x9F, 0x00, 255},
			new: workers(procpool.NewPoolEven)},
		{Name: PoolChunked, Families: []Family{FamilySeed}, Kind: model.PoolChunked, Procs: true, Color: color.RGBA{0xD5, 0x5E, 0x00, 255},
			Seed: []SeedTwin{{Row: 7, N: 100, Seconds: 48.17, Python: "multiprocessing.Pool(8).map"}},
			new:  workers(procpool.NewPoolChunked)},
		{Name: ProcsFanout, Families: []Family{FamilySeed, FamilyScale, FamilyCrawl}, Kind: model.ProcsFanout, Procs: true, Color: color.RGBA{0x56, 0xB4, 0xE9, 255},
			Seed: []SeedTwin{{Row: 8, N: 100, Seconds: 3.12, Python: "aiomultiprocess.Pool + aiohttp"}},
			new:  workers(procpool.NewProcsFanout)},
		{Name: ProcsFastHTTP, Families: []Family{FamilyScale}, Kind: model.ProcsFanout, Procs: true, Color: color.RGBA{0x88, 0x3D, 0x9E, 255},
			new: workers(procpool.NewProcsFastHTTP)},

		{Name: PySequential, Families: []Family{FamilyPython}, Kind: model.Sequential, PyKind: pyclient.Sequential, GoTwin: Sequential,
			Color: color.RGBA{0x77, 0x77, 0x77, 255}, new: python(pyclient.Sequential)},
		{Name: PyFakeAsync, Families: []Family{FamilyPython}, Kind: model.FakeAsync, PyKind: pyclient.FakeAsync, GoTwin: FakeAsync,
			Color: color.RGBA{0x8A, 0x3F, 0x6E, 255}, new: python(pyclient.FakeAsync)},
		{Name: PyAioHTTP, Families: []Family{FamilyPython}, Kind: model.Fanout, PyKind: pyclient.AioHTTP, GoTwin: Fanout,
			Color: color.RGBA{0x00, 0x3F, 0x66, 255}, new: python(pyclient.AioHTTP)},
		{Name: PyPoolChunked, Families: []Family{FamilyPython}, Kind: model.PoolChunked, Procs: true, PyKind: pyclient.PoolChunked, GoTwin: PoolChunked,
			Color: color.RGBA{0x85, 0x3A, 0x00, 255}, new: python(pyclient.PoolChunked)},
		{Name: PyProcsAioHTTP, Families: []Family{FamilyPython}, Kind: model.ProcsFanout, Procs: true, PyKind: pyclient.ProcsAioHTTP, GoTwin: ProcsFanout,
			Color: color.RGBA{0x1F, 0x6F, 0x9C, 255}, new: python(pyclient.ProcsAioHTTP)},
		{Name: PyHTTPX, Families: []Family{FamilyPython}, Kind: model.Fanout, PyKind: pyclient.HTTPX,
			Color: color.RGBA{0x00, 0x5C, 0x45, 255}, new: python(pyclient.HTTPX)},
		{Name: PyAioHTTPUVLoop, Families: []Family{FamilyPython}, Kind: model.Fanout, PyKind: pyclient.AioHTTPUVLoop,
			Color: color.RGBA{0x4E, 0x1F, 0x5C, 255}, new: python(pyclient.AioHTTPUVLoop)},

		{Name: PyCrawlAsyncio, Families: []Family{FamilyCrawl}, Kind: model.Fanout, Crawler: pycrawl.Asyncio,
			Color: color.RGBA{0x00, 0x2A, 0x44, 255}, new: crawlerOnly},
		{Name: PyCrawlProcsAsyncio, Families: []Family{FamilyCrawl}, Kind: model.ProcsFanout, Procs: true, Crawler: pycrawl.ProcsAsyncio,
			Color: color.RGBA{0x2E, 0x86, 0xB8, 255}, new: crawlerOnly},
	}
}

// inProc adapts an in-process constructor of package clients.
func inProc(f func(string, clients.Config) (clients.Client, error)) func(context.Context, string, Options) (clients.Client, error) {
	return func(_ context.Context, name string, o Options) (clients.Client, error) { return f(name, o.Client) }
}

// workers adapts a worker-process constructor of package procpool.
func workers(f func(context.Context, string, procpool.Config) (clients.Client, error)) func(context.Context, string, Options) (clients.Client, error) {
	return func(ctx context.Context, name string, o Options) (clients.Client, error) {
		return f(ctx, name, procpool.Config{Client: o.Client, Procs: o.Procs, Command: o.WorkerCommand, Sample: o.Sample, StopGrace: o.StopGrace})
	}
}

// python adapts pyclient.New for kind k, with the interpreter of
// Options.Python.
func python(k pyclient.Kind) func(context.Context, string, Options) (clients.Client, error) {
	return func(ctx context.Context, name string, o Options) (clients.Client, error) {
		c, err := pyclient.New(ctx, name, pyclient.Config{Kind: k, Python: o.Python, Procs: o.Procs, Client: o.Client})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

// crawlerOnly is New of a strategy that only crawls.
func crawlerOnly(_ context.Context, name string, _ Options) (clients.Client, error) {
	return nil, fmt.Errorf("strategy %s: a crawler of package clients/pycrawl, which only bench/crawl runs: no batch client", name)
}

// All returns every strategy in display order (Rank set). The slice is new
// on every call.
func All() []Descriptor {
	all := registry()
	for i := range all {
		all[i].Rank = i
	}
	return all
}

// Lookup returns the strategy called name.
func Lookup(name string) (Descriptor, bool) {
	for _, d := range All() {
		if d.Name == name {
			return d, true
		}
	}
	return Descriptor{}, false
}

// Names returns the names of the strategies in any of families (every
// strategy when none is given), in display order.
func Names(families ...Family) []string {
	var out []string
	for _, d := range All() {
		if len(families) == 0 || slices.ContainsFunc(families, d.In) {
			out = append(out, d.Name)
		}
	}
	return out
}

// UsesProcs reports whether the named strategy runs worker processes.
func UsesProcs(name string) bool {
	d, ok := Lookup(name)
	return ok && d.Procs
}

// Options configures New.
type Options struct {
	// Client configures the HTTP side. For procs-fanout (and
	// py-procs-aiohttp), Concurrency is the goroutines (coroutines) per
	// worker process; pool-even and pool-chunked workers are
	// sequential and ignore it, and so do strategies marked Unlimited.
	Client clients.Config
	// Procs is the number of worker processes for the worker strategies.
	Procs int
	// WorkerCommand overrides the worker binary (default: re-exec the
	// running binary, which must call procpool.WorkerMain when
	// procpool.IsWorker is true).
	WorkerCommand []string
	// Sample and StopGrace are procpool.Config's, for worker strategies.
	Sample, StopGrace time.Duration
	// Python is the interpreter of the Python strategies; "" means
	// pyclient.DefaultPython.
	Python string
}

// New returns the strategy called name. Worker strategies start their
// processes before returning; ctx bounds their lives.
func New(ctx context.Context, name string, o Options) (clients.Client, error) {
	d, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("strategy %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	if d.Unlimited {
		o.Client.Concurrency = 0
	}
	return d.new(ctx, name, o)
}
