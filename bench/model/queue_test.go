package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// bruteOpenLoop is an independent reference for QueueOpenLoop: time moves
// to the next event (an arrival or a completion); at each instant the
// completions free their servers first, arrivals join the FIFO queue, and
// the head of the queue is admitted while a server is free. Linear scans
// throughout.
func bruteOpenLoop(arr []time.Duration, k int, delay func(int) time.Duration) []time.Duration {
	n := len(arr)
	done := make([]time.Duration, n)
	var queue []int
	type job struct {
		i   int
		end time.Duration
	}
	var busy []job
	next, finished := 0, 0
	now := time.Duration(0)
	for finished < n {
		// next event
		t := time.Duration(1 << 62)
		if next < n {
			t = arr[next]
		}
		for _, j := range busy {
			t = min(t, j.end)
		}
		if len(queue) > 0 && (k == 0 || len(busy) < k) {
			t = now
		}
		now = t
		kept := busy[:0]
		for _, j := range busy {
			if j.end == now {
				done[j.i] = now
				finished++
			} else {
				kept = append(kept, j)
			}
		}
		busy = kept
		for next < n && arr[next] == now {
			queue = append(queue, next)
			next++
		}
		for len(queue) > 0 && (k == 0 || len(busy) < k) {
			i := queue[0]
			queue = queue[1:]
			s := delay(i)
			if s == 0 {
				done[i] = now
				finished++
				continue
			}
			busy = append(busy, job{i, now + s})
		}
	}
	return done
}

func TestQueueOpenLoopMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for c := range 2000 {
		n := rng.IntN(40)
		maxGap := []int{1, 2, 5, 50}[rng.IntN(4)] // small gaps give ties
		arr := make([]time.Duration, n)
		for i := 1; i < n; i++ {
			arr[i] = arr[i-1] + time.Duration(rng.IntN(maxGap))
		}
		maxD := []int{1, 3, 10, 100}[rng.IntN(4)]
		ds := make([]time.Duration, n)
		for i := range ds {
			ds[i] = time.Duration(rng.IntN(maxD))
		}
		k := []int{0, 1, 2, 3, 8}[rng.IntN(5)]
		delay := func(i int) time.Duration { return ds[i] }
		got, err := QueueOpenLoop(arr, k, 0, delay)
		if err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
		want := bruteOpenLoop(arr, k, delay)
		if !slices.Equal(got.Completion, want) {
			t.Fatalf("case %d: k=%d arrivals %v delays %v:\n got  %v\n want %v", c, k, arr, ds, got.Completion, want)
		}
		for i := range arr {
			if got.Latency[i] != got.Completion[i]-arr[i] {
				t.Fatalf("case %d: latency %d = %v, completion−arrival %v", c, i, got.Latency[i], got.Completion[i]-arr[i])
			}
		}
	}
}

// TestQueueOpenLoopClosedForms checks the constant-rate closed forms: at
// gap g and fixed delay d with k·g ≥ d (rate ≤ k/d) every latency is d;
// with k·g < d request i = q·k + r has latency d + q·(d − k·g), growing
// linearly over the run.
func TestQueueOpenLoopClosedForms(t *testing.T) {
	const n = 1000
	d := 5 * time.Millisecond
	for _, k := range []int{1, 2, 8, 64} {
		for _, frac := range []float64{0.1, 0.5, 0.99, 1, 1.01, 1.5, 3} {
			rate := frac * float64(k) / d.Seconds()
			g := time.Duration(float64(time.Second) / rate)
			arr := make([]time.Duration, n)
			for i := range arr {
				arr[i] = time.Duration(i) * g
			}
			got, err := QueueOpenLoop(arr, k, d, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range got.Latency {
				want := d
				if time.Duration(k)*g < d {
					want = d + time.Duration(i/k)*(d-time.Duration(k)*g)
				}
				if l != want {
					t.Fatalf("k=%d rate=%.0f/s (%.2f of k/d), gap %v: latency %d = %v, closed form %v", k, rate, frac, g, i, l, want)
				}
			}
			if time.Duration(k)*g < d && got.Latency[n-1] <= got.Latency[0] {
				t.Fatalf("k=%d above k/d: latency did not grow (%v → %v)", k, got.Latency[0], got.Latency[n-1])
			}
		}
	}
	// unlimited capacity: every latency is the delay
	got, err := QueueOpenLoop([]time.Duration{0, 0, 0, 1}, 0, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range got.Latency {
		if l != d {
			t.Fatalf("k=0: latency %d = %v, want %v", i, l, d)
		}
	}
}

func TestQueueOpenLoopErrors(t *testing.T) {
	for _, tc := range []struct {
		arr []time.Duration
		k   int
		d   time.Duration
	}{
		{nil, -1, 1},
		{nil, LimitQueueK + 1, 1},
		{nil, 1, -1},
		{[]time.Duration{-1}, 1, 1},
		{[]time.Duration{5, 4}, 1, 1},
	} {
		if _, err := QueueOpenLoop(tc.arr, tc.k, tc.d, nil); err == nil {
			t.Errorf("QueueOpenLoop(%v, k=%d, d=%v): no error", tc.arr, tc.k, tc.d)
		}
	}
	if _, err := QueueOpenLoop([]time.Duration{0}, 1, 0, func(int) time.Duration { return -1 }); err == nil {
		t.Error("negative delay(i): no error")
	}
}

func TestLatencyQuantile(t *testing.T) {
	l := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.1, 1}, {0.5, 5}, {0.99, 10}, {1, 10}} {
		got, err := LatencyQuantile(l, tc.q)
		if err != nil || got != tc.want {
			t.Errorf("LatencyQuantile(q=%v) = %v, %v; want %v", tc.q, got, err, tc.want)
		}
	}
	if _, err := LatencyQuantile(nil, 0.5); err == nil {
		t.Error("no latencies: no error")
	}
	if _, err := LatencyQuantile(l, 1.5); err == nil {
		t.Error("q = 1.5: no error")
	}
}
