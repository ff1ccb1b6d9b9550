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
	// histCounts is the length of the counts array of that geometry
	// (checked by a test); it bounds bucket indexes on the wire.
	histCounts = 24576
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
	// FirstIndex is the index of the batch's first request: its requests
	// carried the indices FirstIndex..FirstIndex+Requests-1 (see
	// IndexedClient), numbered as bench/model numbers a batch, so that
	// model.IdealBatches can replay the delays a variable-delay server gave
	// them. Merge keeps the receiver's FirstIndex.
	FirstIndex int64
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
	if r.Requests < 0 || r.OK < 0 || r.Bytes < 0 || r.NotIssued < 0 || r.MaxInFlight < 0 || r.FirstIndex < 0 {
		return fmt.Errorf("result: negative count (requests %d, ok %d, bytes %d, not issued %d, in flight %d, first index %d)",
			r.Requests, r.OK, r.Bytes, r.NotIssued, r.MaxInFlight, r.FirstIndex)
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

// histJSON is a latency histogram on the wire: its geometry and its
// non-empty buckets as [index, count] pairs of its counts array. It is
// lossless, and about ten times cheaper to write than HdrHistogram's V2
// compressed encoding for the few hundred buckets a batch fills.
type histJSON struct {
	Lowest  int64      `json:"lowest"`
	Highest int64      `json:"highest"`
	SigFigs int64      `json:"sig_figs"`
	Buckets [][2]int64 `json:"buckets"`
}

// encodeHist returns h's wire form.
func encodeHist(h *hdrhistogram.Histogram) histJSON {
	s := h.Export()
	w := histJSON{Lowest: s.LowestTrackableValue, Highest: s.HighestTrackableValue, SigFigs: s.SignificantFigures, Buckets: [][2]int64{}}
	for i, c := range s.Counts {
		if c != 0 {
			w.Buckets = append(w.Buckets, [2]int64{int64(i), c})
		}
	}
	return w
}

// decodeHist rebuilds a histogram from its wire form. Only the geometry
// NewHistogram uses is accepted, so hostile input cannot make it allocate
// more than one histogram's counts.
func decodeHist(w histJSON) (*hdrhistogram.Histogram, error) {
	if w.Lowest != histLowest || w.Highest != histHighest || w.SigFigs != histSigFigs {
		return nil, fmt.Errorf("latency histogram: geometry %d..%d/%d, want %d..%d/%d",
			w.Lowest, w.Highest, w.SigFigs, histLowest, histHighest, histSigFigs)
	}
	s := &hdrhistogram.Snapshot{LowestTrackableValue: w.Lowest, HighestTrackableValue: w.Highest, SignificantFigures: w.SigFigs}
	if n := len(w.Buckets); n > 0 {
		// Import zero-fills the counts past the last bucket.
		s.Counts = make([]int64, min(w.Buckets[n-1][0]+1, histCounts))
	}
	prev := int64(-1)
	for _, b := range w.Buckets {
		i, c := b[0], b[1]
		switch {
		case i <= prev || i >= int64(len(s.Counts)):
			return nil, fmt.Errorf("latency histogram: bucket index %d out of order or past %d", i, len(s.Counts))
		case c <= 0:
			return nil, fmt.Errorf("latency histogram: bucket %d has count %d, want > 0", i, c)
		}
		s.Counts[i] = c
		prev = i
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("latency histogram: %w", err)
	}
	return hdrhistogram.Import(s), nil
}

// resultJSON is Result on the wire.
type resultJSON struct {
	Strategy    string               `json:"strategy"`
	Requests    int64                `json:"requests"`
	OK          int64                `json:"ok"`
	Bytes       int64                `json:"bytes"`
	WallNS      int64                `json:"wall_ns"`
	Latency     histJSON             `json:"latency"`
	Codes       map[int]int64        `json:"codes"`
	Errors      map[ErrorKind]int64  `json:"errors"`
	Samples     map[ErrorKind]string `json:"samples,omitempty"`
	NotIssued   int64                `json:"not_issued"`
	MaxInFlight int64                `json:"max_in_flight"`
	FirstIndex  int64                `json:"first_index"`
}

// MarshalJSON encodes r, its histogram losslessly.
func (r *Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{
		Strategy: r.Strategy, Requests: r.Requests, OK: r.OK, Bytes: r.Bytes,
		WallNS: int64(r.Wall), Latency: encodeHist(r.Latency), Codes: r.Codes, Errors: r.Errors,
		Samples: r.Samples, NotIssued: r.NotIssued, MaxInFlight: r.MaxInFlight,
		FirstIndex: r.FirstIndex,
	})
}

// UnmarshalJSON decodes a Result written by MarshalJSON and verifies it with
// Check, so a corrupt or inconsistent result is an error, not a number.
func (r *Result) UnmarshalJSON(b []byte) error {
	var w resultJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	h, err := decodeHist(w.Latency)
	if err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	if w.WallNS < 0 {
		return fmt.Errorf("decode result: negative wall time %d", w.WallNS)
	}
	out := Result{
		Strategy: w.Strategy, Requests: w.Requests, OK: w.OK, Bytes: w.Bytes,
		Wall: time.Duration(w.WallNS), Latency: h, Codes: w.Codes, Errors: w.Errors,
		Samples: w.Samples, NotIssued: w.NotIssued, MaxInFlight: w.MaxInFlight,
		FirstIndex: w.FirstIndex,
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
