package openloop

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/openloop"
)

// Metric is one benchfmt metric: a value and its unit.
type Metric struct {
	Value float64
	Unit  string
}

// The percentiles every cell reports, with their metric spelling.
var percentiles = []struct {
	q    float64
	name string
}{{50, "p50"}, {99, "p99"}, {99.9, "p99.9"}}

// Metrics returns a run's metrics, the same names in every benchmark of
// the package and in the vegeta rows: target-req/s, achieved-req/s,
// achieved-x (achieved ÷ target), pP-ns (corrected: from the intended
// send time), uncorrected-pP-ns (from the actual send), lag-p50/p99/max-ns,
// late, dropped, errors, and with model latencies model-pP-ns and pP-model-x
// (measured corrected ÷ model).
func Metrics(r *openloop.Result, modelLat []time.Duration) ([]Metric, error) {
	achieved := r.AchievedRate()
	m := []Metric{
		{r.TargetRate, "target-req/s"},
		{achieved, "achieved-req/s"},
		{achieved / r.TargetRate, "achieved-x"},
	}
	for _, p := range percentiles {
		m = append(m, Metric{float64(r.Corrected.ValueAtQuantile(p.q)), p.name + "-ns"})
	}
	for _, p := range percentiles {
		m = append(m, Metric{float64(r.Uncorrected.ValueAtQuantile(p.q)), "uncorrected-" + p.name + "-ns"})
	}
	m = append(m,
		Metric{float64(r.Lag.ValueAtQuantile(50)), "lag-p50-ns"},
		Metric{float64(r.Lag.ValueAtQuantile(99)), "lag-p99-ns"},
		Metric{float64(r.Lag.Max()), "lag-max-ns"},
		Metric{float64(r.Late), "late"},
		Metric{float64(r.Dropped), "dropped"},
		Metric{float64(r.Failed()), "errors"},
	)
	if len(modelLat) == 0 {
		return m, nil
	}
	for _, p := range percentiles {
		q, err := model.LatencyQuantile(modelLat, p.q/100)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", p.name, err)
		}
		m = append(m, Metric{float64(q), "model-" + p.name + "-ns"})
		if q > 0 {
			m = append(m, Metric{float64(r.Corrected.ValueAtQuantile(p.q)) / float64(q), p.name + "-model-x"})
		}
	}
	return m, nil
}

// FailureText names the failed requests of r by kind ("" when none):
// "3 of 200 requests failed: timeout 2, refused 1".
func FailureText(r *openloop.Result) string {
	n := r.Failed()
	if n == 0 {
		return ""
	}
	kinds := slices.Sorted(maps.Keys(r.Errors))
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		if r.Errors[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.Errors[k]))
		}
	}
	return fmt.Sprintf("%d of %d requests failed: %s", n, r.Scheduled, strings.Join(parts, ", "))
}

// Merge adds src's counts and histograms into dst (runs of one cell).
func Merge(dst, src *openloop.Result) {
	dst.Scheduled += src.Scheduled
	dst.Sent += src.Sent
	dst.OK += src.OK
	dst.Dropped += src.Dropped
	dst.Late += src.Late
	dst.PeakInFlight = max(dst.PeakInFlight, src.PeakInFlight)
	dst.Duration += src.Duration
	dst.LastSend += max(src.LastSend, src.Duration) // spans add up run by run
	dst.Elapsed += src.Elapsed
	if dst.Errors == nil {
		dst.Errors = map[clients.ErrorKind]int64{}
	}
	for k, v := range src.Errors {
		dst.Errors[k] += v
	}
	for _, h := range [][2]*hdrhistogram.Histogram{{dst.Corrected, src.Corrected}, {dst.Uncorrected, src.Uncorrected}, {dst.Lag, src.Lag}} {
		h[0].Merge(h[1])
	}
}

// NewTotal returns an empty Result to Merge a cell's runs into.
func NewTotal(name string, rate float64) *openloop.Result {
	return &openloop.Result{
		Name: name, TargetRate: rate, Errors: map[clients.ErrorKind]int64{},
		Corrected: clients.NewHistogram(), Uncorrected: clients.NewHistogram(), Lag: clients.NewHistogram(),
	}
}

// recordTo adds v (clamped to h's range) to h.
func recordTo(h *hdrhistogram.Histogram, v time.Duration) {
	x := max(int64(v), h.LowestTrackableValue())
	x = min(x, h.HighestTrackableValue())
	_ = h.RecordValue(x) // in range by construction
}
