package servertest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStartServesAndCountsConns(t *testing.T) {
	s := servertest.Start(t, servers.Config{Body: "hi"})
	c := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	for range 2 {
		resp, err := c.Get(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != "hi" {
			t.Fatalf("GET = %d %q", resp.StatusCode, b)
		}
	}
	if st := s.Stats(); st.Served != 2 || st.Conns != 1 {
		t.Errorf("stats %+v, want Served 2 over 1 connection (ConnState wired)", st)
	}
}

// Kill ends requests in service and refuses new connections.
func TestKill(t *testing.T) {
	s := servertest.Start(t, servers.Config{Delay: time.Minute})
	c := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	errc := make(chan error, 1)
	go func() {
		resp, err := c.Get(s.URL)
		if err == nil {
			resp.Body.Close()
			err = errors.New(resp.Status)
		}
		errc <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().InFlight != 1 {
		if time.Now().After(deadline) {
			t.Fatal("request never in service")
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.Kill()
	if err := <-errc; err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("in-flight request ended with %v, want a connection error", err)
	}
	_, err := c.Get(s.URL)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("GET after Kill = %v, want connection refused", err)
	}
	if st := s.Stats(); st.Canceled != 1 || st.InFlight != 0 {
		t.Errorf("stats %+v, want the request canceled", st)
	}
	s.Kill() // idempotent
}
