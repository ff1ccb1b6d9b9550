package openloop

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConstantExactTimes(t *testing.T) {
	s, err := Constant(200, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Times) != 100 {
		t.Fatalf("200 req/s for 0.5 s: %d times, want 100", len(s.Times))
	}
	for i, tm := range s.Times {
		if want := time.Duration(i) * 5 * time.Millisecond; tm != want {
			t.Fatalf("time %d = %v, want %v", i, tm, want)
		}
	}
	s, err = Constant(3, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{0, 333333333, 666666666}; !slices.Equal(s.Times, want) {
		t.Fatalf("3 req/s for 1 s: %v, want %v", s.Times, want)
	}
}

func TestPoissonSeeded(t *testing.T) {
	a, err := Poisson(1000, 10*time.Second, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Poisson(1000, 10*time.Second, 42)
	c, _ := Poisson(1000, 10*time.Second, 43)
	if !slices.Equal(a.Times, b.Times) {
		t.Fatal("same seed, different times")
	}
	if slices.Equal(a.Times, c.Times) {
		t.Fatal("seeds 42 and 43 gave the same times")
	}
	// 10,000 expected, σ = 100: 4σ either side.
	if n := len(a.Times); n < 9600 || n > 10400 {
		t.Fatalf("Poisson(1000/s, 10 s): %d arrivals, want 10,000 ± 400", n)
	}
	for i := 1; i < len(a.Times); i++ {
		if a.Times[i] < a.Times[i-1] || a.Times[i] >= 10*time.Second {
			t.Fatalf("time %d = %v after %v: not nondecreasing in [0, 10 s)", i, a.Times[i], a.Times[i-1])
		}
	}
	// Exponential gaps: about 1/e of them exceed the mean gap of 1 ms.
	long := 0
	for i := 1; i < len(a.Times); i++ {
		if a.Times[i]-a.Times[i-1] > time.Millisecond {
			long++
		}
	}
	if f := float64(long) / float64(len(a.Times)-1); f < 0.34 || f > 0.40 {
		t.Fatalf("fraction of gaps above the mean = %.3f, want ≈ 1/e = 0.368", f)
	}
}

func TestScheduleErrors(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		dur  time.Duration
		want string
	}{
		{0, time.Second, "rate"},
		{-5, time.Second, "rate"},
		{2 * MaxRate, time.Second, "rate"},
		{100, MinDuration - 1, "duration"},
		{100, 0, "duration"},
		{100, 2 * MaxDuration, "duration"},
	} {
		for name, f := range map[string]func() (Schedule, error){
			"Constant": func() (Schedule, error) { return Constant(tc.rate, tc.dur) },
			"Poisson":  func() (Schedule, error) { return Poisson(tc.rate, tc.dur, 1) },
		} {
			_, err := f()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s(%v, %v) = %v, want an error naming %s", name, tc.rate, tc.dur, err, tc.want)
			}
		}
	}
}
