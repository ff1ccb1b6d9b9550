package model

import (
	"fmt"
	"time"
)

// Stall is wrk2's coordinated-omission experiment: a server of unlimited
// capacity and delay D is paused (every request held, none answered) from
// Start for Window, during a run of Duration. A closed loop of C lanes and
// an open loop at the same mean rate C / D see the pause very differently.
type Stall struct {
	D, Start, Window, Duration time.Duration
	C                          int // closed-loop lanes; the open loop's rate is C / D
}

// Validate reports parameters the experiment cannot use.
func (s Stall) Validate() error {
	switch {
	case s.D <= 0:
		return fmt.Errorf("model: stall delay d = %v out of range > 0", s.D)
	case s.C < 1 || s.C > LimitQueueK:
		return fmt.Errorf("model: stall lanes c = %d out of range 1..%d", s.C, LimitQueueK)
	case s.Window <= s.D:
		return fmt.Errorf("model: stall window %v out of range > d = %v", s.Window, s.D)
	case s.Start < s.D || s.Start+s.Window+s.D > s.Duration:
		return fmt.Errorf("model: stall window %v..%v must lie in d..duration−d = %v..%v", s.Start, s.Start+s.Window, s.D, s.Duration-s.D)
	}
	return nil
}

// Rate is the open loop's rate, and the closed loop's unimpeded one: C / D.
func (s Stall) Rate() float64 { return float64(s.C) / s.D.Seconds() }

// Completion returns when a request arriving at a completes: a + D if it
// does not meet the pause; the end of the pause if it was being served when
// the pause began (its timer expired meanwhile); the end of the pause + D
// if it arrived during the pause (accepted only when the server resumes).
func (s Stall) Completion(a time.Duration) time.Duration {
	end := s.Start + s.Window
	switch {
	case a+s.D <= s.Start || a >= end:
		return a + s.D
	case a < s.Start:
		return max(a+s.D, end)
	}
	return end + s.D
}

// OpenP returns the closed form of the open loop's (1 − p)-quantile
// latency at a constant rate C / D (corrected and uncorrected agree: an
// ideal pacer is never held back): the λ(W + D) requests that meet the
// pause have latencies spread evenly over (D, W + D], and those being
// served when it began a second time over (W, W + D], so with pD the
// tail's span, the quantile is W + D − pT/2 while pT/2 ≤ D, then
// W + 2D − pT while that exceeds D, else D. Exact up to one arrival gap.
func (s Stall) OpenP(p float64) time.Duration {
	pt := time.Duration(p * float64(s.Duration))
	w, d := s.Window, s.D
	switch {
	case pt/2 <= d:
		return w + d - pt/2
	case w+2*d-pt > d:
		return w + 2*d - pt
	}
	return d
}

// ClosedP returns the closed form of the closed loop's uncorrected
// (1 − p)-quantile latency: each lane, back to back from 0, meets the
// pause once, with one request of latency (W, W + D], and runs
// n = ⌊(Duration − W) / D⌋ requests or so; so the slow requests are a
// fraction 1/n of all, and the quantile is D when p ≥ 1/n, else the slow
// request's latency (the lanes' requests start at multiples of D).
func (s Stall) ClosedP(p float64) time.Duration {
	slow := s.Completion(s.Start/s.D*s.D) - s.Start/s.D*s.D
	n := s.lanePerRun()
	if p*float64(n) >= 1 {
		return s.D
	}
	return slow
}

// lanePerRun is how many requests one closed-loop lane sends before
// Duration: the requests before the pause, the slow one, and those after.
func (s Stall) lanePerRun() int {
	a, n := time.Duration(0), 0
	for a < s.Duration {
		a = s.Completion(a)
		n++
	}
	return n
}

// Factor returns the model's prediction of open p-tail ÷ closed p-tail
// (e.g. p = 0.01 for p99): how much the closed loop under-reports.
func (s Stall) Factor(p float64) float64 {
	return float64(s.OpenP(p)) / float64(s.ClosedP(p))
}

// StallRun is one simulated loop: per request its intended send time (the
// schedule's, or for the closed loop lane's j-th request j·D, its time at
// the unimpeded rate, as wrk2 corrects), actual send time and completion.
type StallRun struct {
	Intended, Sent, Done []time.Duration
}

// Corrected returns each request's latency from its intended time.
func (r *StallRun) Corrected() []time.Duration { return diff(r.Done, r.Intended) }

// Uncorrected returns each request's latency from its actual send time.
func (r *StallRun) Uncorrected() []time.Duration { return diff(r.Done, r.Sent) }

func diff(a, b []time.Duration) []time.Duration {
	out := make([]time.Duration, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

// SimulateOpen runs the open loop over arrivals (a schedule's times):
// each request is sent at its time and completes as Completion says.
func (s Stall) SimulateOpen(arrivals []time.Duration) *StallRun {
	r := &StallRun{Intended: arrivals, Sent: arrivals, Done: make([]time.Duration, len(arrivals))}
	for i, a := range arrivals {
		r.Done[i] = s.Completion(a)
	}
	return r
}

// SimulateClosed runs the closed loop: C lanes from 0, each sending its
// next request when the previous completes, until Duration.
func (s Stall) SimulateClosed() *StallRun {
	r := &StallRun{}
	for range s.C {
		a := time.Duration(0)
		for j := 0; a < s.Duration; j++ {
			done := s.Completion(a)
			r.Intended = append(r.Intended, time.Duration(j)*s.D)
			r.Sent = append(r.Sent, a)
			r.Done = append(r.Done, done)
			a = done
		}
	}
	return r
}
