package netem_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/servers/netem"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// listen returns an emulated listener on loopback.
func listen(t testing.TB, cfg netem.Config) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	el, err := netem.NewListener(ln, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	return el
}

// serve runs a plain HTTP handler writing body on an emulated listener.
func serve(t testing.TB, cfg netem.Config, body []byte) string {
	t.Helper()
	ln := listen(t, cfg)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

func get(t testing.TB, c *http.Client, url string) time.Duration {
	t.Helper()
	start := time.Now()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// slack is the allowance above a target that the issue grants: 5 % or 1 ms,
// whichever is larger. It is applied to the minimum of several requests,
// so scheduling noise on a busy machine must hit every one to fail it.
func slack(target time.Duration) time.Duration {
	return max(target/20, time.Millisecond)
}

// TestColdWarmRoundTrips checks that a cold request (new connection) costs
// set-up RTT + 1 RTT and a warm one 1 RTT: never less, and the minimum of
// several within the slack.
func TestColdWarmRoundTrips(t *testing.T) {
	const tries = 5
	for _, rtt := range []time.Duration{20 * time.Millisecond, 40 * time.Millisecond} {
		t.Run(rtt.String(), func(t *testing.T) {
			url := serve(t, netem.Config{RTT: rtt}, []byte("ok"))
			minCold, minWarm := time.Hour, time.Hour
			for range tries {
				tr := &http.Transport{}
				c := &http.Client{Transport: tr}
				cold := get(t, c, url)
				warm := get(t, c, url)
				tr.CloseIdleConnections()
				if cold < 2*rtt {
					t.Errorf("cold request took %v, less than set-up RTT + 1 RTT = %v", cold, 2*rtt)
				}
				if warm < rtt {
					t.Errorf("warm request took %v, less than 1 RTT = %v", warm, rtt)
				}
				minCold, minWarm = min(minCold, cold), min(minWarm, warm)
			}
			if limit := 2*rtt + slack(2*rtt); minCold > limit {
				t.Errorf("fastest cold request took %v, above %v (2 RTT + slack)", minCold, limit)
			}
			if limit := rtt + slack(rtt); minWarm > limit {
				t.Errorf("fastest warm request took %v, above %v (1 RTT + slack)", minWarm, limit)
			}
			t.Logf("rtt %v: fastest cold %v, fastest warm %v", rtt, minCold, minWarm)
		})
	}
}

// TestBodyBandwidth checks that a body of size S takes S / bandwidth on top
// of the round trip, never less, and the fastest of several within slack.
func TestBodyBandwidth(t *testing.T) {
	const (
		size  = 200 << 10
		bw    = 2_000_000 // 200 KiB at 2 MB/s: 102.4 ms
		rtt   = 10 * time.Millisecond
		tries = 3
	)
	body := bytes.Repeat([]byte("x"), size)
	url := serve(t, netem.Config{RTT: rtt, Bandwidth: bw}, body)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	get(t, c, url) // warm the connection
	want := rtt + time.Duration(size)*time.Second/bw
	fastest := time.Hour
	for range tries {
		d := get(t, c, url)
		if d < want {
			t.Errorf("%d-byte body took %v, less than RTT + size/bandwidth = %v", size, d, want)
		}
		fastest = min(fastest, d)
	}
	if limit := want + slack(want); fastest > limit {
		t.Errorf("fastest %d-byte body took %v, above %v", size, fastest, limit)
	}
	t.Logf("want %v, fastest %v", want, fastest)
}

// record is one concurrent writer's tagged message: writer, sequence, and a
// payload derived from both, so corruption or reordering shows.
func record(w, seq int) []byte {
	b := make([]byte, 8, 8+100)
	binary.BigEndian.PutUint32(b, uint32(w))
	binary.BigEndian.PutUint32(b[4:], uint32(seq))
	return append(b, bytes.Repeat([]byte{byte(w*31 + seq)}, 100)...)
}

// TestConcurrentWritesIntegrity checks both directions: bytes arrive intact
// and in order (checksums match), and concurrent Writes stay whole and in
// each writer's order.
func TestConcurrentWritesIntegrity(t *testing.T) {
	const writers, perWriter = 8, 200
	ln := listen(t, netem.Config{RTT: 2 * time.Millisecond, Bandwidth: 50_000_000})
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	defer server.Close()

	// Client to server: a 1 MB stream, checksummed.
	up := make([]byte, 1<<20)
	for i := range up {
		up[i] = byte(i * 7)
	}
	go func() { _, _ = client.Write(up) }()
	got := make([]byte, len(up))
	if _, err := io.ReadFull(server, got); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(up) {
		t.Fatal("client-to-server bytes corrupted")
	}

	// Server to client: concurrent writers.
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for seq := range perWriter {
				if _, err := server.Write(record(w, seq)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, writers)
	rec := make([]byte, len(record(0, 0)))
	for range writers * perWriter {
		if _, err := io.ReadFull(client, rec); err != nil {
			t.Fatal(err)
		}
		w := int(binary.BigEndian.Uint32(rec))
		if w >= writers {
			t.Fatalf("corrupt record header %x", rec[:8])
		}
		if want := record(w, next[w]); !bytes.Equal(rec, want) {
			t.Fatalf("writer %d: got record %x..., want sequence %d", w, rec[:8], next[w])
		}
		next[w]++
	}
	wg.Wait()
}

// pair returns an emulated server conn and its client.
func pair(t *testing.T, cfg netem.Config) (server, client net.Conn) {
	t.Helper()
	ln := listen(t, cfg)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server, client
}

func readErr(c net.Conn) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		ch <- err
	}()
	return ch
}

// TestCloseWakesRead closes the conn under a Read that waits for nothing and
// under one that waits for bytes in flight (RTT 10 s): both return
// net.ErrClosed without waiting for the bytes.
func TestCloseWakesRead(t *testing.T) {
	for _, inFlight := range []bool{false, true} {
		t.Run(fmt.Sprint("inFlight=", inFlight), func(t *testing.T) {
			server, client := pair(t, netem.Config{RTT: 10 * time.Second})
			if inFlight {
				if _, err := client.Write([]byte("hello")); err != nil {
					t.Fatal(err)
				}
			}
			ch := readErr(server)
			time.Sleep(10 * time.Millisecond) // let Read block (correct either way)
			server.Close()
			if err := <-ch; !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Read after Close: %v, want net.ErrClosed", err)
			}
			if _, err := server.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Write after Close: %v, want net.ErrClosed", err)
			}
			<-server.(*netem.Conn).Done()
		})
	}
}

// TestReadDeadline checks that a past deadline fails a pending Read with a
// timeout, that a deadline set while bytes are in flight fires before they
// arrive, and that clearing it lets the bytes through.
func TestReadDeadline(t *testing.T) {
	server, client := pair(t, netem.Config{RTT: 200 * time.Millisecond})
	ch := readErr(server)
	time.Sleep(5 * time.Millisecond)
	_ = server.SetReadDeadline(time.Unix(1, 0))
	err := <-ch
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past deadline: %v, want a timeout", err)
	}
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	_ = server.SetReadDeadline(time.Now().Add(time.Millisecond))
	if _, err := server.Read(make([]byte, 5)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read with bytes in flight past deadline: %v, want a timeout", err)
	}
	_ = server.SetReadDeadline(time.Time{})
	buf := make([]byte, 5)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("Read after clearing deadline: %q, %v", buf, err)
	}
}

// TestCloseDeliversQueued checks that bytes written just before Close still
// reach the client, followed by EOF.
func TestCloseDeliversQueued(t *testing.T) {
	server, client := pair(t, netem.Config{RTT: 20 * time.Millisecond})
	if _, err := server.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	server.Close()
	got, err := io.ReadAll(client)
	if err != nil || string(got) != "last words" {
		t.Fatalf("client read %q, %v; want the queued bytes then EOF", got, err)
	}
}

// TestEOFAfterData checks that the client's close reaches Read as io.EOF
// after its bytes.
func TestEOFAfterData(t *testing.T) {
	server, client := pair(t, netem.Config{RTT: 4 * time.Millisecond})
	_, _ = client.Write([]byte("bye"))
	client.Close()
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "bye" {
		t.Fatalf("server read %q, %v; want \"bye\" then EOF", got, err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg   netem.Config
		field string
	}{
		{netem.Config{RTT: -1}, "RTT"},
		{netem.Config{RTT: netem.MaxRTT + 1}, "RTT"},
		{netem.Config{Bandwidth: -5}, "Bandwidth"},
		{netem.Config{Bandwidth: netem.MinBandwidth - 1}, "Bandwidth"},
		{netem.Config{Bandwidth: netem.MaxBandwidth + 1}, "Bandwidth"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "want") {
			t.Errorf("Validate(%+v) = %v, want an error naming %s and its range", tc.cfg, err, tc.field)
		}
		if _, err := netem.NewListener(nil, tc.cfg); err == nil {
			t.Errorf("NewListener(%+v) accepted a bad config", tc.cfg)
		}
	}
	for _, name := range netem.PresetNames() {
		cfg, err := netem.Preset(name)
		if err != nil || cfg.Validate() != nil {
			t.Errorf("preset %s: %v, %v", name, err, cfg.Validate())
		}
	}
	if _, err := netem.Preset("moon"); err == nil || !strings.Contains(err.Error(), "wan") {
		t.Errorf("Preset(moon) = %v, want an error listing the presets", err)
	}
}

// TestLoopbackUnwrapped checks that the zero Config adds no wrapper.
func TestLoopbackUnwrapped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got, err := netem.NewListener(ln, netem.Loopback)
	if err != nil || got != ln {
		t.Fatalf("NewListener(loopback) = %v, %v; want the listener itself", got, err)
	}
}
