package model

import (
	"math"
	"testing"
	"time"
)

// bruteCompletion is an independent reference for Stall.Completion,
// stepping time in ticks: the server accepts a request at its first
// running instant at or after the arrival, and answers it at its first
// running instant at or after acceptance + D (a timer that expired during
// the pause fires when the server resumes).
func bruteCompletion(s Stall, a, tick time.Duration) time.Duration {
	running := func(t time.Duration) bool { return t < s.Start || t >= s.Start+s.Window }
	t := a
	for !running(t) {
		t += tick
	}
	t += s.D
	for !running(t) {
		t += tick
	}
	return t
}

func TestStallCompletionMatchesBruteForce(t *testing.T) {
	s := Stall{D: 50 * time.Millisecond, Start: 2 * time.Second, Window: time.Second, Duration: 5 * time.Second, C: 4}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	const tick = time.Millisecond
	for a := time.Duration(0); a < s.Duration; a += 7 * time.Millisecond {
		got, want := s.Completion(a), bruteCompletion(s, a, tick)
		if d := got - want; d < -tick || d > tick {
			t.Fatalf("Completion(%v) = %v, brute force %v", a, got, want)
		}
	}
}

// TestStallClosedFormsMatchSimulation checks OpenP, ClosedP and Factor
// against simulations of both loops built on the brute-force server.
func TestStallClosedFormsMatchSimulation(t *testing.T) {
	for _, s := range []Stall{
		{D: 50 * time.Millisecond, Start: 2 * time.Second, Window: time.Second, Duration: 10 * time.Second, C: 8},
		{D: 50 * time.Millisecond, Start: 3 * time.Second, Window: time.Second, Duration: 8 * time.Second, C: 64},
		{D: 20 * time.Millisecond, Start: time.Second, Window: 500 * time.Millisecond, Duration: 4 * time.Second, C: 16},
		{D: 30 * time.Millisecond, Start: 1010 * time.Millisecond, Window: 700 * time.Millisecond, Duration: 2 * time.Second, C: 5},
	} {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		const tick = 100 * time.Microsecond
		gap := time.Duration(float64(time.Second) / s.Rate())
		var open, closed []time.Duration
		for a := time.Duration(0); a < s.Duration; a += gap {
			open = append(open, bruteCompletion(s, a, tick)-a)
		}
		for range s.C {
			for a := time.Duration(0); a < s.Duration; {
				done := bruteCompletion(s, a, tick)
				closed = append(closed, done-a)
				a = done
			}
		}
		for _, p := range []float64{0.5, 0.1, 0.01, 0.001} {
			wantOpen, _ := LatencyQuantile(open, 1-p)
			wantClosed, _ := LatencyQuantile(closed, 1-p)
			slack := gap + 2*tick
			if d := s.OpenP(p) - wantOpen; d < -slack || d > slack {
				t.Errorf("%+v: OpenP(%v) = %v, simulation %v", s, p, s.OpenP(p), wantOpen)
			}
			if d := s.ClosedP(p) - wantClosed; d < -2*tick || d > 2*tick {
				t.Errorf("%+v: ClosedP(%v) = %v, simulation %v", s, p, s.ClosedP(p), wantClosed)
			}
			sim := float64(wantOpen) / float64(wantClosed)
			if f := s.Factor(p); math.Abs(f-sim) > 0.05*sim {
				t.Errorf("%+v: Factor(%v) = %.2f, simulation %.2f", s, p, f, sim)
			}
		}
	}
}

// The experiment's headline: with the defaults the closed loop's p99 is
// d while the open loop's is about the window, a factor W / d.
func TestStallFactorP99(t *testing.T) {
	s := Stall{D: 50 * time.Millisecond, Start: 2 * time.Second, Window: time.Second, Duration: 10 * time.Second, C: 8}
	if got := s.ClosedP(0.01); got != s.D {
		t.Errorf("closed p99 = %v, want d", got)
	}
	if got := s.OpenP(0.01); got != s.Window {
		t.Errorf("open p99 = %v, want the window %v", got, s.Window)
	}
	if f := s.Factor(0.01); f != 20 {
		t.Errorf("factor = %v, want 20", f)
	}
	run := s.SimulateClosed()
	if c, u := run.Corrected(), run.Uncorrected(); len(c) != len(u) || len(c) < s.C*s.lanePerRun() {
		t.Errorf("closed run has %d/%d latencies, want %d", len(c), len(u), s.C*s.lanePerRun())
	}
}

func TestStallValidate(t *testing.T) {
	good := Stall{D: 50 * time.Millisecond, Start: 2 * time.Second, Window: time.Second, Duration: 10 * time.Second, C: 8}
	for _, s := range []Stall{
		{D: 0, Start: good.Start, Window: good.Window, Duration: good.Duration, C: 8},
		{D: good.D, Start: good.Start, Window: good.Window, Duration: good.Duration, C: 0},
		{D: good.D, Start: good.Start, Window: 10 * time.Millisecond, Duration: good.Duration, C: 8},
		{D: good.D, Start: 0, Window: good.Window, Duration: good.Duration, C: 8},
		{D: good.D, Start: 9 * time.Second, Window: good.Window, Duration: good.Duration, C: 8},
	} {
		if s.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", s)
		}
	}
	if err := good.Validate(); err != nil {
		t.Error(err)
	}
}
