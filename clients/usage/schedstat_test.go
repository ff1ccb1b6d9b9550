package usage

import (
	"os"
	"testing"
	"time"
)

func TestParseSchedstat(t *testing.T) {
	run, wait, err := ParseSchedstat("123456 789 10\n")
	if err != nil || run != 123456 || wait != 789 {
		t.Errorf("got %v %v %v", run, wait, err)
	}
	for _, bad := range []string{"", "12", "x 1 2", "1 -2 3"} {
		if _, _, err := ParseSchedstat(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestReadSchedSelf: this process's threads ran, and spinning adds run time.
func TestReadSchedSelf(t *testing.T) {
	s0, err := ReadSched(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); time.Since(start) < 20*time.Millisecond; {
	}
	s1, err := SumSched([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if d := s1.Sub(s0); d.Run < 10*time.Millisecond {
		t.Errorf("20 ms of spinning counted %v of run time", d.Run)
	}
	if _, err := ReadSched(-1); err == nil {
		t.Error("pid -1: no error")
	}
}
