package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/scripts/resultsfile"
)

// fakeBenchSrc is a benchmark that logs which commit ran it, so a test can
// see the order of the rounds; fail makes it report a failed request.
func fakeBenchSrc(tag string, fail bool) string {
	return fakeBenchBody(tag, fail)
}

// fakeBenchSrcNewKey is fakeBenchSrc writing a configuration key of its
// own, as a commit that adds a key to the provenance does.
func fakeBenchSrcNewKey(tag string) string {
	return fakeBenchBody(tag, false) + `
func TestMain(m *testing.M) {
	flag.Parse()
	fmt.Println("newkey: yes")
	os.Exit(m.Run())
}
`
}

func fakeBenchBody(tag string, fail bool) string {
	return `package fake

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

var delay = flag.Duration("delay", 0, "server delay")

func BenchmarkFake(b *testing.B) {
	f, err := os.OpenFile(os.Getenv("CRAWLBENCH_FAKE_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if b.N == 1 {
		fmt.Fprintln(f, "` + tag + `")
	}
	if ` + map[bool]string{true: "true", false: "false"}[fail] + ` {
		fmt.Println("REQUESTS FAILED: 1 of 5 requests failed: refused=1")
	}
	for b.Loop() {
	}
}
`
}

// fakeRepo makes a git repository holding a tiny module with one commit
// per source of ./fake, tagged with the given names.
func fakeRepo(t *testing.T, commits [][2]string) string {
	t.Helper()
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module fake\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(repo, "fake"), 0o755)
	for _, c := range commits {
		if err := os.WriteFile(filepath.Join(repo, "fake", "fake_test.go"), []byte(c[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		git("add", ".")
		git("commit", "-q", "-m", c[0])
		git("tag", c[0])
	}
	return repo
}

func interleaveRun(t *testing.T, repo, oldC, newC string) (code int, stdout, stderr string, log []string, out string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	out = t.TempDir()
	logf := filepath.Join(t.TempDir(), "log")
	t.Setenv("CRAWLBENCH_FAKE_LOG", logf)
	var o, e bytes.Buffer
	opts, c := parse([]string{"-old-commit", oldC, "-new-commit", newC, "-pkg", "./fake", "-bench", "Fake", "-benchtime", "1x", "-delay", "5ms", "-out", out}, &e)
	if c >= 0 {
		t.Fatalf("parse = %d: %s", c, e.String())
	}
	code = runIn(context.Background(), root, repo, opts, &o, &e)
	b, _ := os.ReadFile(logf)
	return code, o.String(), e.String(), strings.Fields(string(b)), out
}

// Two commits run interleaved, one round at a time, each from its own
// test binary, and give one results file per commit plus the comparison
// (issue 9 item 7). A configuration key only the new commit writes is
// ignored with a warning, not a split table.
func TestInterleavedCommits(t *testing.T) {
	repo := fakeRepo(t, [][2]string{{"v1", fakeBenchSrc("old", false)}, {"v2", fakeBenchSrcNewKey("new")}})
	code, stdout, stderr, log, out := interleaveRun(t, repo, "v1", "v2")
	if code != 0 {
		t.Fatalf("compare = %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: ignoring configuration key newkey: only one of the commits writes it") {
		t.Errorf("no warning about the key only v2 writes:\n%s", stderr)
	}
	if got, want := strings.Join(log, " "), strings.TrimSpace(strings.Repeat("old new ", 6)); got != want {
		t.Errorf("rounds ran in order %q, want %q", got, want)
	}
	paths := strings.Fields(stdout)
	if len(paths) != 3 || !strings.HasSuffix(paths[0], "-at-v1.txt") || !strings.HasSuffix(paths[1], "-at-v2.txt") || !strings.Contains(paths[2], "-compare-v1-vs-v2") {
		t.Fatalf("stdout %q: want the two results files and the comparison", stdout)
	}
	for _, p := range paths[:2] {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\nBenchmarkFake"); n != 6 || bytes.Contains(b, []byte(resultsfile.IncompleteKey)) {
			t.Errorf("%s: %d results (want 6), or marked incomplete:\n%s", p, n, b)
		}
		// One header per file: every reader takes the file as one run.
		if n := strings.Count(string(b), "\npkg: "); n != 1 {
			t.Errorf("%s: %d pkg: lines, want 1 (the rounds after the first repeat no header)", p, n)
		}
		if rs, err := resultset.Open(p); err != nil || rs.Err() != nil {
			t.Errorf("%s: the results layer refuses it: %v %v", p, err, rs.Err())
		}
	}
	b, _ := os.ReadFile(paths[2])
	if !bytes.Contains(b, []byte("vs base")) || !bytes.Contains(b, []byte("Fake")) {
		t.Errorf("comparison compares nothing:\n%s", b)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 3 {
		t.Errorf("files in -out: %v", ents)
	}
}

// A failed request at either commit stops every round and exits 1: the
// failing side's file is -FAILED, the other's -INCOMPLETE, and no
// comparison is written.
func TestInterleavedFailedRequest(t *testing.T) {
	repo := fakeRepo(t, [][2]string{{"v1", fakeBenchSrc("old", false)}, {"v2", fakeBenchSrc("new", true)}})
	code, stdout, stderr, log, out := interleaveRun(t, repo, "v1", "v2")
	if code != 1 || !strings.Contains(stderr, "REQUESTS FAILED") {
		t.Fatalf("compare = %d, want 1 naming the failed request\n%s", code, stderr)
	}
	if got := strings.Join(log, " "); got != "old new" {
		t.Errorf("rounds ran: %q, want the first round only", got)
	}
	var names []string
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 ||
		!strings.Contains(strings.Join(names, " "), "-at-v1"+resultsfile.IncompleteSuffix+".txt") ||
		!strings.Contains(strings.Join(names, " "), "-at-v2"+resultsfile.FailedSuffix+".txt") {
		t.Errorf("files in -out: %v; want v1 -INCOMPLETE and v2 -FAILED, no comparison (stdout %q)", names, stdout)
	}
}
