package clients

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds: latencies are recorded in nanoseconds with 3 significant
// digits between 1 µs and 1 hour; longer values are clamped to the top.
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(time.Hour)
	histSigFigs = 3
)

// NewHistogram returns an empty latency histogram with the geometry every
// Result uses, so histograms from different processes merge losslessly.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histSigFigs)
}

// Result is what one batch of requests did.
//
// Invariant (see Check): OK + Failed() == Requests, and the latency histogram
// holds one value per request that was issued (every request except those
// counted as Canceled before they started).
type Result struct {
	// Strategy names the strategy that produced the result.
	Strategy string
	// Requests is the number of requests the batch asked for.
	Requests int64
	// OK counts requests answered 2xx with their full body read.
	OK int64
	// Bytes counts response body bytes read.
	Bytes int64
	// Wall is the batch's wall-clock time: from before the first request was
	// issued until the last one completed (the seed's "cost time").
	Wall time.Duration
	// Latency holds every issued request's latency in nanoseconds, failures
	// included; a timed-out request is recorded at its timeout.
	Latency *hdrhistogram.Histogram
	// Codes counts responses by HTTP status code.
	Codes map[int]int64
	// Errors counts failed requests by kind.
	Errors map[ErrorKind]int64
	// Samples keeps the first error message seen for each kind.
	Samples map[ErrorKind]string
	// NotIssued counts requests never started because the run was canceled;
	// they are also counted in Errors[Canceled].
	NotIssued int64
	// MaxInFlight is the most requests this client had in flight at once.
	// Merged results add their peaks, which is an upper bound.
	MaxInFlight int64
}

// NewResult returns an empty Result for a strategy.
func NewResult(strategy string) *Result {
	return &Result{
		Strategy: strategy,
		Latency:  NewHistogram(),
		Codes:    map[int]int64{},
		Errors:   map[ErrorKind]int64{},
		Samples:  map[ErrorKind]string{},
	}
}

// Failed returns the number of failed requests, of every kind.
func (r *Result) Failed() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// Quantile returns the latency at quantile q (0..1) of the issued requests.
func (r *Result) Quantile(q float64) time.Duration {
	return time.Duration(r.Latency.ValueAtQuantile(q * 100))
}

// Max returns the largest recorded latency.
func (r *Result) Max() time.Duration {
	if r.Latency.TotalCount() == 0 {
		return 0
	}
	return time.Duration(r.Latency.Max())
}

// Throughput returns completed (OK) requests per second of wall time.
func (r *Result) Throughput() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.OK) / r.Wall.Seconds()
}

// Merge adds o's counts and latencies into r. Wall becomes the larger of the
// two, as for workers that ran at the same time; callers timing the whole
// batch overwrite it.
func (r *Result) Merge(o *Result) error {
	if dropped := r.Latency.Merge(o.Latency); dropped != 0 {
		return fmt.Errorf("merge %s result: %d latencies fell outside the histogram", o.Strategy, dropped)
	}
	r.Requests += o.Requests
	r.OK += o.OK
	r.Bytes += o.Bytes
	r.NotIssued += o.NotIssued
	r.MaxInFlight += o.MaxInFlight
	if o.Wall > r.Wall {
		r.Wall = o.Wall
	}
	for c, n := range o.Codes {
		r.Codes[c] += n
	}
	for k, n := range o.Errors {
		r.Errors[k] += n
		if _, ok := r.Samples[k]; !ok && o.Samples[k] != "" {
			r.Samples[k] = o.Samples[k]
		}
	}
	return nil
}

// Check verifies the Result's accounting invariants: no request lost, none
// counted twice.
func (r *Result) Check() error {
	if r.Latency == nil || r.Codes == nil || r.Errors == nil {
		return errors.New("result: missing histogram or counters")
	}
	if r.Requests < 0 || r.OK < 0 || r.Bytes < 0 || r.NotIssued < 0 || r.MaxInFlight < 0 {
		return fmt.Errorf("result: negative count (requests %d, ok %d, bytes %d, not issued %d, in flight %d)",
			r.Requests, r.OK, r.Bytes, r.NotIssued, r.MaxInFlight)
	}
	for k, n := range r.Errors {
		if _, ok := ParseErrorKind(string(k)); !ok {
			return fmt.Errorf("result: unknown error kind %q", k)
		}
		if n < 0 {
			return fmt.Errorf("result: negative %s count %d", k, n)
		}
	}
	if got := r.OK + r.Failed(); got != r.Requests {
		return fmt.Errorf("result: %d ok + %d failed = %d, but %d requests were asked for", r.OK, r.Failed(), got, r.Requests)
	}
	if r.NotIssued > r.Errors[Canceled] {
		return fmt.Errorf("result: %d not issued but only %d canceled", r.NotIssued, r.Errors[Canceled])
	}
	if got, want := r.Latency.TotalCount(), r.Requests-r.NotIssued; got != want {
		return fmt.Errorf("result: %d latencies recorded for %d issued requests", got, want)
	}
	var codes int64
	for c, n := range r.Codes {
		if c < 100 || c > 999 || n < 0 {
			return fmt.Errorf("result: bad status count %d×%d", n, c)
		}
		codes += n
	}
	if codes < r.OK {
		return fmt.Errorf("result: %d ok but only %d status codes counted", r.OK, codes)
	}
	return nil
}

// Err returns nil when every request succeeded, and otherwise an error that
// gives the failures by kind with a sample message for each, e.g.
// "37 of 100 requests failed: refused=30 timeout=7 (refused: dial tcp ...)".
func (r *Result) Err() error {
	failed := r.Failed()
	if failed == 0 {
		return nil
	}
	var counts, samples []string
	for _, k := range ErrorKinds() {
		if n := r.Errors[k]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s=%d", k, n))
			if s := r.Samples[k]; s != "" {
				samples = append(samples, fmt.Sprintf("%s: %s", k, s))
			}
		}
	}
	msg := fmt.Sprintf("%d of %d requests failed: %s", failed, r.Requests, strings.Join(counts, " "))
	if len(samples) > 0 {
		msg += " (" + strings.Join(samples, "; ") + ")"
	}
	return errors.New(msg)
}

// String summarises the result on one line.
func (r *Result) String() string {
	var codes []string
	keys := make([]int, 0, len(r.Codes))
	for c := range r.Codes {
		keys = append(keys, c)
	}
	sort.Ints(keys)
	for _, c := range keys {
		codes = append(codes, fmt.Sprintf("%d×%d", r.Codes[c], c))
	}
	s := fmt.Sprintf("%s: %d requests in %v, ok %d, failed %d, p50 %v p99 %v max %v, codes [%s]",
		r.Strategy, r.Requests, r.Wall, r.OK, r.Failed(), r.Quantile(0.5), r.Quantile(0.99), r.Max(), strings.Join(codes, " "))
	if err := r.Err(); err != nil {
		s += "; " + err.Error()
	}
	return s
}

// resultJSON is Result on the wire: the histogram in HdrHistogram's V2
// compressed encoding, which is lossless.
type resultJSON struct {
	Strategy    string               `json:"strategy"`
	Requests    int64                `json:"requests"`
	OK          int64                `json:"ok"`
	Bytes       int64                `json:"bytes"`
	WallNS      int64                `json:"wall_ns"`
	Latency     string               `json:"latency_hdr"`
	Codes       map[int]int64        `json:"codes"`
	Errors      map[ErrorKind]int64  `json:"errors"`
	Samples     map[ErrorKind]string `json:"samples,omitempty"`
	NotIssued   int64                `json:"not_issued"`
	MaxInFlight int64                `json:"max_in_flight"`
}

// MarshalJSON encodes r with its histogram in HdrHistogram's V2 format.
func (r *Result) MarshalJSON() ([]byte, error) {
	enc, err := r.Latency.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("encode latency histogram: %w", err)
	}
	return json.Marshal(resultJSON{
		Strategy: r.Strategy, Requests: r.Requests, OK: r.OK, Bytes: r.Bytes,
		WallNS: int64(r.Wall), Latency: string(enc), Codes: r.Codes, Errors: r.Errors,
		Samples: r.Samples, NotIssued: r.NotIssued, MaxInFlight: r.MaxInFlight,
	})
}

// UnmarshalJSON decodes a Result written by MarshalJSON and verifies it with
// Check, so a corrupt or inconsistent result is an error, not a number.
func (r *Result) UnmarshalJSON(b []byte) error {
	var w resultJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	h, err := hdrhistogram.Decode([]byte(w.Latency))
	if err != nil {
		return fmt.Errorf("decode latency histogram: %w", err)
	}
	if h.LowestTrackableValue() != histLowest || h.HighestTrackableValue() < histHighest || h.SignificantFigures() != histSigFigs {
		return fmt.Errorf("decode latency histogram: geometry %d..%d/%d, want %d..%d/%d",
			h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(), histLowest, histHighest, histSigFigs)
	}
	if w.WallNS < 0 {
		return fmt.Errorf("decode result: negative wall time %d", w.WallNS)
	}
	out := Result{
		Strategy: w.Strategy, Requests: w.Requests, OK: w.OK, Bytes: w.Bytes,
		Wall: time.Duration(w.WallNS), Latency: h, Codes: w.Codes, Errors: w.Errors,
		Samples: w.Samples, NotIssued: w.NotIssued, MaxInFlight: w.MaxInFlight,
	}
	if out.Codes == nil {
		out.Codes = map[int]int64{}
	}
	if out.Errors == nil {
		out.Errors = map[ErrorKind]int64{}
	}
	if out.Samples == nil {
		out.Samples = map[ErrorKind]string{}
	}
	if err := out.Check(); err != nil {
		return err
	}
	*r = out
	return nil
}
