package servers

import (
	"container/heap"
	"context"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// fineWindow is how close to the earliest deadline the sleeper stops using
// a Go timer and sleeps in nanosleep(2) instead, and fineStep the longest
// such sleep (so that a new, earlier deadline waits at most that long).
// An idle Go program's timers fire up to a millisecond late on Linux: the
// scheduler waits for them in epoll_wait, whose timeout is whole
// milliseconds. nanosleep wakes within the kernel's timer slack (50 µs by
// default).
const (
	fineWindow = 2 * time.Millisecond
	fineStep   = 250 * time.Microsecond
)

// sleeper wakes each waiter at its deadline, more precisely than a Go timer
// per request: one goroutine, on its own OS thread, sleeps until the
// earliest deadline (with a Go timer while it is more than fineWindow away,
// then in nanosleep) and wakes every waiter that is due. It runs only while
// someone waits: it exits when no deadline is left and is started again by
// the next wait, so an idle server holds no goroutine or thread. The zero
// value is ready to use.
type sleeper struct {
	mu      sync.Mutex
	h       deadlines     // guarded by mu
	running bool          // the loop goroutine runs; guarded by mu
	kick    chan struct{} // a new earliest deadline; buffered 1, made on first use under mu
}

// waiter is one sleeping request.
type waiter struct {
	at    time.Time
	done  chan struct{}
	index int // in the heap; -1 once woken or removed; guarded by sleeper.mu
}

// deadlines is a min-heap of waiters by deadline.
type deadlines []*waiter

func (d deadlines) Len() int           { return len(d) }
func (d deadlines) Less(i, j int) bool { return d[i].at.Before(d[j].at) }
func (d deadlines) Swap(i, j int) {
	d[i], d[j] = d[j], d[i]
	d[i].index, d[j].index = i, j
}
func (d *deadlines) Push(x any) {
	w := x.(*waiter)
	w.index = len(*d)
	*d = append(*d, w)
}
func (d *deadlines) Pop() any {
	old := *d
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.index = -1
	*d = old[:len(old)-1]
	return w
}

// wait blocks until d has passed since start, or ctx is done (false): a
// canceled waiter leaves the heap at once, so the loop ends when the last
// request is gone, not at the last deadline.
func (s *sleeper) wait(ctx context.Context, start time.Time, d time.Duration) bool {
	w := &waiter{at: start.Add(d), done: make(chan struct{}), index: -1}
	s.mu.Lock()
	if s.kick == nil {
		s.kick = make(chan struct{}, 1)
	}
	heap.Push(&s.h, w)
	earliest := s.h[0] == w
	if !s.running {
		s.running = true
		go s.loop()
	} else if earliest {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	s.mu.Unlock()
	select {
	case <-w.done:
		return true
	case <-ctx.Done():
		s.mu.Lock()
		if w.index >= 0 {
			heap.Remove(&s.h, w.index)
			select {
			case s.kick <- struct{}{}: // the loop looks again, and ends if nothing is left
			default:
			}
		}
		s.mu.Unlock()
		return false
	}
}

// loop wakes waiters until none is left.
func (s *sleeper) loop() {
	// nanosleep blocks this thread, not the others; the thread ends with
	// the goroutine (no UnlockOSThread), so no other goroutine inherits it.
	runtime.LockOSThread()
	for {
		s.mu.Lock()
		now := time.Now()
		for len(s.h) > 0 && !s.h[0].at.After(now) {
			close(heap.Pop(&s.h).(*waiter).done)
		}
		if len(s.h) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		wait := s.h[0].at.Sub(now)
		s.mu.Unlock()
		if wait > fineWindow {
			t := time.NewTimer(wait - fineWindow)
			select {
			case <-t.C:
			case <-s.kick:
			}
			t.Stop()
			continue
		}
		ts := unix.NsecToTimespec(int64(min(wait, fineStep)))
		// EINTR (a signal) only shortens the sleep: the loop looks again.
		_ = unix.Nanosleep(&ts, nil)
	}
}
