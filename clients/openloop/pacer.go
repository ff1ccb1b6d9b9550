package openloop

import (
	"context"
	"time"

	"golang.org/x/sys/unix"
)

// Sleep is how the pacer waits for a send time.
type Sleep string

const (
	// SleepTimer waits on a Go timer. An idle Go program's timers fire
	// late by up to a millisecond on Linux: the scheduler waits for them
	// in epoll_wait, whose timeout is whole milliseconds.
	SleepTimer Sleep = "timer"
	// SleepNano waits on a Go timer until fineWait before the send time,
	// then in nanosleep(2), which wakes within the kernel's timer slack
	// (50 µs by default). The cost: the pacer's thread holds its P while
	// it sleeps in the system call, until the scheduler takes the P back
	// for other work, which a client short of CPU feels.
	SleepNano Sleep = "nanosleep"
)

// Sleeps lists the values of Sleep.
func Sleeps() []Sleep { return []Sleep{SleepTimer, SleepNano} }

// fineWait is how close to a send time SleepNano stops using a Go timer.
const fineWait = 2 * time.Millisecond

// clock is the pacer's view of time: offsets from the start of the run.
type clock interface {
	// Now returns the time since the start.
	Now() time.Duration
	// SleepUntil waits until the offset t or until ctx ends (its error).
	SleepUntil(ctx context.Context, t time.Duration) error
}

// realClock is the monotonic clock since start; fine selects SleepNano.
type realClock struct {
	start time.Time
	fine  bool
}

func (c realClock) Now() time.Duration { return time.Since(c.start) }

func (c realClock) SleepUntil(ctx context.Context, t time.Duration) error {
	wait := t - c.Now()
	if wait <= 0 {
		return ctx.Err()
	}
	if !c.fine {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		}
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
