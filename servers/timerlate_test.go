package servers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

// TestTimerLateness makes every delay fire late on purpose (afterWake
// sleeps extra after the timer) and checks the counters see at least that
// lateness for each request, count each once, and are zeroed by a reset.
func TestTimerLateness(t *testing.T) {
	const n, d, extra = 5, 2 * time.Millisecond, 15 * time.Millisecond
	for _, late := range []bool{false, true} {
		srv, err := New(Config{Delay: d})
		if err != nil {
			t.Fatal(err)
		}
		if late {
			srv.afterWake = func() { time.Sleep(extra) }
		}
		for range n {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?bytes=1", nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
		}
		st := srv.Stats()
		if st.TimerWakes != n {
			t.Errorf("late=%v: TimerWakes = %d, want %d", late, st.TimerWakes, n)
		}
		if st.PreTimerNS <= 0 || st.PostTimerNS <= 0 {
			t.Errorf("late=%v: PreTimerNS %d, PostTimerNS %d: want both > 0 (a handler's work takes time)", late, st.PreTimerNS, st.PostTimerNS)
		}
		if st.TimerLateNS < 0 || st.TimerLateMaxNS < 0 || st.TimerLateMaxNS > st.TimerLateNS {
			t.Errorf("late=%v: TimerLateNS %d, max %d: want 0 <= max <= sum", late, st.TimerLateNS, st.TimerLateMaxNS)
		}
		if late && (st.TimerLateNS < int64(n*extra) || st.TimerLateMaxNS < int64(extra)) {
			t.Errorf("sleeps made %v late: TimerLateNS = %v, max %v; want at least %v and %v",
				extra, time.Duration(st.TimerLateNS), time.Duration(st.TimerLateMaxNS), n*extra, extra)
		}
		srv.ResetStats()
		if st := srv.Stats(); st.TimerLateNS != 0 || st.TimerLateMaxNS != 0 || st.TimerWakes != 0 || st.PreTimerNS != 0 || st.PostTimerNS != 0 {
			t.Errorf("late=%v: after reset %+v, want the timer counters zero", late, st)
		}
	}
}

// TestStatsPID checks that GET /_stats names the server's process.
func TestStatsPID(t *testing.T) {
	srv, err := New(Config{Delay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, StatsPath, nil))
	var st Stats
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.PID != os.Getpid() {
		t.Errorf("pid %d, want %d", st.PID, os.Getpid())
	}
}
