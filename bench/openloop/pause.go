package openloop

import (
	"context"
	"fmt"
	"syscall"
	"time"
)

// Pause stops the process pid (SIGSTOP) at start+at and resumes it
// (SIGCONT) window later, as wrk2's README pauses its server: every
// request in flight or arriving meanwhile waits. The process is resumed
// even when ctx ends first.
func Pause(ctx context.Context, pid int, start time.Time, at, window time.Duration) error {
	if err := sleepUntil(ctx, start.Add(at)); err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return fmt.Errorf("pause server %d: %w", pid, err)
	}
	serr := sleepUntil(ctx, start.Add(at+window))
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		return fmt.Errorf("resume server %d: %w", pid, err)
	}
	return serr
}

func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
