package servers

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestSleeperNeverEarly: waiters with deadlines in any order (later ones
// registered first, earlier ones while the loop sleeps) all wake, none
// before its deadline, and the loop ends when the last has woken.
func TestSleeperNeverEarly(t *testing.T) {
	var s sleeper
	delays := []time.Duration{30, 1, 12, 3, 25, 1, 7, 0, 18, 5}
	var wg sync.WaitGroup
	early := make(chan string, len(delays))
	for i, ms := range delays {
		d := ms * time.Millisecond
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * time.Millisecond) // arrive while others sleep
			start := time.Now()
			if !s.wait(context.Background(), start, d) {
				early <- "a wait without cancellation reported false"
				return
			}
			if got := time.Since(start); got < d {
				early <- "woke " + (d - got).String() + " early for a " + d.String() + " delay"
			}
		}()
	}
	wg.Wait()
	close(early)
	for msg := range early {
		t.Error(msg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.h) != 0 {
		t.Errorf("%d deadlines left after every waiter woke", len(s.h))
	}
}

// TestSleeperCancel: a canceled wait reports false and leaves the heap, so
// a long deadline does not keep the loop running.
func TestSleeperCancel(t *testing.T) {
	var s sleeper
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- s.wait(ctx, time.Now(), time.Hour) }()
	for {
		s.mu.Lock()
		n := len(s.h)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if <-done {
		t.Fatal("a canceled wait reported true")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		n, running := len(s.h), s.running
		s.mu.Unlock()
		if n == 0 && !running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after cancel: %d deadlines, loop running %v", n, running)
		}
		time.Sleep(time.Millisecond)
	}
}
