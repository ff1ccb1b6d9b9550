package monoclock_test

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/crawlbench/crawlbench/internal/monoclock"
)

// TestNS checks that a converted time.Now() falls between two direct
// CLOCK_MONOTONIC readings taken around it (within Err), and that
// differences survive the conversion exactly.
func TestNS(t *testing.T) {
	c, err := monoclock.New()
	if err != nil {
		t.Fatal(err)
	}
	read := func() int64 {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			t.Fatal(err)
		}
		return ts.Nano()
	}
	for range 100 {
		before := read()
		now := time.Now()
		after := read()
		got := c.NS(now)
		if e := int64(c.Err()); got < before-e || got > after+e {
			t.Fatalf("NS(now) = %d, want within [%d, %d] ± %d", got, before, after, e)
		}
	}
	a := time.Now()
	b := a.Add(1234567 * time.Nanosecond)
	if d := c.NS(b) - c.NS(a); d != 1234567 {
		t.Errorf("NS(a + 1234567ns) − NS(a) = %d", d)
	}
}
