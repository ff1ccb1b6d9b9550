package procpool

import (
	"context"
	"fmt"
)

// The worker strategies' names in this package's tests. Package
// clients/strategy owns the real ones (it imports this package, so these
// tests cannot import it).
const (
	PoolEvenName      = "pool-even"
	PoolChunkedName   = "pool-chunked"
	ProcsFanoutName   = "procs-fanout"
	ProcsFastHTTPName = "procs-fasthttp"
)

// Start starts the worker strategy called name as the registry would.
func Start(ctx context.Context, name string, cfg Config) (*Pool, error) {
	switch name {
	case PoolEvenName:
		return newPool(ctx, name, WorkerSequential, Even, cfg)
	case PoolChunkedName:
		return newPool(ctx, name, WorkerSequential, Chunked, cfg)
	case ProcsFanoutName:
		return newPool(ctx, name, WorkerFanout, Even, cfg)
	case ProcsFastHTTPName:
		return newPool(ctx, name, WorkerFastHTTP, Even, cfg)
	}
	return nil, fmt.Errorf("test strategy %q unknown", name)
}
