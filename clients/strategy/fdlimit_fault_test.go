package strategy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// The fd-limit test re-executes this test binary with a low open-file limit.
const (
	fdChildStrategyEnv = "CRAWLBENCH_TEST_FDLIMIT_STRATEGY" // the strategy the child runs
	fdChildTargetEnv   = "CRAWLBENCH_TEST_FDLIMIT_TARGET"   // the server URL
	fdChildMarker      = "FDLIMIT-RESULT: "                 // prefixes the child's result line
	fdLimit            = 64                                 // RLIMIT_NOFILE in the child
	fdFanout           = 200                                // requests, all at once
)

// A client that runs into the open-file limit counts the requests it could
// not open a socket for as fdlimit, and drops none. The child process (this
// test binary, TestFDLimitChild) lowers RLIMIT_NOFILE to 64 and fans out
// 200 requests at once; the server runs here, with the normal limit.
func TestFDLimitCountedAsFDLimit(t *testing.T) {
	if os.Getenv(fdChildStrategyEnv) != "" {
		t.Skip("in the child")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{strategy.Fanout, strategy.FastHTTP, strategy.ProcsFanout} {
		t.Run(name, func(t *testing.T) {
			// Long enough that every request the child opens is still in
			// flight when the last one is issued.
			srv := servertest.Start(t, servers.Config{Delay: 2 * time.Second})
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, exe, "-test.run", "^TestFDLimitChild$", "-test.count", "1")
			cmd.Env = append(os.Environ(), fdChildStrategyEnv+"="+name, fdChildTargetEnv+"="+srv.URL)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			var res clients.Result
			found := false
			for line := range strings.Lines(stdout.String()) {
				if js, ok := strings.CutPrefix(line, fdChildMarker); ok {
					if err := json.Unmarshal([]byte(js), &res); err != nil { // runs Check
						t.Fatalf("child result %q: %v", js, err)
					}
					found = true
				}
			}
			if !found {
				t.Fatalf("child printed no result:\n%s\n%s", stdout.String(), stderr.String())
			}
			t.Logf("child with %d open files: %v", fdLimit, &res)
			if res.Requests != fdFanout || res.OK+res.Failed() != fdFanout {
				t.Errorf("%d requests, %d ok, %d failed; want all %d accounted for", res.Requests, res.OK, res.Failed(), fdFanout)
			}
			if res.Errors[clients.FDLimit] == 0 || res.OK == 0 {
				t.Errorf("want some requests ok and the rest fdlimit: %v", &res)
			}
			if other := res.Failed() - res.Errors[clients.FDLimit]; other != 0 {
				t.Errorf("%d failures of kinds other than fdlimit: %v", other, &res)
			}
			if !strings.Contains(res.Samples[clients.FDLimit], "too many open files") {
				t.Errorf("fdlimit sample %q, want the EMFILE message", res.Samples[clients.FDLimit])
			}
			if st := waitServer(srv, func(st servers.Stats) bool { return st.InFlight == 0 }); st.Served != res.OK {
				t.Errorf("server served %d, client counted %d ok", st.Served, res.OK)
			}
		})
	}
	leaktest.WaitNoChildren(t, "after the fd-limit children")
}

// TestFDLimitChild is the child of TestFDLimitCountedAsFDLimit; it does
// nothing unless started by it.
func TestFDLimitChild(t *testing.T) {
	name := os.Getenv(fdChildStrategyEnv)
	if name == "" {
		t.Skip("run by TestFDLimitCountedAsFDLimit")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// The hard limit too: a Go program raises its soft limit to the hard
	// one at start-up, and the worker processes must keep the low limit.
	lim.Cur, lim.Max = fdLimit, min(lim.Max, fdLimit)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	c, err := strategy.New(context.Background(), name, strategy.Options{
		Client: clients.Config{Targets: []string{os.Getenv(fdChildTargetEnv)}, Timeout: time.Minute},
		Procs:  1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Run(context.Background(), fdFanout)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", fdChildMarker, b)
}
