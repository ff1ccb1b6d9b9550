package crawl

import (
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Burner burns a requested amount of CPU time in a deterministic loop,
// calibrated against this thread's CPU clock by [Calibrate].
type Burner struct {
	// NsPerIter is the CPU time of one loop iteration.
	NsPerIter float64
}

// calibration sizes: each round spins until this much thread CPU time.
const (
	calRound  = 10 * time.Millisecond
	calRounds = 5
)

// threadCPU returns this thread's CPU time.
func threadCPU() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, fmt.Errorf("crawl: thread CPU clock: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}

// Calibrate measures the loop's CPU time per iteration on this thread: the
// median of a few rounds, each long enough for the clock's resolution.
func Calibrate() (Burner, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var rates []float64
	n := 1 << 14
	var sink uint64
	for len(rates) < calRounds {
		t0, err := threadCPU()
		if err != nil {
			return Burner{}, err
		}
		sink += spin(n, uint64(n))
		t1, err := threadCPU()
		if err != nil {
			return Burner{}, err
		}
		if dt := t1 - t0; dt < calRound {
			n *= 2
			continue
		} else {
			rates = append(rates, float64(dt)/float64(n))
		}
	}
	slices.Sort(rates)
	b := Burner{NsPerIter: rates[len(rates)/2]}
	if sink == 42 { // keeps the loop's result alive
		b.NsPerIter += 1e-12
	}
	return b, nil
}

// Burn spends about d of CPU time and returns a value derived from the loop
// (so the compiler cannot drop it).
func (b Burner) Burn(d time.Duration) uint64 {
	if d <= 0 || b.NsPerIter <= 0 {
		return 0
	}
	return spin(int(float64(d)/b.NsPerIter), uint64(d))
}

// spin is the work loop: n rounds of xorshift64*.
//
//go:noinline
func spin(n int, x uint64) uint64 {
	x |= 1
	for range n {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		x *= 0x2545f4914f6cdd1d
	}
	return x
}

// ParseCPU returns the CPU time (this thread's clock) of parsing body and
// resolving its links once, the mean over rounds: the per-page parse cost
// that the roofline model adds to Work.
func ParseCPU(body []byte, pageURL string, allow []string, rounds int) (time.Duration, error) {
	base, err := url.Parse(pageURL)
	if err != nil || rounds < 1 {
		return 0, fmt.Errorf("crawl: ParseCPU(%q, %d rounds): want a URL and rounds ≥ 1 (%v)", pageURL, rounds, err)
	}
	m := Config{Allow: allow}.allowMap()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0, err := threadCPU()
	if err != nil {
		return 0, err
	}
	n := 0
	for range rounds {
		n += len(extract(body, base, m).in)
	}
	t1, err := threadCPU()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, nil
	}
	return (t1 - t0) / time.Duration(rounds), nil
}
