package servers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// getBursts serves GET /_stats/bursts?since=q on srv.
func getBursts(t *testing.T, srv *Server, q string) (int, BurstLog) {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, BurstsPath+"?since="+q, nil))
	var l BurstLog
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
			t.Fatalf("GET %s?since=%s: %v", BurstsPath, q, err)
		}
	}
	return rec.Code, l
}

// TestBurstRingServed checks the endpoint: each burst once, oldest first,
// its parts adding up to its span, the since filter, and a bad since.
func TestBurstRingServed(t *testing.T) {
	srv, err := New(Config{Delay: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/?bytes=1", nil))
	}
	srv.ResetStats() // does not clear the ring
	code, all := getBursts(t, srv, "-9223372036854775808")
	if code != http.StatusOK || len(all.Bursts) != 5 || all.Overflow {
		t.Fatalf("all: code %d, %d bursts, overflow %v; want 200, 5, false", code, len(all.Bursts), all.Overflow)
	}
	for i, r := range all.Bursts {
		if i > 0 && r.FirstMonoNS < all.Bursts[i-1].LastMonoNS {
			t.Errorf("burst %d begins at %d, before burst %d ended (%d): want oldest first", i, r.FirstMonoNS, i-1, all.Bursts[i-1].LastMonoNS)
		}
		if parts := r.ArrivalNS + r.PreNS + r.DelayNS + r.LateNS + r.PostNS; parts != r.LastMonoNS-r.FirstMonoNS || r.DelayNS != 1 {
			t.Errorf("burst %d: parts %d, span %d, delay %d; want parts = span, delay 1", i, parts, r.LastMonoNS-r.FirstMonoNS, r.DelayNS)
		}
	}
	since := all.Bursts[2].FirstMonoNS
	if _, l := getBursts(t, srv, strconv.FormatInt(since, 10)); len(l.Bursts) != 3 || l.Bursts[0] != all.Bursts[2] || l.SinceMonoNS != since {
		t.Errorf("since burst 2's start: %+v, want bursts 2..4", l)
	}
	if _, l := getBursts(t, srv, strconv.FormatInt(all.Bursts[4].FirstMonoNS+1, 10)); len(l.Bursts) != 0 || l.Bursts == nil {
		t.Errorf("since after the last burst's start: %+v, want an empty list", l)
	}
	if code, _ := getBursts(t, srv, "soon"); code != http.StatusBadRequest {
		t.Errorf("since=soon: code %d, want 400", code)
	}
}

// TestBurstRingOverflow checks that a full ring keeps the latest bursts
// and says so exactly when a burst at or after since was dropped.
func TestBurstRingOverflow(t *testing.T) {
	var g burstRing
	const total = BurstRingSize + 10 // bursts 0..9 are dropped
	for i := range int64(total) {
		g.add(BurstRecord{FirstMonoNS: 100 * i, LastMonoNS: 100*i + 50})
	}
	for _, tc := range []struct {
		since    int64
		n        int
		overflow bool
	}{
		{0, BurstRingSize, true},      // bursts 0..9 are gone
		{900, BurstRingSize, true},    // burst 9 is gone
		{901, BurstRingSize, false},   // from burst 10 on: all kept
		{1000, BurstRingSize, false},  // burst 10 is the oldest kept
		{100 * (total - 2), 2, false}, // the last two
	} {
		l := g.since(tc.since)
		if len(l.Bursts) != tc.n || l.Overflow != tc.overflow {
			t.Errorf("since %d: %d bursts, overflow %v; want %d, %v", tc.since, len(l.Bursts), l.Overflow, tc.n, tc.overflow)
		}
		for i := 1; i < len(l.Bursts); i++ {
			if l.Bursts[i].FirstMonoNS != l.Bursts[i-1].FirstMonoNS+100 {
				t.Fatalf("since %d: burst %d starts at %d after %d: want oldest first, none missing", tc.since, i, l.Bursts[i].FirstMonoNS, l.Bursts[i-1].FirstMonoNS)
			}
		}
	}
}
