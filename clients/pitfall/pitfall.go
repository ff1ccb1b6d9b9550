// Package pitfall implements common mistakes made with Go HTTP clients, each
// beside its fix, as clients that run one batch of requests and count the
// symptom: connections dialled and left open, resolver lookups, requests
// hung past the caller's bound, fasthttp's "no free connections" errors.
// Package bench/pitfalls measures them; this package's tests prove each
// symptom by causing it.
//
// Each bad variant differs from its fix in one setting. Every variant speaks
// plain HTTP unless Config.TLS is set: then the same row runs over HTTPS with
// that client TLS configuration (net/http's TLSClientConfig, fasthttp's
// TLSConfig), HTTP/1.1 only, which is the hook for a TLS variant of each row.
package pitfall

import (
	"fmt"
	"strings"
)

// Name names a pitfall.
type Name string

// The pitfalls, in the order of Names.
const (
	// IdlePool: net/http's default Transport keeps 2 idle connections per
	// host (DefaultMaxIdleConnsPerHost), so a fan-out of c = 100 closes 98
	// connections after every batch and dials them again.
	IdlePool Name = "idle-pool"
	// BodyUnread: a response body closed without being read to its end
	// cannot give its connection back to the pool.
	BodyUnread Name = "body-unread"
	// BodyUnclosed: a response body neither read nor closed holds its
	// connection until something closes it: no reuse, and a leak.
	BodyUnclosed Name = "body-unclosed"
	// ClientPerRequest: a new http.Client with its own Transport per
	// request dials every request and drops an open connection each time.
	ClientPerRequest Name = "client-per-request"
	// NoTimeout: a client with no timeout waits on a stalled server for as
	// long as the server stalls.
	NoTimeout Name = "no-timeout"
	// FastHTTPMaxConns: fasthttp's MaxConnsPerHost (512) with no
	// MaxConnWaitTimeout fails request 513 of a fan-out at once with
	// ErrNoFreeConns.
	FastHTTPMaxConns Name = "fasthttp-maxconns"
	// ResolvePerConn: a dialer that resolves the host name for every new
	// connection pays a resolver lookup per connection.
	ResolvePerConn Name = "resolve-per-conn"
)

// Spec describes a pitfall: its default concurrency and what a results
// table says of it. It is the one registry every layer (benchmark, tests,
// table generator) reads.
type Spec struct {
	Name Name
	// C is the requests in flight, and in a batch, that show the symptom.
	C int
	// Cold: both variants close every connection after its request (the
	// symptom is a per-connection cost).
	Cold bool
	// Query is added to the target URL of every request (NoTimeout's
	// ?stall=1).
	Query string
	// BadFails and FixFails say whether the variant's failed requests are
	// the measured symptom (NoTimeout: hung or timed out; FastHTTPMaxConns:
	// "no free connections") rather than a broken run.
	BadFails, FixFails bool
	// Bad and Fix say what each variant does; Symptom what the bad one
	// costs.
	Bad, Fix, Symptom string
}

// specList returns the registry (a function: the package has no mutable
// state).
func specList() []Spec {
	return []Spec{
		{Name: IdlePool, C: 100,
			Bad:     "net/http's default Transport: MaxIdleConnsPerHost 2",
			Fix:     "MaxIdleConnsPerHost ≥ c",
			Symptom: "c − 2 connections closed and redialled per batch (TIME_WAIT sockets pile up)"},
		{Name: BodyUnread, C: 100,
			Bad:     "resp.Body.Close() without reading the body",
			Fix:     "io.Copy(io.Discard, resp.Body) then Close",
			Symptom: "no connection reuse: a new connection per request"},
		{Name: BodyUnclosed, C: 100,
			Bad:     "neither reading nor closing the response body",
			Fix:     "io.Copy(io.Discard, resp.Body) then Close",
			Symptom: "no connection reuse, and every unclosed response leaks its connection"},
		{Name: ClientPerRequest, C: 100,
			Bad:     "a new http.Client and Transport per request",
			Fix:     "one shared Client",
			Symptom: "a new connection per request, and each dropped Transport leaks an open one"},
		{Name: NoTimeout, C: 100, Query: "stall=1", BadFails: true, FixFails: true,
			Bad:     "http.Client with no Timeout against a stalled server",
			Fix:     "Client.Timeout (or a context deadline)",
			Symptom: "requests hang until the caller's own bound (here) or forever"},
		{Name: FastHTTPMaxConns, C: 1000, BadFails: true,
			Bad:     "fasthttp.Client defaults: MaxConnsPerHost 512, no MaxConnWaitTimeout",
			Fix:     "MaxConnsPerHost ≥ c and MaxConnWaitTimeout",
			Symptom: "requests past 512 in flight fail at once with ErrNoFreeConns"},
		{Name: ResolvePerConn, C: 100, Cold: true,
			Bad:     "a dialer that resolves the host name for every connection",
			Fix:     "resolve once and dial the address (a cached dialer)",
			Symptom: "a resolver lookup per new connection"},
	}
}

// Names returns every pitfall in a fixed order.
func Names() []Name {
	specs := specList()
	out := make([]Name, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

// Lookup returns the Spec of n.
func Lookup(n Name) (Spec, bool) {
	for _, s := range specList() {
		if s.Name == n {
			return s, true
		}
	}
	return Spec{}, false
}

// ParseNames parses a comma-separated list of pitfall names ("" or "all":
// every one).
func ParseNames(list string) ([]Name, error) {
	if list == "" || list == "all" {
		return Names(), nil
	}
	var out []Name
	for _, f := range strings.Split(list, ",") {
		n := Name(strings.TrimSpace(f))
		if _, ok := Lookup(n); !ok {
			return nil, fmt.Errorf("pitfall %q: unknown; want a comma list of %v or all", n, Names())
		}
		out = append(out, n)
	}
	return out, nil
}

// Variant is the bad or the fixed way of a pitfall.
type Variant string

// The variants.
const (
	Bad Variant = "bad"
	Fix Variant = "fix"
)

// Variants returns both variants, bad first.
func Variants() []Variant { return []Variant{Bad, Fix} }

// FailuresExpected reports whether v's failed requests are the measured
// symptom (or the fix's bounded answer) rather than a broken run.
func (s Spec) FailuresExpected(v Variant) bool {
	if v == Bad {
		return s.BadFails
	}
	return s.FixFails
}
