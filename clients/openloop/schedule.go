// Package openloop drives open-loop load: requests sent on a schedule of
// send times fixed in advance (constant rate or seeded Poisson), whatever
// the server does, with every request's latency measured both from its
// intended send time (corrected for coordinated omission) and from its
// actual send time (uncorrected), and the pacer's lateness, the requests
// dropped past an in-flight cap and every failure counted.
package openloop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Limits of a Schedule.
const (
	// MinDuration is the shortest schedule: below it the pacer has not
	// settled (timer and goroutine start-up dominate the lag).
	MinDuration = 100 * time.Millisecond
	// MaxDuration is the longest schedule.
	MaxDuration = time.Hour
	// MaxRate is the highest rate, in requests per second.
	MaxRate = 1e6
	// MaxRequests bounds a schedule's length (its times are held in memory).
	MaxRequests = 50_000_000
)

// Schedule is a list of intended send times, offsets from the start of a
// run, nondecreasing and below Duration.
type Schedule struct {
	Times    []time.Duration
	Rate     float64       // target rate, requests per second
	Duration time.Duration // the span the times cover
}

// Constant returns the schedule of rate requests per second for duration:
// request i at i / rate.
func Constant(rate float64, duration time.Duration) (Schedule, error) {
	n, err := check(rate, duration)
	if err != nil {
		return Schedule{}, err
	}
	times := make([]time.Duration, 0, n)
	for i := 0; ; i++ {
		t := time.Duration(float64(i) * float64(time.Second) / rate)
		if t >= duration {
			break
		}
		times = append(times, t)
	}
	return Schedule{Times: times, Rate: rate, Duration: duration}, nil
}

// Poisson returns a Poisson schedule of mean rate requests per second for
// duration: gaps drawn independently from the exponential distribution of
// mean 1 / rate by a PCG generator seeded with seed, so the same arguments
// give the same times.
func Poisson(rate float64, duration time.Duration, seed uint64) (Schedule, error) {
	n, err := check(rate, duration)
	if err != nil {
		return Schedule{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6f70656e6c6f6f70)) // "openloop"
	times := make([]time.Duration, 0, n)
	t := 0.0
	for {
		t += rng.ExpFloat64() / rate * float64(time.Second)
		if t >= float64(duration) {
			break
		}
		if len(times) == MaxRequests {
			return Schedule{}, fmt.Errorf("openloop: Poisson schedule longer than %d requests", MaxRequests)
		}
		times = append(times, time.Duration(t))
	}
	return Schedule{Times: times, Rate: rate, Duration: duration}, nil
}

// check validates a rate and duration and returns the expected length.
func check(rate float64, duration time.Duration) (int, error) {
	if !(rate > 0 && rate <= MaxRate) || math.IsInf(rate, 0) {
		return 0, fmt.Errorf("openloop: rate %v req/s out of range (0, %g]", rate, float64(MaxRate))
	}
	if duration < MinDuration || duration > MaxDuration {
		return 0, fmt.Errorf("openloop: duration %v out of range %v..%v (shorter is too short for the pacer to settle)", duration, MinDuration, MaxDuration)
	}
	n := math.Ceil(rate * duration.Seconds())
	if n > MaxRequests {
		return 0, fmt.Errorf("openloop: rate %v req/s × duration %v = %.0f requests, more than %d", rate, duration, n, MaxRequests)
	}
	if n < 1 {
		n = 1
	}
	return int(n), nil
}
