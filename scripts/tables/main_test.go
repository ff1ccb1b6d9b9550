package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// seedFile is a committed BenchmarkSeed results file.
var seedFile = filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt")

// familyPages are the family write-up pages README links to.
var familyPages = []string{"seed", "concurrency", "scale", "peers", "harness"}

// README's and every family page's tables and quotes must be what this
// command makes of the committed results files they name, byte for byte.
func TestReadmeTablesMatchResults(t *testing.T) {
	root := filepath.Join("..", "..")
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{kindSeedSum, kindConcSum, kindScaleSum, kindPeersSum, kindHarness} {
		if !bytes.Contains(md, []byte("<!-- BEGIN "+k+" ")) {
			t.Errorf("README.md has no %s block", k)
		}
	}
	pages, err := filepath.Glob(filepath.Join(root, "results", "families", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range familyPages {
		path := filepath.Join(root, "results", "families", p+".md")
		if !slices.Contains(pages, path) {
			t.Errorf("no family page %s", path)
		}
		if !bytes.Contains(md, []byte("(results/families/"+p+".md)")) {
			t.Errorf("README.md does not link to results/families/%s.md", p)
		}
	}
	for _, k := range []string{"concurrency", "seed"} { // the pages whose key figures are quoted
		b, _ := os.ReadFile(filepath.Join(root, "results", "families", k+".md"))
		if n := bytes.Count(b, []byte(quoteOpen)); n < 5 {
			t.Errorf("%s.md quotes %d figures, want its key figures quoted", k, n)
		}
	}
	stale, err := SyncFiles(append([]string{filepath.Join(root, "README.md")}, pages...), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatalf("out of date: %v: run go run ./scripts/tables -readme README.md", stale)
	}
}

// Every relative link and image in README and the family pages names a
// file or directory that exists (a page's paths are relative to it).
func TestPageLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	pages, _ := filepath.Glob(filepath.Join(root, "results", "families", "*.md"))
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	images := 0
	for _, p := range append([]string{filepath.Join(root, "README.md")}, pages...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllSubmatch(b, -1) {
			target := string(m[1])
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			if strings.HasSuffix(target, ".png") {
				images++
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), filepath.FromSlash(target))); err != nil {
				t.Errorf("%s: link %s: %v", p, m[1], err)
			}
		}
	}
	if images < 10 {
		t.Errorf("%d chart links found, want README's and the pages' charts", images)
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
		{[]string{"-pages", dir}, 2, "-pages and -check go with -readme"},
		{[]string{"-seed", seedFile, "-check"}, 2, "-pages and -check go with -readme"},
		{[]string{"-readme", seedFile, "-pages", "/nonexistent"}, 2, `-pages "/nonexistent": not a directory`},
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
		"END misspelt": strings.Replace(md, marker, strings.Replace(marker, "<!-- END ", "<!-- END x", 1), 1),
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

const quoteSample = `delay: 50ms
BenchmarkSeed/n=100/strategy=fanout/conn=warm-2 1 52000000 ns/op 1.040 overhead-x 50000000 ideal-ns 0 errors 1310720 rss-per-req-B
BenchmarkSeed/n=100/strategy=fanout/conn=warm-2 1 53000000 ns/op 1.060 overhead-x 50000000 ideal-ns 0 errors 1310720 rss-per-req-B
BenchmarkSeed/n=100/strategy=fanout/conn=warm-2 1 56000000 ns/op 1.120 overhead-x 50000000 ideal-ns 0 errors 1310720 rss-per-req-B
BenchmarkSeed/n=100/strategy=fanout/conn=cold-2 1 61000000 ns/op 1.220 overhead-x 50000000 ideal-ns 0 errors 1310720 rss-per-req-B
BenchmarkSeed/n=100/strategy=fasthttp/conn=warm-2 1 1234567000000 ns/op 24691.34 overhead-x 50000000 ideal-ns 0 errors 1310720 rss-per-req-B
`

// A quote is the median (or run or cell extreme) of the results it names,
// in the unit and with the decimals and commas its text was written with.
func TestQuotes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.txt"), []byte(quoteSample), 0o644); err != nil {
		t.Fatal(err)
	}
	const fw = "r.txt Seed/n=100/strategy=fanout/conn=warm "
	for _, tt := range []struct{ quote, want string }{
		{fw + "overhead-x -->0<!-- /q -->", "1"},
		{fw + "overhead-x -->0.000<!-- /q -->", "1.060"}, // median of 1.04, 1.06, 1.12
		{fw + "overhead-x stat=min -->0.00<!-- /q -->", "1.04"},
		{fw + "overhead-x stat=max -->0.00<!-- /q -->", "1.12"},
		{fw + "overhead-x in=pct -->0.0<!-- /q -->", "6.0"},
		{fw + "ns/op in=ms -->0.0<!-- /q -->", "53.0"},
		{fw + "ns/op in=d -->0.00<!-- /q -->", "1.06"},
		{fw + "ns/op in=s -->0.000<!-- /q -->", "0.053"},
		{fw + "rss-per-req-B in=KiB -->0<!-- /q -->", "1280"},
		{fw + "rss-per-req-B in=KiB -->0,000<!-- /q -->", "1,280"},
		{"r.txt Seed/n=100/strategy=fasthttp/conn=warm overhead-x -->0,000.0<!-- /q -->", "24,691.3"},
		{"r.txt Seed/n=100/strategy=fanout/conn=* overhead-x across=max -->0.00<!-- /q -->", "1.22"},
		{"r.txt Seed/n=100/strategy={fanout,fasthttp}/conn=warm overhead-x across=min -->0.00<!-- /q -->", "1.06"},
	} {
		in := "a <!-- q " + tt.quote + " b\n"
		got, err := SyncBlocks([]byte(in), dir)
		want := "a <!-- q " + tt.quote[:strings.Index(tt.quote, "-->")+3] + tt.want + quoteClose + " b\n"
		if err != nil || string(got) != want {
			t.Errorf("%s:\ngot  %q, %v\nwant %q", tt.quote, got, err, want)
		}
	}
	for quote, want := range map[string]string{
		fw + "overhead-x -->1.06 d<!-- /q -->":                                "is not a number",
		fw + "overhead-x -->1.06":                                             "has no <!-- /q -->",
		fw + "overhead-x -->1.06 <!-- q r.txt x y -->1<!-- /q -->":            "has no <!-- /q -->",
		fw + "p99-ns -->1<!-- /q -->":                                         "has no p99-ns",
		fw + "overhead-x in=ms -->1<!-- /q -->":                               "overhead-x is not a time",
		fw + "ns/op in=pct -->1<!-- /q -->":                                   "ns/op is not a ratio",
		fw + "overhead-x stat=mean -->1<!-- /q -->":                           "stat=mean",
		fw + "overhead-x colour=red -->1<!-- /q -->":                          "option \"colour=red\"",
		"r.txt Seed/n=5/strategy=fanout/conn=warm overhead-x -->1<!-- /q -->": "no result named or matching Seed/n=5",
		"r.txt Seed/n=100/strategy=*/conn=warm overhead-x -->1<!-- /q -->":    "matches 2 results",
		"r.txt Seed/{a overhead-x across=min -->1<!-- /q -->":                 "{ without its }",
		"nofile.txt Seed overhead-x -->1<!-- /q -->":                          "nofile.txt",
		"r.txt -->1<!-- /q -->":                                               "want <file> <name> <metric>",
	} {
		if _, err := SyncBlocks([]byte("a <!-- q "+quote+"\n"), dir); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: err %v, want line 1 and %q", quote, err, want)
		}
	}
	for in, want := range map[string]string{
		"a\n<!-- q " + fw + "overhead-x -->1<!-- /q -->\n": "line 2: a quote opens its line",
		"a\n  <!-- /q -->\n": "line 2: \"<!-- /q -->\" without a quote",
	} {
		if _, err := SyncBlocks([]byte(in), dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", in, err, want)
		}
	}
}

// -readme regenerates README and every page of -pages, and writes none of
// them when one fails; -check writes nothing and names what is stale.
func TestReadmeAndPages(t *testing.T) {
	dir := t.TempDir()
	pages := filepath.Join(dir, "results", "families")
	if err := os.MkdirAll(pages, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "results", "r.txt"), quoteSample)
	readme, page := filepath.Join(dir, "README.md"), filepath.Join(pages, "seed.md")
	const stale = "x <!-- q results/r.txt Seed/n=100/strategy=fanout/conn=warm overhead-x -->0.00<!-- /q -->\n"
	write(readme, stale)
	write(page, strings.ReplaceAll(stale, "results/r.txt", "../r.txt"))
	var out, errb bytes.Buffer
	if code := run([]string{"-readme", readme, "-check"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "README.md, "+page) {
		t.Errorf("-check: exit %d, stderr %q; want 1 naming both files", code, errb.String())
	}
	write(filepath.Join(pages, "bad.md"), "<!-- BEGIN seedtable nofile.txt -->\n<!-- END seedtable -->\n")
	errb.Reset()
	if code := run([]string{"-readme", readme}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "bad.md") {
		t.Errorf("a bad page: exit %d, stderr %q; want 1 naming it", code, errb.String())
	}
	if b, _ := os.ReadFile(readme); string(b) != stale {
		t.Errorf("a bad page: README written anyway: %q", b)
	}
	if err := os.Remove(filepath.Join(pages, "bad.md")); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"-readme", readme}, &out, &errb); code != 0 {
		t.Fatalf("-readme: exit %d, stderr %q", code, errb.String())
	}
	for _, p := range []string{readme, page} {
		if b, _ := os.ReadFile(p); !strings.Contains(string(b), "-->1.06<!-- /q -->") {
			t.Errorf("%s not regenerated: %q", p, b)
		}
	}
	errb.Reset()
	if code := run([]string{"-readme", readme, "-check"}, &out, &errb); code != 0 {
		t.Errorf("-check after -readme: exit %d, stderr %q", code, errb.String())
	}
}

// The front page's kinds are cuts of the full tables.
func TestSummaryKinds(t *testing.T) {
	s, err := render(kindSeedSum, "", []string{seedFile})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "| 5 |") || !strings.Contains(s, "| pool-chunked | 16.00 d") || !strings.Contains(s, "| 16.06 d (48.17 s) |") {
		t.Errorf("seedsummary: want n = 100 rows only, with the seed's figures:\n%s", s)
	}
	c, err := ConcurrencySummary(source{name: "c.txt", data: []byte(concurrencySample)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c, "k2") || !strings.Contains(c, "| fanout | warm | 1.011 ±∞ |\n") || strings.Contains(c, "c=4") {
		t.Errorf("concurrencysummary: want the unlimited server at every other c:\n%s", c)
	}
	p, err := PeersSummary(source{name: "p.txt", data: []byte(peersSample)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p, "crawlbench fasthttp") || !strings.Contains(p, "| 16 | 1.00 | 1.10 | 0.85 |") {
		t.Errorf("peerssummary: want the ratios only:\n%s", p)
	}
	sc, err := ScaleSummary([]source{{name: "s.txt", data: []byte(scaleSample)}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sc, "| 1000 | warm | fasthttp | 1.016 | 16.1 KiB | – |") {
		t.Errorf("scalesummary:\n%s", sc)
	}
	h, err := HarnessTable([]source{{name: "h.txt", data: []byte(harnessSample)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Record | time per op | 80.0 ns ±∞ | 3 |", "| ServerAdded/sleepers=0 | added above d, p99 | 1.00 ms ±∞ | 3 |"} {
		if !strings.Contains(h, want) {
			t.Errorf("harnesstable lacks %q:\n%s", want, h)
		}
	}
}

const harnessSample = `BenchmarkRecord-2 1000 70 ns/op
BenchmarkRecord-2 1000 90 ns/op
BenchmarkRecord-2 1000 80 ns/op
BenchmarkServerAdded/sleepers=0-2 400 50600000 ns/op 500000 added-p50-ns 900000 added-p99-ns 0 errors
BenchmarkServerAdded/sleepers=0-2 400 50700000 ns/op 600000 added-p50-ns 1000000 added-p99-ns 0 errors
BenchmarkServerAdded/sleepers=0-2 400 50800000 ns/op 700000 added-p50-ns 1100000 added-p99-ns 0 errors
`
