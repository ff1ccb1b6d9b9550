package servers_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// expectFaults counts the faults DrawFault gives requests 0..n-1.
func expectFaults(seed uint64, n int, fail, reset, stall float64) map[servers.Fault]int64 {
	m := map[servers.Fault]int64{}
	for i := range n {
		m[servers.DrawFault(seed, uint64(i), fail, reset, stall)]++
	}
	return m
}

func TestDrawFault(t *testing.T) {
	const n = 10000
	for _, tc := range []struct {
		fail, reset, stall float64
	}{
		{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.2, 0, 0}, {0.25, 0.25, 0.5}, {0.1, 0.3, 0.05},
	} {
		m := expectFaults(11, n, tc.fail, tc.reset, tc.stall)
		for _, kf := range []struct {
			kind servers.Fault
			frac float64
		}{
			{servers.FaultFail, tc.fail}, {servers.FaultReset, tc.reset}, {servers.FaultStall, tc.stall},
			{servers.FaultNone, 1 - tc.fail - tc.reset - tc.stall},
		} {
			got := float64(m[kf.kind]) / n
			switch {
			case kf.frac == 0 || kf.frac == 1:
				if got != kf.frac {
					t.Errorf("%+v: %q on %g of requests, want exactly %g", tc, kf.kind, got, kf.frac)
				}
			case got < kf.frac-0.02 || got > kf.frac+0.02:
				t.Errorf("%+v: %q on %g of requests, want about %g", tc, kf.kind, got, kf.frac)
			}
		}
	}
	// Pure: the same arguments give the same fault; another seed another pattern.
	differ := 0
	for i := range uint64(200) {
		a := servers.DrawFault(5, i, 0.5, 0, 0)
		if a != servers.DrawFault(5, i, 0.5, 0, 0) {
			t.Fatalf("DrawFault(5, %d) is not deterministic", i)
		}
		if a != servers.DrawFault(6, i, 0.5, 0, 0) {
			differ++
		}
	}
	if differ < 50 {
		t.Errorf("seeds 5 and 6 differ on %d of 200 requests, want about half", differ)
	}
	for i := range uint64(1000) {
		if u := servers.FaultDraw(3, i); u < 0 || u >= 1 {
			t.Fatalf("FaultDraw(3, %d) = %g, want [0, 1)", i, u)
		}
	}
}

func TestParseParamsFaults(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  servers.Params
	}{
		{"fail=0.2", servers.Params{Bytes: 6, Fail: 0.2}},
		{"reset=1", servers.Params{Bytes: 6, Reset: 1}},
		{"stall=1&delay=5ms", servers.Params{Delay: 5 * time.Millisecond, Bytes: 6, Stall: 1}},
		{"fail=0&reset=0&stall=0", servers.Params{Bytes: 6}},
		{"fail=0.7&reset=0.2&stall=0.1", servers.Params{Bytes: 6, Fail: 0.7, Reset: 0.2, Stall: 0.1}},
		{"fail=1e-3", servers.Params{Bytes: 6, Fail: 0.001}},
	} {
		got, err := servers.ParseQuery(tc.query, servers.Config{})
		if err != nil || got != tc.want {
			t.Errorf("ParseQuery(%q) = %+v, %v; want %+v", tc.query, got, err, tc.want)
		}
	}
}

// Bad fault values are answered 400 with one line naming the parameter and
// its range, like every other parameter (TestBadRequests).
func TestFaultParamsBadValues(t *testing.T) {
	srv, err := servers.New(servers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"fail=x", []string{`fail: "x" is not a number`, "0..1"}},
		{"fail=", []string{`fail: "" is not a number`, "0..1"}},
		{"fail=20%25", []string{`fail: "20%" is not a number`}},
		{"fail=-0.1", []string{`fail: "-0.1" is out of range`, "0..1"}},
		{"fail=1.5", []string{`fail: "1.5" is out of range`, "0..1"}},
		{"fail=NaN", []string{`fail: "NaN" is out of range`}},
		{"fail=Inf", []string{`fail: "Inf" is out of range`}},
		{"fail=1e400", []string{`fail: "1e400" is out of range`}},
		{"reset=2", []string{`reset: "2" is out of range`, "0..1"}},
		{"reset=yes", []string{`reset: "yes" is not a number`}},
		{"stall=true", []string{`stall: "true" is not a number`}},
		{"stall=-1", []string{`stall: "-1" is out of range`}},
		{"fail=0.5&fail=0.5", []string{`fail: "0.5,0.5" is given 2 times`}},
		{"fail=0.6&reset=0.6", []string{`fail+reset+stall: "0.6+0.6+0" adds up to 1.2`, "at most 1"}},
		{"stall=0.5&reset=0.3&fail=0.3", []string{`fail+reset+stall: "0.3+0.3+0.5" adds up to 1.1`}},
		{"Fail=1", []string{`"Fail" is not a parameter`, "bytes, delay, fail, reset, stall"}},
		{"crash=1", []string{`"crash" is not a parameter`}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?"+tc.query, nil))
			body := rec.Body.String()
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("GET /?%s = %d %q, want 400", tc.query, rec.Code, body)
			}
			if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
				t.Errorf("message %q is not one line", body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("message %q does not contain %q", body, w)
				}
			}
		})
	}
	if st := srv.Stats(); st.BadRequests != 17 || st.Failed+st.Resets+st.Stalled+st.Served != 0 {
		t.Errorf("stats %+v, want 17 bad requests and nothing else", st)
	}
}

// ?fail=F answers exactly the requests DrawFault picks with 500, and counts
// them as Failed.
func TestFailFraction(t *testing.T) {
	const n, seed, frac = 40, 7, 0.25
	l := startLive(t, servers.Config{Seed: seed, Delay: time.Millisecond})
	want := expectFaults(seed, n, frac, 0, 0)[servers.FaultFail]
	if want == 0 || want == n {
		t.Fatalf("DrawFault picks %d of %d; choose another seed", want, n)
	}
	var failed int64
	for i := range n {
		code, body, h := mustGet(t, l.client, l.url+"/?fail=0.25")
		if got := h.Get(servers.HeaderSeq); got != strconv.Itoa(i) {
			t.Fatalf("request %d: seq %q", i, got)
		}
		wantFault := servers.DrawFault(seed, uint64(i), frac, 0, 0)
		switch {
		case wantFault == servers.FaultFail && code == http.StatusInternalServerError:
			failed++
			if h.Get(servers.HeaderFault) != "fail" || !strings.Contains(body, "injected fault") || strings.Count(body, "\n") != 1 {
				t.Errorf("request %d: 500 with fault header %q and body %q", i, h.Get(servers.HeaderFault), body)
			}
		case wantFault == servers.FaultNone && code == http.StatusOK:
			if h.Get(servers.HeaderFault) != "" || body != "Hello!" {
				t.Errorf("request %d: 200 with fault header %q and body %q", i, h.Get(servers.HeaderFault), body)
			}
		default:
			t.Errorf("request %d: status %d, want fault %q", i, code, wantFault)
		}
	}
	st := l.srv.Stats()
	if failed != want || st.Failed != want || st.Served != n-want || st.Canceled != 0 {
		t.Errorf("%d answered 500, stats %+v; want Failed %d, Served %d", failed, st, want, n-want)
	}
	// After a reset the same requests fail again.
	l.srv.ResetStats()
	for range n {
		mustGet(t, l.client, l.url+"/?fail=0.25")
	}
	if st := l.srv.Stats(); st.Failed != want {
		t.Errorf("after reset: Failed %d, want the same %d", st.Failed, want)
	}
}

// rawGet sends a GET for target over a new connection and returns the
// connection with a reader positioned at the response.
func rawGet(t *testing.T, base, target string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

// ?reset=1 sends the headers and half the announced body, then a TCP RST.
func TestResetFault(t *testing.T) {
	l := startLive(t, servers.Config{})
	c, br := rawGet(t, l.url, "/?reset=1&bytes=100000")
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		// The RST may overtake data not yet read; it must still be a reset.
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("reading the response: %v, want headers or ECONNRESET", err)
		}
	} else {
		if resp.StatusCode != http.StatusOK || resp.ContentLength != 100000 || resp.Header.Get(servers.HeaderFault) != "reset" {
			t.Fatalf("response %d, Content-Length %d, fault %q; want 200, 100000, reset", resp.StatusCode, resp.ContentLength, resp.Header.Get(servers.HeaderFault))
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if n > 50000 {
			t.Errorf("read %d body bytes, want at most half of 100000", n)
		}
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("body ended with %v after %d bytes, want a reset", err, n)
		}
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Logf("body ended with %v (a FIN, not a RST)", err)
		}
	}
	st := waitStats(t, l.srv, 10*time.Second, "reset counted", func(s servers.Stats) bool { return s.Resets == 1 })
	if st.Served != 0 || st.InFlight != 0 {
		t.Errorf("stats %+v, want only the reset", st)
	}

	// Through net/http: the body read fails; with bytes=0 one byte is
	// announced and none sent.
	for _, q := range []string{"/?reset=1", "/?reset=1&bytes=0"} {
		_, _, _, err := get(t.Context(), newClient(true), l.url+q)
		if err == nil {
			t.Errorf("GET %s succeeded, want a reset", q)
		}
	}
	waitStats(t, l.srv, 10*time.Second, "3 resets", func(s servers.Stats) bool { return s.Resets == 3 })
}

// ?stall=1 holds a request past the client's timeout; the server counts it
// once the client gives up, and answers 503 if MaxDelay passes first.
func TestStallFault(t *testing.T) {
	t.Run("client times out", func(t *testing.T) {
		l := startLive(t, servers.Config{MaxDelay: time.Minute})
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, _, _, err := get(ctx, l.client, l.url+"/?stall=1&delay=1ms")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("GET ?stall=1 = %v, want the client's deadline", err)
		}
		st := waitStats(t, l.srv, 10*time.Second, "stall counted", func(s servers.Stats) bool { return s.Stalled == 1 && s.InFlight == 0 })
		if st.Served+st.Canceled != 0 {
			t.Errorf("stats %+v, want only Stalled", st)
		}
	})
	t.Run("bounded by MaxDelay", func(t *testing.T) {
		const maxDelay = 100 * time.Millisecond
		l := startLive(t, servers.Config{MaxDelay: maxDelay})
		start := time.Now()
		code, body, h := mustGet(t, l.client, l.url+"/?stall=1")
		if elapsed := time.Since(start); elapsed < maxDelay {
			t.Errorf("stall answered after %v, want at least MaxDelay %v", elapsed, maxDelay)
		}
		if code != http.StatusServiceUnavailable || h.Get(servers.HeaderFault) != "stall" || !strings.Contains(body, "max delay 100ms") {
			t.Errorf("GET ?stall=1 = %d %q (fault %q), want 503 naming the max delay", code, body, h.Get(servers.HeaderFault))
		}
		if st := l.srv.Stats(); st.Stalled != 1 || st.Served != 0 {
			t.Errorf("stats %+v, want Stalled 1", st)
		}
	})
}

// Every request of a mixed-fault run ends in exactly one counter, and the
// counts are DrawFault's.
func TestFaultsCountedOnce(t *testing.T) {
	const n, seed = 60, 3
	const fail, reset, stall = 0.2, 0.2, 0.2
	l := startLive(t, servers.Config{Seed: seed, MaxDelay: 20 * time.Millisecond})
	cold := newClient(true) // no keep-alive: net/http never retries a request
	defer cold.CloseIdleConnections()
	for range n {
		_, _, _, _ = get(t.Context(), cold, l.url+"/?fail=0.2&reset=0.2&stall=0.2")
	}
	want := expectFaults(seed, n, fail, reset, stall)
	st := waitStats(t, l.srv, 10*time.Second, "all counted", func(s servers.Stats) bool {
		return s.Served+s.Failed+s.Resets+s.Stalled+s.Canceled == n
	})
	if st.Failed != want[servers.FaultFail] || st.Resets != want[servers.FaultReset] || st.Stalled != want[servers.FaultStall] ||
		st.Served != want[servers.FaultNone] || st.Canceled != 0 {
		t.Errorf("stats %+v, want %v", st, want)
	}
}

// A faulted request whose client leaves during its delay is Canceled: the
// fault never happened.
func TestFaultCanceledDuringDelay(t *testing.T) {
	l := startLive(t, servers.Config{})
	for i, q := range []string{"fail=1", "reset=1"} {
		ctx, cancel := context.WithCancel(t.Context())
		wait := fanOut(ctx, l.client, l.url+"/?delay=1m&"+q, 1)
		waitStats(t, l.srv, 10*time.Second, "in service", func(s servers.Stats) bool { return s.InFlight == 1 })
		cancel()
		wait()
		waitStats(t, l.srv, 10*time.Second, "canceled", func(s servers.Stats) bool { return s.Canceled == int64(i+1) && s.InFlight == 0 })
	}
	st := waitStats(t, l.srv, 10*time.Second, "both canceled", func(s servers.Stats) bool { return s.Canceled == 2 && s.InFlight == 0 })
	if st.Failed+st.Resets != 0 {
		t.Errorf("stats %+v, want no fault counted", st)
	}
}
