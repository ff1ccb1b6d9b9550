package servers

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Params are the resolved per-request settings of the slow endpoint: the
// configured values, overridden by the request's query parameters.
type Params struct {
	// Delay is the scale d of the delay draw for this request (?delay=).
	Delay time.Duration
	// Bytes is the response body size (?bytes=); the body repeats
	// Config.Body.
	Bytes int64
	// Fail, Reset and Stall are the fractions of requests answered 500,
	// reset mid-body, and stalled (?fail=, ?reset=, ?stall=; each 0..1,
	// together at most 1). Which requests are hit is decided by DrawFault
	// from the request's sequence number and Config.Seed.
	Fail, Reset, Stall float64
}

// ParamError reports a query parameter that cannot be used. Its message is a
// single line naming the parameter, the value and the accepted range.
type ParamError struct {
	Param  string // the parameter name, e.g. "delay"
	Value  string // the offending value as sent
	Reason string // e.g. "is not a duration"
	Want   string // the accepted range or values, e.g. "0s..10m0s"
	// Unknown is set when Param itself is not accepted; Value is then unused.
	Unknown bool
}

// maxEcho bounds how much of a client's value is echoed in an error message.
const maxEcho = 64

// Error implements error: `delay: "abc" is not a duration; want 0s..10m0s`.
// An unknown parameter reads `"foo" is not a parameter; want bytes, delay`.
func (e *ParamError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("%s %s; want %s", echo(e.Param), e.Reason, e.Want)
	}
	return fmt.Sprintf("%s: %s %s; want %s", quoteName(e.Param), echo(e.Value), e.Reason, e.Want)
}

// quoteName returns a known parameter name as is and anything else quoted, so
// the message stays one line whatever the client sent.
func quoteName(name string) string {
	if lookupParam(name) != nil || name == "query" || name == "fail+reset+stall" {
		return name
	}
	return echo(name)
}

// echo quotes s (escaping newlines and control bytes), shortened to maxEcho
// bytes.
func echo(s string) string {
	if len(s) > maxEcho {
		return strconv.Quote(s[:maxEcho]) + "..."
	}
	return strconv.Quote(s)
}

// paramSpec parses one query parameter into p. cfg has defaults applied.
type paramSpec func(value string, cfg Config, p *Params) error

// lookupParam returns the parser of the accepted query parameter name, or nil.
// To add a parameter, add a case here, its name to paramNames and a field to
// Params.
func lookupParam(name string) paramSpec {
	switch name {
	case "bytes":
		return parseBytes
	case "delay":
		return parseDelay
	case "fail":
		return fractionParam("fail", func(p *Params) *float64 { return &p.Fail })
	case "reset":
		return fractionParam("reset", func(p *Params) *float64 { return &p.Reset })
	case "stall":
		return fractionParam("stall", func(p *Params) *float64 { return &p.Stall })
	}
	return nil
}

// paramNames is the sorted list of accepted parameter names, for messages.
const paramNames = "bytes, delay, fail, reset, stall"

// fractionWant is the accepted range of a fault fraction.
const fractionWant = "a fraction 0..1 (e.g. 0.2; 1 = every request)"

// faultSumSlack absorbs rounding in fail+reset+stall (0.7+0.2+0.1).
const faultSumSlack = 1e-9

// fractionParam parses a fault fraction into the field field returns.
func fractionParam(name string, field func(*Params) *float64) paramSpec {
	return func(v string, _ Config, p *Params) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return &ParamError{Param: name, Value: v, Reason: "is not a number", Want: fractionWant}
		}
		if err != nil || !validFraction(f) {
			return &ParamError{Param: name, Value: v, Reason: "is out of range", Want: fractionWant}
		}
		*field(p) = f
		return nil
	}
}

func parseDelay(v string, cfg Config, p *Params) error {
	want := fmt.Sprintf("0s..%v", cfg.MaxDelay)
	d, err := time.ParseDuration(v)
	if err != nil {
		return &ParamError{Param: "delay", Value: v, Reason: "is not a duration", Want: want}
	}
	if d < 0 || d > cfg.MaxDelay {
		return &ParamError{Param: "delay", Value: v, Reason: "is out of range", Want: want}
	}
	p.Delay = d
	return nil
}

func parseBytes(v string, cfg Config, p *Params) error {
	want := fmt.Sprintf("0..%d", cfg.MaxBytes)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return &ParamError{Param: "bytes", Value: v, Reason: "is out of range", Want: want}
		}
		return &ParamError{Param: "bytes", Value: v, Reason: "is not an integer", Want: want}
	}
	if n < 0 || n > cfg.MaxBytes {
		return &ParamError{Param: "bytes", Value: v, Reason: "is out of range", Want: want}
	}
	p.Bytes = n
	return nil
}

// ParseParams resolves the per-request parameters of the slow endpoint from
// the query q and the server's cfg (zero fields of cfg mean their defaults).
// It is a pure function. Unknown parameters, repeated parameters, values of
// the wrong type and values out of range give a *ParamError.
func ParseParams(q url.Values, cfg Config) (Params, error) {
	cfg = cfg.WithDefaults()
	p := Params{Delay: cfg.Delay, Bytes: int64(len(cfg.Body))}
	if len(q) == 0 {
		return p, nil
	}
	// Check in name order so the reported error does not depend on map order.
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		spec := lookupParam(name)
		if spec == nil {
			return Params{}, &ParamError{Param: name, Reason: "is not a parameter", Want: paramNames, Unknown: true}
		}
		vs := q[name]
		if len(vs) != 1 {
			return Params{}, &ParamError{Param: name, Value: strings.Join(vs, ","), Reason: fmt.Sprintf("is given %d times", len(vs)), Want: "it once"}
		}
		if err := spec(vs[0], cfg, &p); err != nil {
			return Params{}, err
		}
	}
	if sum := p.Fail + p.Reset + p.Stall; sum > 1+faultSumSlack {
		given := func(name string) string {
			if v := q.Get(name); v != "" {
				return v
			}
			return "0"
		}
		v := given("fail") + "+" + given("reset") + "+" + given("stall")
		return Params{}, &ParamError{Param: "fail+reset+stall", Value: v, Reason: fmt.Sprintf("adds up to %g", sum), Want: "a total of at most 1 (each request gets at most one fault)"}
	}
	return p, nil
}

// ParseQuery is ParseParams for a raw query string (URL.RawQuery): a query
// that is not well formed (bad %-escape, ';') is a *ParamError for "query".
func ParseQuery(rawQuery string, cfg Config) (Params, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Params{}, &ParamError{Param: "query", Value: rawQuery, Reason: "is not a well-formed query", Want: "name=value pairs joined by &"}
	}
	return ParseParams(q, cfg)
}
