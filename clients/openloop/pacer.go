package openloop

import (
	"context"
	"time"

	"golang.org/x/sys/unix"
)

// fineWait is how close to a send time the pacer stops using a Go timer
// and sleeps in nanosleep(2) instead. An idle Go program's timers fire
// late by up to a millisecond on Linux (the scheduler waits for them in
// epoll_wait, whose timeout is in whole milliseconds); nanosleep wakes
// within the kernel's timer slack (50 µs by default). The cost is one
// thread blocked in the syscall for at most fineWait per send.
const fineWait = 2 * time.Millisecond

// clock is the pacer's view of time: offsets from the start of the run.
type clock interface {
	// Now returns the time since the start.
	Now() time.Duration
	// SleepUntil waits until the offset t or until ctx ends (its error).
	SleepUntil(ctx context.Context, t time.Duration) error
}

// realClock is the monotonic clock since start.
type realClock struct{ start time.Time }

func (c realClock) Now() time.Duration { return time.Since(c.start) }

func (c realClock) SleepUntil(ctx context.Context, t time.Duration) error {
	wait := t - c.Now()
	if wait <= 0 {
		return ctx.Err()
	}
	if wait > fineWait {
		timer := time.NewTimer(wait - fineWait)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wait = t - c.Now()
		if wait <= 0 {
			return nil
		}
		ts := unix.NsecToTimespec(int64(min(wait, fineWait)))
		// EINTR (a signal) only shortens the sleep: the loop sleeps again.
		_ = unix.Nanosleep(&ts, nil)
	}
}

// pace walks the schedule: for each intended time it waits until then,
// reads the clock, and calls send(i, intended, actual). It never sends
// early, so actual ≥ intended; actual − intended is the request's lag. It
// returns how many requests it handed to send; it stops when ctx ends.
func pace(ctx context.Context, clk clock, times []time.Duration, send func(i int, intended, actual time.Duration)) int {
	for i, t := range times {
		if err := clk.SleepUntil(ctx, t); err != nil {
			return i
		}
		now := clk.Now()
		if now < t { // a clock that woke early: never send ahead of schedule
			now = t
		}
		send(i, t, now)
	}
	return len(times)
}
