package servers_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers"
)

// A client that trickles its headers a byte at a time is cut off after
// ReadHeaderTimeout, long before it finishes them (slowloris).
func TestSlowlorisCutOff(t *testing.T) {
	const timeout = 300 * time.Millisecond
	l := startLive(t, servers.Config{ReadHeaderTimeout: timeout})
	c, err := net.Dial("tcp", strings.TrimPrefix(l.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	header := "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + strings.Repeat("x", 100) + "\r\n\r\n"
	// The server closes the connection, possibly after a 400 (net/http
	// answers a header read that timed out mid-line that way).
	if err := c.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan string, 1)
	go func() {
		b, err := io.ReadAll(c) // returns when the server closes
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b = []byte("(not closed within 30s)")
		}
		closed <- string(b)
	}()
	start := time.Now()
	sent := 0
	tick := time.NewTicker(50 * time.Millisecond) // 20 bytes a second
	defer tick.Stop()
	for sent < len(header) {
		select {
		case answer := <-closed:
			elapsed := time.Since(start)
			if answer != "" && !strings.HasPrefix(answer, "HTTP/1.1 400 ") {
				t.Fatalf("the server answered %q to headers that never ended, want a close or a 400", answer)
			}
			if elapsed < timeout {
				t.Errorf("cut off after %v, before ReadHeaderTimeout %v", elapsed, timeout)
			}
			t.Logf("cut off after %v, %d of %d header bytes sent, answer %q", elapsed, sent, len(header), answer)
			if st := l.srv.Stats(); st.Served != 0 {
				t.Errorf("stats %+v, want nothing served", st)
			}
			return
		case <-tick.C:
			if _, err := c.Write([]byte{header[sent]}); err != nil {
				t.Logf("write after %d bytes: %v", sent, err) // the server closed first
				continue
			}
			sent++
		}
	}
	t.Fatalf("sent all %d header bytes over %v without being cut off (ReadHeaderTimeout %v)", sent, time.Since(start), timeout)
}

// An idle keep-alive connection is closed after IdleTimeout.
func TestIdleTimeoutClosesKeepAlive(t *testing.T) {
	l := startLive(t, servers.Config{IdleTimeout: 200 * time.Millisecond})
	c, br := rawGet(t, l.url, "/")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("response %d (close %v): %v; want 200 kept alive", resp.StatusCode, resp.Close, err)
	}
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = br.ReadByte()
	if !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: read = %v, want EOF (closed by the server)", err)
	}
	t.Logf("idle connection closed after %v", time.Since(start))
}

// Headers over MaxHeaderBytes are refused with 431, not read forever.
func TestHeaderTooLarge(t *testing.T) {
	l := startLive(t, servers.Config{})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, l.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("x", servers.MaxHeaderBytes+8<<10))
	resp, err := l.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("%d KiB of headers: %d, want 431", (servers.MaxHeaderBytes+8<<10)>>10, resp.StatusCode)
	}
	if st := l.srv.Stats(); st.Served != 0 {
		t.Errorf("stats %+v, want nothing served", st)
	}
}

func TestConfigTimeoutsValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg   servers.Config
		field string
		want  string
	}{
		{servers.Config{ReadHeaderTimeout: -time.Second}, "ReadHeaderTimeout", "ReadHeaderTimeout: -1s is out of range; want 0s..10m0s (0 = 10s)"},
		{servers.Config{ReadHeaderTimeout: time.Hour}, "ReadHeaderTimeout", "0s..10m0s"},
		{servers.Config{IdleTimeout: -1}, "IdleTimeout", "IdleTimeout: -1ns is out of range; want 0s..1h0m0s (0 = 2m0s)"},
		{servers.Config{IdleTimeout: 2 * time.Hour}, "IdleTimeout", "0s..1h0m0s"},
	} {
		err := tc.cfg.Validate()
		var ce *servers.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %s error %q", tc.cfg, err, tc.field, tc.want)
		}
	}
	hs := mustNew(t, servers.Config{ReadHeaderTimeout: time.Second, IdleTimeout: 2 * time.Second}).HTTPServer("")
	if hs.ReadHeaderTimeout != time.Second || hs.IdleTimeout != 2*time.Second {
		t.Errorf("HTTPServer timeouts %v, %v; want the configured 1s, 2s", hs.ReadHeaderTimeout, hs.IdleTimeout)
	}
}

func mustNew(t *testing.T, cfg servers.Config) *servers.Server {
	t.Helper()
	s, err := servers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A server that is stopped leaves no listener or connection open.
func TestNoFileLeftOpen(t *testing.T) {
	before := leaktest.OpenFDs(t)
	t.Run("serve", func(t *testing.T) {
		l := startLive(t, servers.Config{Delay: time.Millisecond})
		for _, q := range []string{"/", "/?fail=1", "/?reset=1", "/?bytes=x"} {
			_, _, _, _ = get(t.Context(), l.client, l.url+q)
		}
		if n := leaktest.OpenFDs(t); n <= before {
			t.Errorf("%d files open while serving, %d before: the count does not see sockets", n, before)
		}
	})
	leaktest.WaitFDs(t, before, "after the server stopped")
}

// A client that sends a request and then half-closes its connection
// (shutdown SHUT_WR) has gone away: the request is counted Canceled and
// answered with nothing, never with a success. Before the fix net/http
// sent "200 OK, Content-Length: 0" 1 ms after the half-close. The cases
// cover a request waiting its delay, one queued for a slot, and one
// held by the stall fault; each would be answered (200 or 503) after its
// delay if the half-close were ignored, so reading to EOF proves both.
func TestHalfCloseGetsNoSuccess(t *testing.T) {
	const wait = 30 * time.Second // bounds a hang; nothing here is timed
	for _, tc := range []struct {
		name  string
		cfg   servers.Config
		query string
		hold  bool // hold the only slot with another request first
	}{
		{"delay", servers.Config{}, "delay=2s", false},
		{"queued", servers.Config{Capacity: 1}, "delay=2s", true},
		{"stall", servers.Config{MaxDelay: 3 * time.Second}, "stall=1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := startLive(t, tc.cfg)
			addr := strings.TrimPrefix(l.url, "http://")
			if tc.hold {
				h, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer h.Close()
				if _, err := io.WriteString(h, "GET /?delay=20s HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				waitStats(t, l.srv, wait, "slot held", func(s servers.Stats) bool { return s.InFlight == 1 })
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, "GET /?"+tc.query+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			if err := c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if err := c.SetReadDeadline(time.Now().Add(wait)); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(c)
			if err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("reading to EOF: %v (got %q)", err, b)
			}
			if len(b) > 0 {
				t.Errorf("half-closed request answered %q, want nothing", b)
			}
			canceled := func(s servers.Stats) int64 { return s.Canceled + s.Stalled }
			st := waitStats(t, l.srv, wait, "half-closed request ended", func(s servers.Stats) bool { return canceled(s) == 1 })
			if st.Served != 0 || st.Failed != 0 {
				t.Errorf("stats %+v, want nothing served", st)
			}
			if tc.name != "stall" && st.Canceled != 1 {
				t.Errorf("stats %+v, want Canceled 1", st)
			}
		})
	}
}
