package model

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// OpenLoop is the ideal of an open-loop run: for each request i of a
// schedule, its completion time and latency (completion − arrival) at a
// FIFO server of capacity K, as offsets from the start of the run.
type OpenLoop struct {
	Completion []time.Duration
	Latency    []time.Duration
}

// QueueOpenLoop simulates arrivals (offsets from the start, nondecreasing)
// at a server that serves at most k requests at once (0: unlimited) and
// queues the rest FIFO; request i is served in delay(i) (nil: d for every
// request). The result is exact: request i starts at the later of its
// arrival and the earliest time one of the k servers frees, in arrival
// order, in O(N log k) time.
//
// Below k / d arrivals per second every latency is d; above it the queue,
// and with it the latency, grows for the length of the run.
func QueueOpenLoop(arrivals []time.Duration, k int, d time.Duration, delay func(i int) time.Duration) (*OpenLoop, error) {
	if k < 0 || k > LimitQueueK {
		return nil, fmt.Errorf("model: capacity k = %d out of range 0..%d", k, LimitQueueK)
	}
	if delay == nil {
		if d < 0 {
			return nil, fmt.Errorf("model: delay d = %v out of range ≥ 0", d)
		}
		delay = func(int) time.Duration { return d }
	}
	for i, a := range arrivals {
		if a < 0 {
			return nil, fmt.Errorf("model: arrival %d at %v: arrivals must be ≥ 0", i, a)
		}
		if i > 0 && a < arrivals[i-1] {
			return nil, fmt.Errorf("model: arrival %d at %v before arrival %d at %v: arrivals must be nondecreasing", i, a, i-1, arrivals[i-1])
		}
	}
	res := &OpenLoop{Completion: make([]time.Duration, len(arrivals)), Latency: make([]time.Duration, len(arrivals))}
	free := &durHeap{}
	for i, a := range arrivals {
		s := delay(i)
		if s < 0 {
			return nil, fmt.Errorf("model: delay(%d) = %v: delays must be ≥ 0", i, s)
		}
		start := a
		if k > 0 && free.Len() == k {
			if f := (*free)[0]; f > start {
				start = f
			}
			heap.Pop(free)
		}
		end := satAdd(start, s)
		if k > 0 {
			heap.Push(free, end)
		}
		res.Completion[i] = end
		res.Latency[i] = end - a
	}
	return res, nil
}

// LimitQueueK is the largest capacity QueueOpenLoop accepts.
const LimitQueueK = 1 << 20

// LatencyQuantile returns the q-quantile (0 ≤ q ≤ 1) of latencies by the
// nearest-rank method: the smallest value with at least q·N values at or
// below it (the minimum for q = 0).
func LatencyQuantile(latencies []time.Duration, q float64) (time.Duration, error) {
	if len(latencies) == 0 {
		return 0, errors.New("model: quantile of no latencies")
	}
	if !(q >= 0 && q <= 1) {
		return 0, fmt.Errorf("model: quantile q = %v out of range 0..1", q)
	}
	s := slices.Clone(latencies)
	slices.Sort(s)
	r := int(math.Ceil(q * float64(len(s))))
	if r < 1 {
		r = 1
	}
	return s[r-1], nil
}

func satAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// durHeap is a min-heap of the times the busy servers free.
type durHeap []time.Duration

func (h durHeap) Len() int           { return len(h) }
func (h durHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h durHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *durHeap) Push(x any)        { *h = append(*h, x.(time.Duration)) }
func (h *durHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
