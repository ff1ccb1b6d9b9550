package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servercmd"
)

// mainEnv makes the test binary run the command's main with its arguments.
const mainEnv = "SLOWSERVER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main() // exits
	}
	goleak.VerifyTestMain(m)
}

// command returns the slowserver command (this test binary running main)
// with args.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// A bad flag exits 2 with one line on stderr naming the flag.
func TestBadFlagExits2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-delay", "-1s"}, "-delay"},
		{[]string{"-addr", "0.0.0.0:0"}, "-addr"},
		{[]string{"-capacity", "x"}, "-capacity"},
	} {
		cmd := command(t, tc.args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("slowserver %q: %v, want exit status 2; stderr %q", tc.args, err, stderr.String())
			continue
		}
		msg := stderr.String()
		if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.want) {
			t.Errorf("slowserver %q: stderr %q, want one line naming %s", tc.args, msg, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("slowserver %q: stdout %q, want nothing", tc.args, stdout.String())
		}
	}
}

// SIGTERM and SIGINT make the command drain the request in service, answer
// it, and exit 0.
func TestSignalDrainsAndExits0(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := command(t, "-addr", "127.0.0.1:0", "-delay", "400ms")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatalf("listening line: %v; stderr %q", err, stderr.String())
			}
			url, ok := strings.CutPrefix(strings.TrimSpace(line), servercmd.ListeningPrefix)
			if !ok {
				t.Fatalf("first line %q", line)
			}
			c := &http.Client{Transport: &http.Transport{Proxy: nil}}
			defer c.CloseIdleConnections()
			res := make(chan string, 1)
			go func() {
				resp, err := c.Get(url + "/")
				if err != nil {
					res <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				res <- resp.Status + " " + string(b)
			}()
			deadline := time.Now().Add(10 * time.Second)
			for {
				if st := stats(t, c, url); st.InFlight == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("request never in service")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if got := <-res; got != "200 OK Hello!" {
				t.Errorf("in-flight request got %q, want 200 OK Hello! (drained)", got)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit after %v: %v, want status 0; stderr %q", sig, err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "stopped: served 1") {
				t.Errorf("stderr %q does not report the drained request", stderr.String())
			}
		})
	}
}

func stats(t *testing.T, c *http.Client, url string) servers.Stats {
	t.Helper()
	resp, err := c.Get(url + servers.StatsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st servers.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}
