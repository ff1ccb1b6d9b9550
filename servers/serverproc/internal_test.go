package serverproc

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/usage/tail"
)

// A ChildMain child shuts down when its stdin pipe closes, as it does when
// the parent dies without calling Stop.
func TestChildStopsWhenStdinCloses(t *testing.T) {
	p, err := Start(t.Context(), []string{"-addr", "127.0.0.1:0", "-delay", "0s"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("child still running 10s after its stdin closed")
	}
	if p.waitErr != nil {
		t.Fatalf("child exited with %v, want status 0; stderr %s", p.waitErr, p.Stderr())
	}
}

func TestListenWriter(t *testing.T) {
	other := tail.New(1 << 10)
	w := newListenWriter()
	w.other = other
	for _, chunk := range []string{"PASS\nslowserver: liste", "ning on http://127.0.0.1:1234\n", "slowserver: listening on http://127.0.0.1:9\n", "tail"} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := <-w.url; got != "http://127.0.0.1:1234" {
		t.Fatalf("url %q", got)
	}
	if got := other.String(); !strings.Contains(got, "stdout: PASS\n") || !strings.Contains(got, "127.0.0.1:9") {
		t.Fatalf("other lines %q", got)
	}
}

func TestTailBuffer(t *testing.T) {
	b := tail.New(4)
	_, _ = b.Write([]byte("abc"))
	_, _ = b.Write([]byte("defg"))
	if got := b.String(); got != "...defg" {
		t.Fatalf("tail %q, want ...defg (the last 4 bytes, marked cut)", got)
	}
}

// TestDrainedThenSignalled: only a child ended by SIGTERM after its
// "stopped:" summary counts as a clean stop; any other exit stays an error.
func TestDrainedThenSignalled(t *testing.T) {
	sigterm := exec.Command("sh", "-c", "kill -TERM $$").Run()
	exit1 := exec.Command("sh", "-c", "exit 1").Run()
	const done = "slowserver: listening\nslowserver: stopped: served 5, canceled 0, bad requests 0, connections 1, max in service 5, max queued 0\n"
	for _, tc := range []struct {
		name   string
		err    error
		stderr string
		want   bool
	}{
		{"SIGTERM after stopped", sigterm, done, true},
		{"SIGTERM before stopped", sigterm, "slowserver: listening\nslowserver: shutting down\n", false},
		{"exit 1 after stopped", exit1, done, false},
		{"no error", nil, done, false},
	} {
		if got := drainedThenSignalled(tc.err, tc.stderr); got != tc.want {
			t.Errorf("%s: %v, want %v (err %v)", tc.name, got, tc.want, tc.err)
		}
	}
}
