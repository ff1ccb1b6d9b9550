package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// seedFile is a committed BenchmarkSeed results file.
var seedFile = filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt")

// README's tables must be what this command makes of the committed results
// files they name, byte for byte.
func TestReadmeTablesMatchResults(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("<!-- BEGIN "+kindSeed)) {
		t.Fatal("README.md has no seedtable block")
	}
	got, err := SyncBlocks(md, filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, md) {
		t.Fatal("README.md's tables are out of date: run go run ./scripts/tables -readme README.md")
	}
}

func TestSeedTable(t *testing.T) {
	var outs []string
	for range 2 {
		s, err := render(kindSeed, "", []string{seedFile})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, s)
	}
	if outs[0] != outs[1] {
		t.Fatal("two renderings of one file differ")
	}
	for _, want := range []string{"| 100 | pool-chunked | 16.00 d", "multiprocessing.Pool(8).map (7) | 16.06 d (48.17 s)", "median of 6 runs"} {
		if !strings.Contains(outs[0], want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

const scaleSample = `crawlbench-commit-at-start: 0123456789
crawlbench-host: vm
gomaxprocs: 2
cpu: AMD EPYC
BenchmarkScale/inflight=1000/strategy=fasthttp/conn=warm-2 3 1015000000 ns/op 1.015 overhead-x 1013000000 p99-ns 16000 rss-per-req-B 9000 heap-per-req-B 1020 goroutines 1013 fds 31.2 cpu-ms-per-1k 0 errors 1000000000 ideal-ns
BenchmarkScale/inflight=1000/strategy=fasthttp/conn=warm-2 3 1017000000 ns/op 1.017 overhead-x 1014000000 p99-ns 17000 rss-per-req-B 9100 heap-per-req-B 1021 goroutines 1013 fds 31.9 cpu-ms-per-1k 0 errors 1000000000 ideal-ns
BenchmarkScale/inflight=1000/strategy=fasthttp/conn=warm-2 3 1016000000 ns/op 1.016 overhead-x 1013500000 p99-ns 16500 rss-per-req-B 9050 heap-per-req-B 1020 goroutines 1013 fds 31.5 cpu-ms-per-1k 0 errors 1000000000 ideal-ns
`

const peersSample = `crawlbench-commit-at-start: 0123456789
peers-rounds: 2
peers-duration: 3s
peers-server: slowserver -delay 0s
BenchmarkPeers/c=16/tool=fasthttp 1 3000000000 ns/op 80000 req/s 2000000 p99-ns 0 errors 10 cpu-ms-per-1k
BenchmarkPeers/c=16/tool=fasthttp 1 3000000000 ns/op 90000 req/s 2000000 p99-ns 0 errors 10 cpu-ms-per-1k
BenchmarkPeers/c=16/tool=bombardier 1 3000000000 ns/op 85000 req/s 2000000 p99-ns 0 errors 10 cpu-ms-per-1k
BenchmarkPeers/c=16/tool=wrk 1 3000000000 ns/op 100000 req/s 3000000 p99-ns 0 errors 8 cpu-ms-per-1k
BenchmarkPeers/c=16/tool=fanout 1 3000000000 ns/op 55000 req/s 2000000 p99-ns 0 errors 16 cpu-ms-per-1k
BenchmarkPeers/c=16/tool=hey 1 3000000000 ns/op 50000 req/s 2700000 p99-ns 0 errors 18 cpu-ms-per-1k

| c | tool | req/s |
|---|---|---|
`

func TestScaleTable(t *testing.T) {
	s, err := ScaleTable([]source{{name: "s.txt", data: []byte(scaleSample)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"`s.txt`: commit 0123456, vm, AMD EPYC, GOMAXPROCS 2, d = 1s, 3 runs per row",
		"| 1000 | fasthttp | warm | 1.016 ±∞ | 1.014s ±∞ | 16.1 KiB | 8.8 KiB | 1020 | 1013 | 31.5 | 0 |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("scale table lacks %q:\n%s", want, s)
		}
	}
}

func TestPeersTable(t *testing.T) {
	s, err := PeersTable(source{name: "p.txt", data: []byte(peersSample)})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| 16 | crawlbench fasthttp | 85000 ±∞ | 2ms | 10.0 | 0 |",
		// fasthttp 85000 ÷ bombardier 85000; fanout 55000 ÷ hey 50000; best 85000 ÷ wrk 100000
		"| 16 | 1.00 | 1.10 | 0.85 |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("peers table lacks %q:\n%s", want, s)
		}
	}
}

// Bad flags are one line on stderr and exit 2; a results file that is
// truncated, empty or not benchmark output is exit 1 naming the file.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	results, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	i := bytes.Index(results, []byte("BenchmarkSeed"))
	truncated := write("truncated.txt", results[:i+60]) // cut inside the first result line
	empty := write("empty.txt", nil)
	noDelay := write("nodelay.txt", bytes.ReplaceAll(results, []byte("\ndelay: "), []byte("\nxdelay: ")))
	garbled := write("garbled.txt", []byte("BenchmarkScale/inflight=1000/strategy=x/conn=warm-2 3 12 ns/op 7\n"))
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "give exactly one of -seed"},
		{[]string{"-nope"}, 2, "tables: flag provided but not defined: -nope (see -h)"},
		{[]string{"-seed"}, 2, "tables: flag needs an argument: -seed"},
		{[]string{"-seed", "a", "-peers", "b"}, 2, "give exactly one of"},
		{[]string{"-seed", "a", "extra"}, 2, "give exactly one of"},
		{[]string{"-seed", "/nonexistent"}, 2, `-seed "/nonexistent": not a readable results file`},
		{[]string{"-scale", seedFile + ",/nonexistent"}, 2, `-scale "/nonexistent"`},
		{[]string{"-readme", "/nonexistent"}, 2, "-readme: stat /nonexistent"},
		{[]string{"-seed", dir}, 2, "not a readable results file"},
		{[]string{"-seed", truncated}, 1, "truncated.txt"},
		{[]string{"-seed", empty}, 1, "empty.txt: empty input"},
		{[]string{"-seed", noDelay}, 1, "no delay: line"},
		{[]string{"-scale", seedFile}, 1, "no Scale results"},
		{[]string{"-peers", seedFile}, 1, "no Peers results"},
		{[]string{"-concurrency", seedFile}, 1, "no Concurrency results"},
		{[]string{"-concurrency", "/nonexistent"}, 2, `-concurrency "/nonexistent"`},
		{[]string{"-scale", garbled}, 1, "garbled.txt"},
	} {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb)
		msg := errb.String()
		if code != tt.code || !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("tables %q = %d, stderr %q; want %d and one line containing %q", tt.args, code, msg, tt.code, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("tables %q: stdout %q, want nothing", tt.args, out.String())
		}
	}
}

// A malformed block is an error naming its line and README is left
// untouched (issue 15 defect 8: a missing or misspelt END used to eat the
// prose and the next block); CRLF endings are kept.
func TestSyncBlocksMalformedLeavesReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	md := string(readme)
	ends := strings.Count(md, "<!-- END ")
	if ends < 2 {
		t.Fatalf("README has %d blocks, want 2 or more", ends)
	}
	first := strings.Index(md, "<!-- END ")
	marker := md[first : first+strings.Index(md[first:], "-->")+3]
	for name, bad := range map[string]string{
		"END deleted":  strings.Replace(md, marker, "", 1),
		"END misspelt": strings.Replace(md, marker, strings.Replace(marker, "table", "tabel", 1), 1),
		"stray END":    "<!-- END seedtable -->\n" + md,
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "README.md")
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := run([]string{"-readme", path}, &out, &errb)
		after, _ := os.ReadFile(path)
		if code != 1 || string(after) != bad || !strings.Contains(errb.String(), "line ") {
			t.Errorf("%s: exit %d, stderr %q, README changed %v; want 1, a line number and README untouched", name, code, errb.String(), string(after) != bad)
		}
	}
	crlf := strings.ReplaceAll(md, "\n", "\r\n")
	got, err := SyncBlocks([]byte(crlf), "../..")
	if err != nil || string(got) != crlf {
		t.Errorf("CRLF README: err %v, same bytes back %v", err, string(got) == crlf)
	}
}

func TestSyncBlocksErrors(t *testing.T) {
	for in, want := range map[string]string{
		"x\n<!-- BEGIN seedtable nofile.txt -->\n<!-- END seedtable -->\n": "nofile.txt",
		"<!-- BEGIN seedtable a.txt -->\nno end\n":                         `no "<!-- END seedtable -->"`,
		"<!-- BEGIN seedtable a.txt":                                       "unterminated",
		"<!-- BEGIN nosuch a.txt -->\n<!-- END nosuch -->":                 "unknown table kind",
		"<!-- BEGIN seedtable -->\n<!-- END seedtable -->":                 "want <!-- BEGIN <kind>",
	} {
		if _, err := SyncBlocks([]byte(in), t.TempDir()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SyncBlocks(%q) = %v, want %q", in, err, want)
		}
	}
}

const concurrencySample = `crawlbench-commit-at-start: 0123456789
crawlbench-host: vm
delay: 50ms
BenchmarkConcurrency/server=unlimited/strategy=sequential/conn=warm/c=1-2 1 5040000000 ns/op 1.008 overhead-x 19.8 req/s 0 errors
BenchmarkConcurrency/server=unlimited/strategy=fanout/conn=warm/c=1-2 1 5050000000 ns/op 1.010 overhead-x 19.8 req/s 0 errors
BenchmarkConcurrency/server=unlimited/strategy=fanout/conn=warm/c=1-2 1 5060000000 ns/op 1.012 overhead-x 19.7 req/s 0 errors
BenchmarkConcurrency/server=unlimited/strategy=fanout/conn=warm/c=4-2 1 1260000000 ns/op 1.020 overhead-x 79.0 req/s 0 errors
BenchmarkConcurrency/server=unlimited/strategy=fanout/conn=warm/c=4-2 1 1270000000 ns/op 1.030 overhead-x 78.0 req/s 0 errors
BenchmarkConcurrency/server=k2/strategy=fasthttp/conn=cold/c=1-2 1 5050000000 ns/op 1.010 overhead-x 19.8 req/s 0 errors 40 capacity-rps
BenchmarkConcurrency/server=k2/strategy=fasthttp/conn=cold/c=4-2 1 2525000000 ns/op 1.010 overhead-x 39.6 req/s 0 errors 40 capacity-rps
BenchmarkConcurrency/server=k2/strategy=fasthttp/conn=cold/c=4-2 1 2525000000 ns/op 1.010 overhead-x 39.4 req/s 0 errors 40 capacity-rps
`

func TestConcurrencyTable(t *testing.T) {
	s, err := ConcurrencyTable(source{name: "c.txt", data: []byte(concurrencySample)})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"`c.txt`: commit 0123456, vm, d = 50ms, median of 1–2 runs per cell, 0 failed requests in all; ± is",
		"| server | strategy | conn | c=1 | c=4 |\n|---|---|---|---|---|\n",
		"| unlimited | fanout | warm | 1.011 ±∞ | 1.025 ±∞ |\n",
		"| server | strategy | conn | c=1 | c=4 | k / d |",
		"| k2 | fasthttp | cold | 19.8 | 39.5 ±∞ | 40.0 |\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("concurrency table lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "sequential") {
		t.Errorf("concurrency table has the sequential reference row:\n%s", s)
	}
	if _, err := ConcurrencyTable(source{name: "c.txt", data: []byte(strings.ReplaceAll(concurrencySample, "/c=4-2", "/c=x-2"))}); err == nil || !strings.Contains(err.Error(), "no c=N") {
		t.Errorf("a row without c=N: err %v, want one naming it", err)
	}
}

// Every table refuses what bench/resultset finds wrong (issue 15): a
// failed request in any run, several GOMAXPROCS (-cpu 1,2), NaN, an
// overhead-x that disagrees with its times, an incomplete run; and -scale
// refuses one file given twice.
func TestTablesRefuseBadResults(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	failedRun := write("errors.txt", strings.Replace(concurrencySample, "78.0 req/s 0 errors", "78.0 req/s 3 errors", 1))
	cpu12 := write("cpu12.txt", strings.Replace(concurrencySample, "conn=warm/c=4-2 1 1270000000", "conn=warm/c=4-1 1 1270000000", 1))
	nan := write("nan.txt", strings.Replace(concurrencySample, "79.0 req/s", "NaN req/s", 1))
	over := write("over.txt", strings.Replace(scaleSample, "1.017 overhead-x", "1.417 overhead-x", 1))
	scale := write("scale.txt", scaleSample)
	incomplete := write("incomplete.txt", "pkg: github.com/crawlbench/crawlbench/bench/scale\n"+scaleSample)
	failLine := write("fail.txt", strings.Replace(scaleSample, "\n", "\n--- FAIL: BenchmarkScale/inflight=1000\n", 5))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-concurrency", failedRun}, "errors.txt:8: BenchmarkConcurrency/server=unlimited/strategy=fanout/conn=warm/c=4-2: 3 failed requests"},
		{[]string{"-concurrency", cpu12}, "results at several GOMAXPROCS (2, 1"},
		{[]string{"-concurrency", nan}, "metric req/s is NaN"},
		{[]string{"-scale", over}, "overhead-x 1.417 disagrees"},
		{[]string{"-scale", scale + "," + scale}, "given twice"},
		{[]string{"-scale", incomplete}, "no final PASS or ok line"},
		{[]string{"-scale", failLine}, "a benchmark failed"},
	} {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb)
		if code != 1 || !strings.Contains(errb.String(), tt.want) || out.Len() != 0 {
			t.Errorf("tables %q = %d, stdout %q, stderr %q; want 1 and %q", tt.args, code, out.String(), errb.String(), tt.want)
		}
	}
}
