// Package strategy is the registry of crawlbench's client strategies: one
// table (All) says, for each, its name, constructor, model kind, whether it
// runs worker processes, its seed twin, display order and colour, and the
// benchmark families that run it. Every layer (benchmarks, the model
// mapping, plots, tables, peers) iterates it; a strategy's name is a string
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
	// Seed lists the seed rows it twins, if any.
	Seed []SeedTwin
	// Color is its colour in every chart (Okabe–Ito palette).
	Color color.RGBA

	new func(ctx context.Context, name string, o Options) (clients.Client, error)
}

// In reports whether d takes part in family f.
func (d Descriptor) In(f Family) bool { return slices.Contains(d.Families, f) }

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
// fan-out, worker processes), then the scale-only variants.
func registry() []Descriptor {
	black := color.RGBA{0, 0, 0, 255}
	return []Descriptor{
		{Name: NaiveHTTPGet, Families: []Family{FamilyScale}, Kind: model.Fanout, Unlimited: true, Baseline: true, Color: black,
			new: inProc(clients.NewNaive)},
		{Name: Sequential, Families: []Family{FamilySeed}, Kind: model.Sequential, Color: black,
			Seed: []SeedTwin{
				{Row: 6, N: 100, Seconds: 305.17, Python: "loop of requests.get"},
				{Row: 1, N: 5, Seconds: 15.05, Python: "requests.get inside coroutines"},
			},
			new: inProc(clients.NewSequential)},
		{Name: FakeAsync, Families: []Family{FamilySeed}, Kind: model.FakeAsync, Color: color.RGBA{0xCC, 0x79, 0xA7, 255},
			Seed: []SeedTwin{{Row: 3, N: 5, Seconds: 15.13, Python: "requests.get wrapped in a coroutine"}},
			new:  inProc(clients.NewFakeAsync)},
		{Name: Fanout, Families: []Family{FamilySeed, FamilyScale, FamilyPeers}, Kind: model.Fanout, Color: color.RGBA{0x00, 0x72, 0xB2, 255},
			Seed: []SeedTwin{
				{Row: 5, N: 100, Seconds: 3.11, Python: "asyncio + aiohttp, session per request"},
				{Row: 4, N: 5, Seconds: 3.02, Python: "asyncio + aiohttp, session per request"},
			},
			new: inProc(clients.NewFanout)},
		{Name: FastHTTP, Families: []Family{FamilySeed, FamilyScale, FamilyPeers}, Kind: model.Fanout, Color: color.RGBA{0x00, 0x9E, 0x73, 255},
			new: inProc(clients.NewFastHTTP)},
		{Name: PoolEven, Families: []Family{FamilySeed}, Kind: model.PoolEven, Procs: true, Color: color.RGBA{0xE6, 0x9F, 0x00, 255},
			new: workers(procpool.NewPoolEven)},
		{Name: PoolChunked, Families: []Family{FamilySeed}, Kind: model.PoolChunked, Procs: true, Color: color.RGBA{0xD5, 0x5E, 0x00, 255},
			Seed: []SeedTwin{{Row: 7, N: 100, Seconds: 48.17, Python: "multiprocessing.Pool(8).map"}},
			new:  workers(procpool.NewPoolChunked)},
		{Name: ProcsFanout, Families: []Family{FamilySeed, FamilyScale}, Kind: model.ProcsFanout, Procs: true, Color: color.RGBA{0x56, 0xB4, 0xE9, 255},
			Seed: []SeedTwin{{Row: 8, N: 100, Seconds: 3.12, Python: "aiomultiprocess.Pool + aiohttp"}},
			new:  workers(procpool.NewProcsFanout)},
		{Name: ProcsFastHTTP, Families: []Family{FamilyScale}, Kind: model.ProcsFanout, Procs: true, Color: color.RGBA{0x88, 0x3D, 0x9E, 255},
			new: workers(procpool.NewProcsFastHTTP)},
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
	// Client configures the HTTP side. For procs-fanout, Concurrency is the
	// goroutines per worker process; pool-even and pool-chunked workers are
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
