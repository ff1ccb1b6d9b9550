package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

func TestMain(m *testing.M) {
	if serverproc.IsChild() { // the slowserver run re-executes this test binary
		os.Exit(serverproc.ChildMain())
	}
	goleak.VerifyTestMain(m, leaktest.FastHTTPCleaners()...)
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseWrk(t *testing.T) {
	var m measurement
	if err := parseWrk(readTestdata(t, "wrk.txt"), &m); err != nil {
		t.Fatal(err)
	}
	if m.p99 != 4860*time.Microsecond || m.total != 92242 || m.errors != 0 || m.wall != 1100*time.Millisecond || int(m.rps) != 83915 {
		t.Errorf("wrk: %+v", m)
	}
	m = measurement{}
	if err := parseWrk(readTestdata(t, "wrk-errors.txt"), &m); err != nil {
		t.Fatal(err)
	}
	// 5 socket errors and 95 non-2xx of 100000: only the good ones count.
	if m.errors != 100 || m.p99 != 12500*time.Microsecond || int(m.rps) != 49950 {
		t.Errorf("wrk with errors: %+v; want 100 errors, rps 50000 × 99900/100000", m)
	}
	if err := parseWrk("Running 1s test\n", &m); err == nil {
		t.Error("parseWrk of a truncated output succeeded")
	}
}

func TestParseHey(t *testing.T) {
	var m measurement
	if err := parseHey(readTestdata(t, "hey.txt"), &m); err != nil {
		t.Fatal(err)
	}
	if m.p99 != 2400*time.Microsecond || m.total != 51707 || m.errors != 0 || m.wall != 1001500*time.Microsecond || int(m.rps) != 51629 {
		t.Errorf("hey: %+v", m)
	}
	m = measurement{}
	if err := parseHey(readTestdata(t, "hey-errors.txt"), &m); err != nil {
		t.Fatal(err)
	}
	if m.total != 2000 || m.errors != 100 || m.rps != 950 || m.p99 != 30*time.Millisecond {
		t.Errorf("hey with errors: %+v; want 2000 requests, 100 errors (50 × 503, 50 transport), 950 ok/s", m)
	}
	if err := parseHey("Summary:\n", &m); err == nil {
		t.Error("parseHey of a truncated output succeeded")
	}
}

func TestParseBombardier(t *testing.T) {
	var m measurement
	if err := parseBombardier(readTestdata(t, "bombardier.json"), &m); err != nil {
		t.Fatal(err)
	}
	if m.p99 != 1509*time.Microsecond || m.total != 78029 || m.errors != 0 || int(m.rps) != 78032 {
		t.Errorf("bombardier: %+v", m)
	}
	m = measurement{}
	if err := parseBombardier(readTestdata(t, "bombardier-errors.json"), &m); err != nil {
		t.Fatal(err)
	}
	// The 5 transport errors are the 5 "others": counted once.
	if m.errors != 15 || m.total != 1015 || m.rps != 500 || m.p99 != 2500*time.Microsecond {
		t.Errorf("bombardier with errors: %+v; want 15 errors of 1015, 500 ok/s", m)
	}
	for _, bad := range []string{"no json", `{"result":{"timeTakenSeconds":1}}`, `{"result":`} {
		if err := parseBombardier(bad, &m); err == nil {
			t.Errorf("parseBombardier(%q) succeeded", bad)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "0"}, "-c"},
		{[]string{"-c", "16,x"}, "-c"},
		{[]string{"-c", "20000"}, "1..10000"},
		{[]string{"-duration", "500ms"}, "-duration 500ms"},
		{[]string{"-duration", "2m"}, "-duration 2m0s"},
		{[]string{"-rounds", "0"}, "-rounds 0"},
		{[]string{"-tools", "wrk,ab"}, `"ab" is not one of`},
		{[]string{"-wrk-threads", "-1"}, "-wrk-threads -1"},
		{[]string{"-req-timeout", "1500ms"}, "-req-timeout 1.5s"},
		{[]string{"-label", "Bad Label"}, "-label"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-nope"}, "-nope"},
		{[]string{"-cpuprofile", "/dev/null/pprof"}, "-cpuprofile"},
	} {
		var stderr bytes.Buffer
		code := run(t.Context(), tc.args, &bytes.Buffer{}, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("run(%q) = %d, stderr %q; want 2 and one line containing %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	o, code, done := parse([]string{"-tools", "hey, fanout,hey", "-c", "4"}, &bytes.Buffer{})
	if done || code != 0 || strings.Join(o.tools, ",") != "hey,fanout" || o.wrkThreads < 1 {
		t.Errorf("parse = %+v, %d, %v; want tools hey,fanout once each and wrk threads defaulted", o, code, done)
	}
}

func TestRotate(t *testing.T) {
	tools := []string{"a", "b", "c"}
	for r, want := range []string{"a,b,c", "b,c,a", "c,a,b", "a,b,c"} {
		if got := strings.Join(rotate(tools, r), ","); got != want {
			t.Errorf("rotate(%d) = %s, want %s", r, got, want)
		}
	}
}

func TestMissingWrk(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := prepareTools(t.Context(), ".", []string{toolFanout, toolWrk})
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y wrk") {
		t.Errorf("prepareTools without wrk = %v, want the install hint", err)
	}
}

func TestTables(t *testing.T) {
	ms := []measurement{
		{tool: toolFastHTTP, c: 16, rps: 100, p99: 2 * time.Millisecond, total: 500, cpu: time.Second},
		{tool: toolFastHTTP, c: 16, rps: 120, p99: 4 * time.Millisecond, total: 500, cpu: time.Second},
		{tool: toolFastHTTP, c: 16, rps: 90, p99: 3 * time.Millisecond, total: 500, cpu: time.Second},
		{tool: toolBombardier, c: 16, rps: 110, p99: 2 * time.Millisecond, total: 500},
		{tool: toolFanout, c: 16, rps: 80, p99: 1 * time.Millisecond, total: 500, errors: 2},
		{tool: toolHey, c: 16, rps: 40, p99: 4 * time.Millisecond, total: 500},
		{tool: toolWrk, c: 16, rps: 125, p99: 1 * time.Millisecond, total: 500},
	}
	o := options{conns: []int{16}, rounds: 3, tools: knownTools()}
	out := renderTables(ms, o)
	for _, want := range []string{
		"| 16 | crawlbench fasthttp | 100 | 3ms | 0 | 2000.0 |", // medians; 1 s of CPU per 500 requests
		"| 16 | crawlbench fanout | 80 | 1ms | 2 |",
		"| 16 | fasthttp | bombardier | 0.91 | ≥ 1.0: NOT met | 1.50 |",
		"| 16 | fanout | hey | 2.00 | ≥ 1.0: met | 0.25 |",
		"| 16 | best (fasthttp) | wrk | 0.80 | ≥ 0.9: NOT met | 3.00 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tables lack %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.HasPrefix(l, "|") {
			t.Errorf("table line %q does not start with |: benchfmt would read it", l)
		}
	}
	if median([]float64{3, 1, 2, 10}) != 2.5 || median(nil) != 0 {
		t.Error("median")
	}
}

// A short run of ours against the slowserver writes both results files.
// (It runs for 4 s: every run lasts at least the 1 s bombardier accepts.)
func TestRunOurs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a slowserver and runs load for a second")
	}
	dir, profDir := t.TempDir(), filepath.Join(t.TempDir(), "pprof")
	args := []string{"-tools", "fanout,fasthttp", "-c", "2", "-duration", "1s", "-rounds", "2", "-out", dir, "-label", "peers-test", "-cpuprofile", profDir}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("run = %d; stderr:\n%s", code, stderr.String())
	}
	// One profile per tool and c (round 1 only), each a gzipped pprof.
	profiles, _ := filepath.Glob(filepath.Join(profDir, "*"))
	want := []string{filepath.Join(profDir, "peers-test-fanout-c2.pprof"), filepath.Join(profDir, "peers-test-fasthttp-c2.pprof")}
	if !slices.Equal(profiles, want) {
		t.Errorf("profiles %v, want %v", profiles, want)
	}
	for _, p := range profiles {
		if b, err := os.ReadFile(p); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s is not a gzipped profile (%d bytes, %v)", p, len(b), err)
		}
	}
	// A second run must not overwrite them.
	var stderr2 bytes.Buffer
	if code := run(t.Context(), append(args[:len(args):len(args)], "-out", t.TempDir()), &bytes.Buffer{}, &stderr2); code == 0 || !strings.Contains(stderr2.String(), "file exists") {
		t.Errorf("second run with the same -cpuprofile = %d, stderr %q; want a failure saying the profile exists", code, stderr2.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Fatalf("files %v, want the results and the raw file", files)
	}
	var main, raw string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.HasSuffix(f, "-peers-test-raw.txt") {
			raw = string(b)
		} else {
			main = string(b)
		}
		if !strings.Contains(string(b), "crawlbench-command: go run ./scripts/peers -tools") {
			t.Errorf("%s lacks the provenance header:\n%s", f, b)
		}
	}
	if got := strings.Count(main, "BenchmarkPeers/c="); got != 4 {
		t.Errorf("%d benchmark lines, want 2 rounds × 2 tools = 4:\n%s", got, main)
	}
	if !strings.Contains(main, "BenchmarkPeers/c=2/tool=fasthttp 1 ") || !strings.Contains(main, " req/s ") || !strings.Contains(main, "| 2 | crawlbench fanout |") {
		t.Errorf("results file:\n%s", main)
	}
	if !strings.Contains(raw, "=== c=2 round 1 tool=fanout: clients.fanout Load(workers 2") {
		t.Errorf("raw file:\n%s", raw)
	}
	if !strings.Contains(stdout.String(), "| c | tool |") {
		t.Errorf("stdout lacks the tables:\n%s", stdout.String())
	}
}

// With the real tools, when they are here: a short interleaved run.
func TestRunPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hey and bombardier and runs every tool")
	}
	tools := "fasthttp,hey,bombardier"
	if _, err := exec.LookPath("wrk"); err == nil {
		tools += ",wrk"
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"-tools", tools, "-c", "4", "-duration", "1s", "-rounds", "1", "-out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"| 4 | hey |", "| 4 | bombardier |", "| 4 | fasthttp | bombardier |"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("tables lack %q:\n%s", want, stdout.String())
		}
	}
}
