package servercmd_test

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers/servercmd"
)

// acceptAll accepts on ln until it is closed, counting connections, and
// closes each one.
func acceptAll(ln net.Listener, n *int, mu *sync.Mutex, wg *sync.WaitGroup) {
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			*n++
			mu.Unlock()
			c.Close()
		}
	})
}

func TestListenReusePortShares(t *testing.T) {
	for _, backlog := range []int{0, 64} { // Go's listener, and the hand-built one
		a, err := servercmd.Listen(t.Context(), "127.0.0.1:0", servercmd.ListenOptions{ReusePort: true, Backlog: backlog})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		addr := a.Addr().String()
		b, err := servercmd.Listen(t.Context(), addr, servercmd.ListenOptions{ReusePort: true, Backlog: backlog})
		if err != nil {
			t.Fatalf("second SO_REUSEPORT listener on %s (backlog %d): %v", addr, backlog, err)
		}
		defer b.Close()

		var mu sync.Mutex
		var wg sync.WaitGroup
		var na, nb int
		acceptAll(a, &na, &mu, &wg)
		acceptAll(b, &nb, &mu, &wg)
		const conns = 64
		for range conns {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			// Wait for the server side to close, so the count is final.
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _ = c.Read(make([]byte, 1))
			c.Close()
		}
		a.Close()
		b.Close()
		wg.Wait()
		// The kernel hashes each connection's 4-tuple to one listener: 64
		// connections all on one of two listeners has odds 2^-63.
		if na+nb != conns || na == 0 || nb == 0 {
			t.Errorf("backlog %d: listeners accepted %d and %d of %d connections; want all, spread over both", backlog, na, nb, conns)
		}
	}
}

func TestListenWithoutReusePortConflicts(t *testing.T) {
	for _, backlog := range []int{0, 64} {
		a, err := servercmd.Listen(t.Context(), "127.0.0.1:0", servercmd.ListenOptions{Backlog: backlog})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		_, err = servercmd.Listen(t.Context(), a.Addr().String(), servercmd.ListenOptions{Backlog: backlog})
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("backlog %d: second listener without SO_REUSEPORT: %v, want EADDRINUSE", backlog, err)
		}
		// One side with SO_REUSEPORT is not enough either.
		_, err = servercmd.Listen(t.Context(), a.Addr().String(), servercmd.ListenOptions{ReusePort: true, Backlog: backlog})
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("backlog %d: SO_REUSEPORT listener beside a plain one: %v, want EADDRINUSE", backlog, err)
		}
	}
}

func TestListenBacklogApplied(t *testing.T) {
	somax, err := servercmd.Somaxconn()
	if err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct{ asked, want int }{
		{0, somax}, // Go's default
		{7, min(7, somax)},
		{servercmd.MaxBacklog, somax}, // capped by the kernel
	} {
		ln, err := servercmd.Listen(t.Context(), "127.0.0.1:0", servercmd.ListenOptions{Backlog: tc.asked})
		if err != nil {
			t.Fatal(err)
		}
		got, err := servercmd.Backlog(ln)
		ln.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Backlog after asking %d = %d, want %d (somaxconn %d)", tc.asked, got, tc.want, somax)
		}
	}
	for _, bad := range []int{-1, servercmd.MaxBacklog + 1} {
		if _, err := servercmd.Listen(t.Context(), "127.0.0.1:0", servercmd.ListenOptions{Backlog: bad}); err == nil || !strings.Contains(err.Error(), "backlog") {
			t.Errorf("Listen with backlog %d: %v, want a range error", bad, err)
		}
	}
}

// A full accept queue makes the kernel drop new SYNs: the connect that
// does not fit does not complete until a retransmit (1 s later at the
// earliest), so it misses a 300 ms deadline that a loopback connect
// otherwise meets by orders of magnitude.
func TestListenFullBacklogDropsSYN(t *testing.T) {
	ln, err := servercmd.Listen(t.Context(), "127.0.0.1:0", servercmd.ListenOptions{Backlog: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	// Linux queues backlog+1 connections before it calls the queue full.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 2 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connect %d into a queue of 1+1: %v", i+1, err)
		}
		conns = append(conns, c)
	}
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err == nil {
		c.Close()
		t.Fatal("third connect into a full accept queue completed at once; want its SYN dropped")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("third connect: %v, want a timeout", err)
	}
}

func TestBacklogErrors(t *testing.T) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: t.TempDir() + "/s", Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := servercmd.Backlog(ln); err == nil {
		t.Error("Backlog of a unix listener succeeded")
	}
}

func TestReuseportAndBacklogFlags(t *testing.T) {
	url, stop, _, stderr := run(t, "-addr", "127.0.0.1:0", "-delay", "0s", "-reuseport", "-backlog", "5")
	port := url[strings.LastIndex(url, ":")+1:]
	// A second server on the same port works only because both set SO_REUSEPORT.
	url2, stop2, _, _ := run(t, "-addr", "127.0.0.1:"+port, "-delay", "0s", "-reuseport")
	if url2 != url {
		t.Fatalf("second server listens on %s, want %s", url2, url)
	}
	if stop() != 0 || stop2() != 0 {
		t.Error("servers did not stop cleanly")
	}
	if !strings.Contains(stderr.String(), "1 socket(s), accept backlog 5 each (asked 5") || !strings.Contains(stderr.String(), "SO_REUSEPORT on") {
		t.Errorf("stderr %q does not describe the listener", stderr.String())
	}

	for _, tc := range []struct {
		args       []string
		flag, want string
	}{
		{[]string{"-backlog", "-1"}, "-backlog", "0..65536"},
		{[]string{"-backlog", "70000"}, "-backlog", "0..65536"},
		{[]string{"-backlog", "x"}, "-backlog", "0..65536"},
		{[]string{"-listeners", "0"}, "-listeners", "1..64"},
		{[]string{"-listeners", "65"}, "-listeners", "1..64"},
	} {
		var out, errb strings.Builder
		if code := servercmd.Main(t.Context(), tc.args, &out, &errb); code != servercmd.ExitUsage || !strings.Contains(errb.String(), tc.flag) || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("Main(%q) = %d, stderr %q; want 2 naming %s and its range", tc.args, code, errb.String(), tc.flag)
		}
	}
}

func TestListenN(t *testing.T) {
	lns, err := servercmd.ListenN(t.Context(), "127.0.0.1:0", servercmd.ListenOptions{Backlog: 16}, 3)
	if err != nil {
		t.Fatal(err)
	}
	addr := lns[0].Addr().String()
	var mu sync.Mutex
	var wg sync.WaitGroup
	counts := make([]int, len(lns))
	for i, ln := range lns {
		if ln.Addr().String() != addr {
			t.Errorf("listener %d on %s, want %s", i, ln.Addr(), addr)
		}
		if b, err := servercmd.Backlog(ln); err != nil || b < 1 || b > 16 {
			t.Errorf("listener %d backlog %d, %v", i, b, err)
		}
		acceptAll(ln, &counts[i], &mu, &wg)
	}
	// The sockets share the port by SO_REUSEPORT, so one more can join.
	extra, err := servercmd.Listen(t.Context(), addr, servercmd.ListenOptions{ReusePort: true})
	if err != nil {
		t.Errorf("a fourth SO_REUSEPORT listener: %v", err)
	} else {
		extra.Close()
	}
	const conns = 90
	for range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = c.Read(make([]byte, 1))
		c.Close()
	}
	for _, ln := range lns {
		ln.Close()
	}
	wg.Wait()
	sum := 0
	for i, n := range counts {
		sum += n
		if n == 0 {
			t.Errorf("listener %d accepted none of %d connections: %v", i, conns, counts)
		}
	}
	if sum != conns {
		t.Errorf("accepted %v = %d connections, want %d", counts, sum, conns)
	}

	for _, n := range []int{0, servercmd.MaxListeners + 1} {
		if _, err := servercmd.ListenN(t.Context(), "127.0.0.1:0", servercmd.ListenOptions{}, n); err == nil {
			t.Errorf("ListenN(%d) succeeded", n)
		}
	}
	// A port taken without SO_REUSEPORT fails the first listener; nothing
	// is left open.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if _, err := servercmd.ListenN(t.Context(), taken.Addr().String(), servercmd.ListenOptions{}, 2); err == nil {
		t.Error("ListenN on a port taken without SO_REUSEPORT succeeded")
	}
}

func TestListenersFlagServes(t *testing.T) {
	url, stop, _, stderr := run(t, "-addr", "127.0.0.1:0", "-delay", "0s", "-listeners", "4")
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	for range 20 {
		resp, err := c.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET = %s", resp.Status)
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("Main = %d; stderr %q", code, stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "listener: 4 socket(s)") || !strings.Contains(msg, "SO_REUSEPORT on") || !strings.Contains(msg, "served 20") {
		t.Errorf("stderr %q: want 4 sockets, SO_REUSEPORT on and 20 served", msg)
	}
}
