// Package monoclock reads time.Time values on CLOCK_MONOTONIC, the
// clock every process of one Linux machine shares (time since boot), so
// that timestamps of a client and of a server process can be compared.
// Go's own monotonic reading is CLOCK_MONOTONIC minus a per-process
// offset, which a Clock measures once; after that, converting a
// time.Now() costs no system call.
package monoclock

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Clock converts this process's time.Time values (with their monotonic
// reading) to CLOCK_MONOTONIC nanoseconds. Create it with New.
type Clock struct {
	ref  time.Time // a time.Now() …
	base int64     // … and CLOCK_MONOTONIC at the same instant
	err  time.Duration
}

// samples is how many brackets New takes; it keeps the tightest.
const samples = 16

// New measures this process's offset: it reads CLOCK_MONOTONIC between two
// time.Now() calls, several times, and keeps the tightest bracket (its
// width bounds the error, Err).
func New() (Clock, error) {
	var best Clock
	for i := range samples {
		t0 := time.Now()
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			return Clock{}, fmt.Errorf("monoclock: clock_gettime: %w", err)
		}
		t1 := time.Now()
		w := t1.Sub(t0)
		if i == 0 || w < best.err {
			best = Clock{ref: t0.Add(w / 2), base: ts.Nano(), err: w}
		}
	}
	return best, nil
}

// NS returns t on CLOCK_MONOTONIC, in ns; t must carry a monotonic
// reading (a time.Now() of this process, not one parsed or rounded).
func (c Clock) NS(t time.Time) int64 { return c.base + int64(t.Sub(c.ref)) }

// Err bounds NS's error: the width of the bracket New kept.
func (c Clock) Err() time.Duration { return c.err }
