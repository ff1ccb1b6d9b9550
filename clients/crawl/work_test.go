package crawl_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/crawl"
)

func rusageCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The calibrated loop burns the CPU time asked for: the process's CPU time
// (rusage, a different clock from the calibration's thread clock) over
// many 1 ms pieces is within 20 % of the total requested.
func TestBurnMatchesCPUTime(t *testing.T) {
	b, err := crawl.Calibrate()
	if err != nil {
		t.Fatal(err)
	}
	if b.NsPerIter <= 0 {
		t.Fatalf("calibration %+v", b)
	}
	const pieces, each = 300, time.Millisecond
	runtime.GC()
	before := rusageCPU(t)
	var sink uint64
	for range pieces {
		sink ^= b.Burn(each)
	}
	used := rusageCPU(t) - before
	ratio := float64(used) / float64(pieces*each)
	t.Logf("asked %v, used %v (ratio %.3f), %.3f ns/iteration, sink %x", pieces*each, used, ratio, b.NsPerIter, sink&1)
	if ratio < 0.8 || ratio > 1.2 {
		t.Errorf("burned %v of CPU for %v asked: ratio %.3f, want 0.8..1.2", used, pieces*each, ratio)
	}
	if b.Burn(0) != 0 {
		t.Errorf("Burn(0) did work")
	}
}
