// Package strategy builds any crawlbench client strategy from its name, so
// benchmarks and commands can iterate over all of them.
package strategy

import (
	"context"
	"fmt"
	"strings"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/procpool"
)

// The worker-process strategy names, as package procpool spells them.
const (
	PoolEvenName    = procpool.PoolEvenName
	PoolChunkedName = procpool.PoolChunkedName
	ProcsFanoutName = procpool.ProcsFanoutName
)

// Names returns every strategy's name, in the order of the seed's story:
// sequential ones first, then in-process fan-out, then worker processes.
func Names() []string {
	return []string{
		clients.SequentialName, clients.FakeAsyncName, clients.FanoutName, clients.FastHTTPName,
		PoolEvenName, PoolChunkedName, ProcsFanoutName,
	}
}

// UsesProcs reports whether the named strategy runs worker processes.
func UsesProcs(name string) bool {
	return name == PoolEvenName || name == PoolChunkedName || name == ProcsFanoutName
}

// Options configures New.
type Options struct {
	// Client configures the HTTP side. For procs-fanout, Concurrency is the
	// goroutines per worker process; pool-even and pool-chunked workers are
	// sequential and ignore it.
	Client clients.Config
	// Procs is the number of worker processes for the worker strategies.
	Procs int
	// WorkerCommand overrides the worker binary (default: re-exec the
	// running binary, which must call procpool.WorkerMain when
	// procpool.IsWorker is true).
	WorkerCommand []string
}

// New returns the strategy called name. Worker strategies start their
// processes before returning; ctx bounds their lives.
func New(ctx context.Context, name string, o Options) (clients.Client, error) {
	pc := procpool.Config{Client: o.Client, Procs: o.Procs, Command: o.WorkerCommand}
	switch name {
	case clients.SequentialName:
		return clients.NewSequential(o.Client)
	case clients.FakeAsyncName:
		return clients.NewFakeAsync(o.Client)
	case clients.FanoutName:
		return clients.NewFanout(o.Client)
	case clients.FastHTTPName:
		return clients.NewFastHTTP(o.Client)
	case PoolEvenName, PoolChunkedName, ProcsFanoutName:
		return procpool.Start(ctx, name, pc)
	}
	return nil, fmt.Errorf("strategy %q: want one of %s", name, strings.Join(Names(), ", "))
}
