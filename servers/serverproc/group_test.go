package serverproc_test

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

func startGroup(t *testing.T, cfg serverproc.GroupConfig) *serverproc.Group {
	t.Helper()
	g, err := serverproc.StartGroup(t.Context(), cfg)
	if err != nil {
		t.Fatalf("StartGroup(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = g.Stop() })
	return g
}

func TestGroupOwnPorts(t *testing.T) {
	g := startGroup(t, serverproc.GroupConfig{Procs: 3, Args: []string{"-delay", "0s"}, Hosts: []string{"127.0.0.1", "127.0.0.2"}})
	urls := g.URLs()
	if len(urls) != 3 {
		t.Fatalf("URLs() = %q, want 3 distinct URLs", urls)
	}
	for i, u := range urls {
		want := []string{"127.0.0.1", "127.0.0.2"}[i%2]
		if pu, err := url.Parse(u); err != nil || pu.Hostname() != want {
			t.Errorf("URL %d = %q, want host %s", i, u, want)
		}
	}
	if ts := g.Targets("/"); len(ts) != 3 || ts[0] != urls[0]+"/" {
		t.Errorf("Targets(/) = %q", ts)
	}
	pids := g.Pids()
	seen := map[int]bool{}
	for _, pid := range pids {
		if gone(pid) || seen[pid] {
			t.Fatalf("pids %v: want 3 distinct running processes", pids)
		}
		seen[pid] = true
	}
	// Two requests to the first server, one to each other.
	for _, u := range append(urls, urls[0]) {
		if got := getBody(t, u+"/"); got != "Hello!" {
			t.Fatalf("GET %s = %q", u, got)
		}
	}
	st, err := g.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Served != 4 || st.Conns != 4 {
		t.Errorf("group stats %+v, want Served 4 and Conns 4 summed over the processes", st)
	}
	if st0, err := g.Procs()[0].Stats(t.Context()); err != nil || st0.Served != 2 {
		t.Errorf("first server's stats %+v, %v; want Served 2", st0, err)
	}
	if err := g.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st, err := g.Stats(t.Context()); err != nil || st.Served != 0 {
		t.Errorf("stats after Reset %+v, %v; want zero", st, err)
	}
	if err := g.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for _, pid := range pids {
		if !gone(pid) {
			t.Errorf("pid %d still exists after Stop", pid)
		}
	}
	if err := g.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestGroupReusePort(t *testing.T) {
	g := startGroup(t, serverproc.GroupConfig{Procs: 2, Args: []string{"-delay", "0s"}, ReusePort: true})
	urls := g.URLs()
	if len(urls) != 1 {
		t.Fatalf("URLs() = %q, want one URL shared by both processes", urls)
	}
	procs := g.Procs()
	if procs[0].URL != procs[1].URL || procs[0].Pid() == procs[1].Pid() {
		t.Fatalf("processes %s (pid %d) and %s (pid %d): want two processes on one URL", procs[0].URL, procs[0].Pid(), procs[1].URL, procs[1].Pid())
	}
	// New connections (keep-alive off) are spread over both processes.
	const n = 32
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	for range n {
		resp, err := c.Get(urls[0] + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if _, err := g.Stats(t.Context()); !errors.Is(err, serverproc.ErrSharedURL) {
		t.Errorf("Stats with a shared URL: %v, want ErrSharedURL", err)
	}
	if err := g.Reset(t.Context()); !errors.Is(err, serverproc.ErrSharedURL) {
		t.Errorf("Reset with a shared URL: %v, want ErrSharedURL", err)
	}
	if err := g.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	// Each process reports what it served when it stops; both served some.
	for _, p := range procs {
		if !strings.Contains(p.Stderr(), "SO_REUSEPORT on") {
			t.Errorf("pid %d stderr %q: SO_REUSEPORT not reported on", p.Pid(), p.Stderr())
		}
		if strings.Contains(p.Stderr(), "stopped: served 0,") {
			t.Errorf("pid %d served nothing of %d connections: %q", p.Pid(), n, p.Stderr())
		}
	}
}

func TestGroupConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  serverproc.GroupConfig
		want string
	}{
		{serverproc.GroupConfig{Procs: 0}, "procs: 0"},
		{serverproc.GroupConfig{Procs: serverproc.MaxGroup + 1}, "procs: 65"},
		{serverproc.GroupConfig{Procs: 1, Args: []string{"-addr", "127.0.0.1:1"}}, `"-addr"`},
		{serverproc.GroupConfig{Procs: 1, Args: []string{"--reuseport=false"}}, `"--reuseport=false"`},
		{serverproc.GroupConfig{Procs: 1, Hosts: []string{"192.0.2.1"}}, `hosts[0]: "192.0.2.1"`},
		{serverproc.GroupConfig{Procs: 1, Hosts: []string{"localhost"}}, `hosts[0]: "localhost"`},
		{serverproc.GroupConfig{Procs: 1, Command: []string{}}, "command"},
	} {
		if _, err := serverproc.StartGroup(t.Context(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("StartGroup(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
}

// A process that fails to start stops the group's others.
func TestGroupStartFailureStopsOthers(t *testing.T) {
	before := len(leaktest.Children(t))
	_, err := serverproc.StartGroup(t.Context(), serverproc.GroupConfig{Procs: 3, Args: []string{"-delay", "-1s"}})
	if err == nil || !strings.Contains(err.Error(), "server 0") || !strings.Contains(err.Error(), "-delay") {
		t.Fatalf("StartGroup with a bad flag = %v, want server 0's -delay error", err)
	}
	// Processes 1 and 2 start only after process 0 listens; none are left.
	if after := len(leaktest.Children(t)); after != before {
		t.Errorf("%d child processes after the failed start, want %d", after, before)
	}
}

// A later process that fails to start stops the ones already running.
func TestGroupLaterFailureStopsFirst(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(t.TempDir(), "first")
	// The first invocation execs this test binary as a server; the others fail.
	cmd := []string{"sh", "-c", `if mkdir "$0" 2>/dev/null; then exec "$@"; else echo "no second server" >&2; exit 3; fi`, lock, exe}
	before := len(leaktest.Children(t))
	_, err = serverproc.StartGroup(t.Context(), serverproc.GroupConfig{Procs: 3, Args: []string{"-delay", "0s"}, Command: cmd})
	if err == nil || !strings.Contains(err.Error(), "no second server") {
		t.Fatalf("StartGroup = %v, want the failing server's stderr", err)
	}
	if after := len(leaktest.Children(t)); after != before {
		t.Errorf("%d child processes after the failed start, want %d (server 0 stopped)", after, before)
	}
}
