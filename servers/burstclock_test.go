package servers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/sys/unix"
)

// TestBurstFirstMono checks that a burst's first entry is added up on
// CLOCK_MONOTONIC: between direct readings of that clock taken before the
// request and after it, and adding to the sum burst by burst.
func TestBurstFirstMono(t *testing.T) {
	srv, err := New(Config{Delay: 1})
	if err != nil {
		t.Fatal(err)
	}
	mono := func() int64 {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			t.Fatal(err)
		}
		return ts.Nano()
	}
	var sum int64
	for i := range 3 {
		before := mono()
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/?bytes=1", nil))
		after := mono()
		st := srv.Stats()
		if st.Bursts != int64(i+1) {
			t.Fatalf("Bursts = %d, want %d", st.Bursts, i+1)
		}
		first := st.BurstFirstMonoNS - sum
		if first < before || first > after {
			t.Errorf("burst %d: first entry %d, want within [%d, %d]", i, first, before, after)
		}
		sum = st.BurstFirstMonoNS
	}
	srv.ResetStats()
	if st := srv.Stats(); st.BurstFirstMonoNS != 0 {
		t.Errorf("after a reset BurstFirstMonoNS = %d, want 0", st.BurstFirstMonoNS)
	}
}
