package servers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
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

// TestBursts checks the burst accounting: n concurrent requests held
// together (each waits, after its wake-up, until all have woken) are one
// burst whose parts add up to its span exactly, with the sleep made late
// on purpose in Late; a lone request after it is a second burst.
func TestBursts(t *testing.T) {
	const n, d, extra = 5, 2 * time.Millisecond, 10 * time.Millisecond
	srv, err := New(Config{Delay: d})
	if err != nil {
		t.Fatal(err)
	}
	var woken sync.WaitGroup
	woken.Add(n)
	srv.afterWake = func() {
		woken.Done()
		woken.Wait() // every request is in the handler until all have woken
		time.Sleep(extra)
	}
	var done sync.WaitGroup
	for range n {
		done.Go(func() {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?bytes=1", nil))
		})
	}
	done.Wait()
	check := func(bursts int64) Stats {
		t.Helper()
		st := srv.Stats()
		if st.Bursts != bursts {
			t.Fatalf("Bursts = %d, want %d", st.Bursts, bursts)
		}
		if parts := st.BurstArrivalNS + st.BurstPreNS + st.BurstDelayNS + st.BurstLateNS + st.BurstPostNS; parts != st.BurstSpanNS {
			t.Errorf("parts %+v add up to %d, want the span %d", st, parts, st.BurstSpanNS)
		}
		for _, v := range []int64{st.BurstArrivalNS, st.BurstPreNS, st.BurstLateNS, st.BurstPostNS} {
			if v < 0 {
				t.Errorf("a negative part: %+v", st)
			}
		}
		if st.BurstDelayNS != bursts*int64(d) {
			t.Errorf("BurstDelayNS = %d, want %d", st.BurstDelayNS, bursts*int64(d))
		}
		return st
	}
	if st := check(1); st.BurstLateNS < int64(extra) {
		t.Errorf("BurstLateNS = %v, want at least the %v the wake-ups were delayed", time.Duration(st.BurstLateNS), extra)
	}
	srv.afterWake = nil
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?bytes=1", nil))
	check(2)
	srv.ResetStats()
	check(0)
}
