package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// runSelf runs this test binary with args (and -test.run '^$' unless args
// say otherwise) and returns its exit status and combined output.
func runSelf(t *testing.T, args ...string) (int, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append([]string{"-test.run", "^$"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("run %q: %v\n%s", args, err, out.String())
	return 0, ""
}

// seedFanout selects one BenchmarkSeed row: 5 requests, fanout, warm.
const seedFanout = "^BenchmarkSeed$/^n=5$/^strategy=fanout$/^conn=warm$"

// A benchmark whose requests fail fails loudly, naming the failures by kind:
// the run exits non-zero and prints REQUESTS FAILED with the counts.
func TestFailedRequestsFailTheBenchmark(t *testing.T) {
	srv := servertest.Start(t, servers.Config{Delay: 50 * time.Millisecond, MaxDelay: time.Minute}) // -delay's default
	t.Cleanup(srv.Kill)                                                                             // ends stalled requests at once
	for _, tc := range []struct {
		name   string
		target string
		extra  []string
		want   string
	}{
		{"fail=1", srv.URL + "?fail=1", nil, "status=5"},
		{"reset=1", srv.URL + "?reset=1", nil, "reset=5"},
		{"stall=1", srv.URL + "?stall=1", []string{"-req-timeout", "200ms"}, "timeout=5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-test.bench", seedFanout, "-test.benchtime", "1x", "-target", tc.target}, tc.extra...)
			code, out := runSelf(t, args...)
			if code == 0 {
				t.Errorf("benchmark with failing requests exited 0:\n%s", out)
			}
			for _, w := range []string{"REQUESTS FAILED", "5 of 5 requests failed", tc.want, "--- FAIL: BenchmarkSeed/n=5/strategy=fanout/conn=warm"} {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// A -target that is not a crawlbench slowserver (here: nothing listens)
// fails the benchmark, saying so, before any request is timed.
func TestTargetMustBeASlowserver(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/"
	l.Close()
	code, out := runSelf(t, "-test.bench", seedFanout, "-test.benchtime", "1x", "-target", refused)
	if code == 0 || !strings.Contains(out, "is not a crawlbench slowserver") || !strings.Contains(out, "--- FAIL") {
		t.Errorf("exit %d, want non-zero and an error naming the target:\n%s", code, out)
	}
}

// Issue 15, defect 2: a -target whose delay is not -delay (the server's own,
// or ?delay= in its URL) fails the run naming both values, instead of
// reporting an overhead-x below 1.
func TestTargetDelayMustMatch(t *testing.T) {
	srv := servertest.Start(t, servers.Config{Delay: 5 * time.Millisecond})
	for _, tc := range []struct {
		target, delay, want string
	}{
		{srv.URL, "50ms", "serves with delay 5ms, but -delay is 50ms"},
		{srv.URL + "?delay=1ms", "5ms", "asks for delay=1ms, but -delay is 5ms"},
	} {
		code, out := runSelf(t, "-test.bench", seedFanout, "-test.benchtime", "1x", "-delay", tc.delay, "-target", tc.target)
		if code == 0 || !strings.Contains(out, tc.want) || strings.Contains(out, "overhead-x") {
			t.Errorf("-target %s -delay %s: exit %d, want non-zero, %q and no result:\n%s", tc.target, tc.delay, code, tc.want, out)
		}
	}
}

// Bad benchmark flags exit 2 and name the flag (checkSettings and the flag
// package's own parse errors).
func TestBenchFlagsBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-delay", "0"}, "bench: -delay 0s: want 1ms..10m"},
		{[]string{"-delay", "11m"}, "bench: -delay 11m0s: want 1ms..10m"},
		{[]string{"-delay", "-5ms"}, "bench: -delay -5ms: want 1ms..10m"},
		{[]string{"-delay", "abc"}, `invalid value "abc" for flag -delay`},
		{[]string{"-delay", ""}, `invalid value "" for flag -delay`},
		{[]string{"-procs", "-1"}, "bench: -procs -1: want 0 (auto) or 1..256"},
		{[]string{"-procs", "257"}, "bench: -procs 257: want 0 (auto) or 1..256"},
		{[]string{"-procs", "1.5"}, `invalid value "1.5" for flag -procs`},
		{[]string{"-req-timeout", "-1s"}, "bench: -req-timeout -1s: want 0 (auto) or 1ms..1h"},
		{[]string{"-req-timeout", "2h"}, "bench: -req-timeout 2h0m0s: want 0 (auto) or 1ms..1h"},
		{[]string{"-target", "ftp://127.0.0.1/"}, `bench: -target "ftp://127.0.0.1/": want an http://host:port/ URL`},
		{[]string{"-target", "127.0.0.1:5000"}, `bench: -target "127.0.0.1:5000": want an http://host:port/ URL`},
		{[]string{"-target", "http://"}, `bench: -target "http://": want an http://host:port/ URL`},
		{[]string{"-target", "http://127.0.0.1:99999/"}, `bench: -target "http://127.0.0.1:99999/": port 99999: want 1..65535`},
		{[]string{"-no-such-flag"}, "flag provided but not defined: -no-such-flag"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out := runSelf(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2:\n%s", code, out)
			}
			first, _, _ := strings.Cut(out, "\n")
			if !strings.Contains(first, tc.want) {
				t.Errorf("first line %q, want it to contain %q", first, tc.want)
			}
		})
	}
}

// robustnessDoc is the table of bad inputs and faults, beside this file.
const robustnessDoc = "ROBUSTNESS.md"

// testRef matches a test named in ROBUSTNESS.md: `servers/servercmd.TestBadFlags`.
var testRef = regexp.MustCompile("`([a-z0-9_]+(?:/[a-z0-9_]+)*)\\.((?:Test|Fuzz|Benchmark)[A-Za-z0-9_]*)(?:/[^`]*)?`")

// numberedRow matches a row of the tables that name tests: "| 12 | ...".
var numberedRow = regexp.MustCompile(`^\| *[0-9]+ *\|`)

// checkDocTests returns an error for every numbered table row of doc that
// names no test, and for every named test that is not a top-level function
// in the _test.go files of its package directory (relative to root).
func checkDocTests(doc, root string) error {
	defined := map[string]map[string]bool{} // package dir → test functions
	funcs := func(dir string) (map[string]bool, error) {
		if m, ok := defined[dir]; ok {
			return m, nil
		}
		files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(dir), "*_test.go"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("package %s has no _test.go files", dir)
		}
		m := map[string]bool{}
		fset := token.NewFileSet()
		for _, f := range files {
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			for _, d := range af.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
					m[fd.Name.Name] = true
				}
			}
		}
		defined[dir] = m
		return m, nil
	}
	var errs []error
	rows := 0
	for i, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if !numberedRow.MatchString(line) {
			continue // prose, a header, or a table that is not about tests
		}
		rows++
		refs := testRef.FindAllStringSubmatch(line, -1)
		if len(refs) == 0 {
			errs = append(errs, fmt.Errorf("line %d: row names no test (`pkg/dir.TestName`): %s", i+1, line))
		}
		for _, r := range refs {
			m, err := funcs(r[1])
			if err != nil {
				errs = append(errs, fmt.Errorf("line %d: %s.%s: %w", i+1, r[1], r[2], err))
				continue
			}
			if !m[r[2]] {
				errs = append(errs, fmt.Errorf("line %d: %s has no function %s in its _test.go files", i+1, r[1], r[2]))
			}
		}
	}
	if rows == 0 {
		errs = append(errs, errors.New("no table rows"))
	}
	return errors.Join(errs...)
}

// Every row of ROBUSTNESS.md names the test that fails if its behaviour
// regresses, and every named test exists: the table cannot rot.
func TestRobustnessDocNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile(robustnessDoc)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkDocTests(string(doc), ".."); err != nil {
		t.Fatalf("%s:\n%v", robustnessDoc, err)
	}
	// The checker itself catches what it must.
	for _, tc := range []struct{ doc, want string }{
		{"| 1 | x | y | `servers.TestNoSuchTest` |\n", "has no function TestNoSuchTest"},
		{"| 1 | x | y | `nosuchpkg.TestX` |\n", "no _test.go files"},
		{"| 1 | x | y | no test |\n", "names no test"},
		{"no table\n", "no table rows"},
	} {
		if err := checkDocTests(tc.doc, ".."); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("checkDocTests(%q) = %v, want %q", tc.doc, err, tc.want)
		}
	}
}
