package breakdown

import (
	"math"
	"runtime/metrics"
	"time"
)

// The runtime/metrics histograms read.
const (
	metricSchedLatency = "/sched/latencies:seconds"
	metricGCPauses     = "/sched/pauses/total/gc:seconds"
)

// runtimeSample holds the bucket counts of the histograms read.
type runtimeSample struct {
	samples []metrics.Sample
}

// readRuntime reads the runtime's histograms.
func readRuntime() runtimeSample {
	s := []metrics.Sample{{Name: metricSchedLatency}, {Name: metricGCPauses}}
	metrics.Read(s)
	return runtimeSample{samples: s}
}

// since returns the approximate total time (bucket midpoints) added to
// histogram i between o and s.
func (s runtimeSample) since(o runtimeSample, i int) time.Duration {
	if s.samples[i].Value.Kind() != metrics.KindFloat64Histogram || o.samples[i].Value.Kind() != metrics.KindFloat64Histogram {
		return 0 // not supported by this runtime
	}
	h, h0 := s.samples[i].Value.Float64Histogram(), o.samples[i].Value.Float64Histogram()
	var sec float64
	for k, c := range h.Counts {
		n := c
		if k < len(h0.Counts) {
			n -= h0.Counts[k]
		}
		if n == 0 {
			continue
		}
		lo, hi := h.Buckets[k], h.Buckets[k+1]
		mid := (lo + hi) / 2
		switch {
		case math.IsInf(lo, -1):
			mid = max(hi, 0)
		case math.IsInf(hi, 1):
			mid = lo
		}
		sec += float64(n) * mid
	}
	return time.Duration(sec * 1e9)
}
