package clients

import "context"

// DoTrace is the fasthttp strategy's trace hook, for the overhead
// breakdown (bench/breakdown): when a batch's context carries one
// (WithDoTrace), Sent runs right before each request is issued and Done
// right after its response has been read (or it failed). The net/http
// strategies need none: they take net/http/httptrace's ClientTrace from
// the request's context. Both functions must be safe for concurrent use.
type DoTrace struct {
	Sent, Done func()
}

type doTraceKey struct{}

// WithDoTrace returns ctx carrying t.
func WithDoTrace(ctx context.Context, t *DoTrace) context.Context {
	return context.WithValue(ctx, doTraceKey{}, t)
}

// doTraceFrom returns the DoTrace ctx carries, or nil; a batch looks once.
func doTraceFrom(ctx context.Context) *DoTrace {
	t, _ := ctx.Value(doTraceKey{}).(*DoTrace)
	return t
}
