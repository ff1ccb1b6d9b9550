package serverproc_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/servers/serverproc"
)

func TestMain(m *testing.M) {
	if serverproc.IsChild() {
		os.Exit(serverproc.ChildMain())
	}
	goleak.VerifyTestMain(m)
}

// gone reports whether no process has pid (it was reaped).
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

func start(t *testing.T, args ...string) *serverproc.Proc {
	t.Helper()
	p, err := serverproc.Start(t.Context(), args)
	if err != nil {
		t.Fatalf("Start(%q): %v", args, err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %q %v", url, resp.Status, b, err)
	}
	return string(b)
}

func TestStartRequestStatsStop(t *testing.T) {
	p := start(t, "-addr", "127.0.0.1:0", "-delay", "50ms")
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q", p.URL)
	}
	pid := p.Pid()
	if pid == os.Getpid() || pid <= 0 {
		t.Fatalf("Pid() = %d, want a child process (we are %d)", pid, os.Getpid())
	}
	if got := getBody(t, p.URL+"/"); got != "Hello!" {
		t.Fatalf("GET / = %q, want Hello!", got)
	}
	st, err := p.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Served != 1 || st.Conns != 1 || st.BadRequests != 0 {
		t.Fatalf("stats %+v, want Served 1, Conns 1 (stats requests not counted)", st)
	}
	if err := p.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st, err := serverproc.FetchStats(t.Context(), p.URL); err != nil || st.Served != 0 || st.Conns != 0 {
		t.Fatalf("after Reset: %+v, %v; want zero", st, err)
	}

	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !gone(pid) {
		t.Fatalf("pid %d still exists after Stop", pid)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := p.Stats(t.Context()); err == nil {
		t.Fatal("Stats after Stop succeeded")
	}
	if !strings.Contains(p.Stderr(), "stopped: served 0") {
		t.Errorf("child stderr %q does not show a clean stop", p.Stderr())
	}
}

func TestStopDrainsInFlight(t *testing.T) {
	p := start(t, "-addr", "127.0.0.1:0", "-delay", "600ms")
	res := make(chan string, 1)
	go func() {
		c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
		resp, err := c.Get(p.URL + "/")
		if err != nil {
			res <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- string(b)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := p.Stats(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if st.InFlight == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("request never in service")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if got := <-res; got != "Hello!" {
		t.Fatalf("in-flight request got %q, want Hello! (drained before exit)", got)
	}
}

func TestStartFailures(t *testing.T) {
	_, err := serverproc.Start(t.Context(), []string{"-delay", "-1s"})
	if err == nil || !strings.Contains(err.Error(), "exited before listening") || !strings.Contains(err.Error(), "-delay: -1s is out of range") {
		t.Errorf("Start with a bad flag = %v, want the child's stderr in the error", err)
	}

	_, err = serverproc.StartCommand(t.Context(), []string{filepath.Join(t.TempDir(), "nonexistent")}, nil)
	if err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Errorf("StartCommand of a missing binary = %v", err)
	}
	if _, err := serverproc.StartCommand(t.Context(), nil, nil); err == nil {
		t.Error("StartCommand with an empty command line succeeded")
	}

	// A child that never prints the line is given up on when ctx ends, and reaped.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	start := time.Now()
	_, err = serverproc.StartCommand(ctx, []string{sleep, "60"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("StartCommand(sleep 60) = %v, want a deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > 8*time.Second {
		t.Errorf("StartCommand took %v to give up on a 300ms context", elapsed)
	}
}

func TestStatsRejectsNonLoopback(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1:5000", "http://example.com", "ftp://127.0.0.1:21", "::bad"} {
		if _, err := serverproc.FetchStats(t.Context(), u); err == nil {
			t.Errorf("FetchStats(%q) succeeded", u)
		}
		if err := serverproc.ResetStats(t.Context(), u); err == nil {
			t.Errorf("ResetStats(%q) succeeded", u)
		}
	}
}

func TestStartCommandBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ./servers/slowserver")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "slowserver")
	build := exec.CommandContext(t.Context(), goBin, "build", "-o", bin, "github.com/crawlbench/crawlbench/servers/slowserver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p, err := serverproc.StartCommand(t.Context(), []string{bin}, []string{"-addr", "127.0.0.1:0", "-delay", "10ms", "-body", "slow"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if got := getBody(t, p.URL+"/?bytes=9"); got != "slowslows" {
		t.Fatalf("GET = %q, want slowslows", got)
	}
	pid := p.Pid()
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !gone(pid) {
		t.Fatalf("pid %d still exists after Stop", pid)
	}
}
