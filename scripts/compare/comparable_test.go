package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/scripts/resultsfile"
)

const seedFile = "2026-11-25-vm-586cfe5-seed-d50ms.txt"

// variant writes a copy of the committed seed file with edit applied to
// each line.
func variant(t *testing.T, name string, edit func(string) string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "results", seedFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = edit(l)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// anotherRun is the seed file as another run of the same configuration
// would write it: another date, another commit.
func anotherRun(l string) string {
	switch {
	case strings.HasPrefix(l, "date: "), strings.HasPrefix(l, "crawlbench-date: "):
		k, _, _ := strings.Cut(l, ":")
		return k + ": 2026-11-26T08:00:00Z"
	case strings.HasPrefix(l, "crawlbench-commit"):
		k, _, _ := strings.Cut(l, ":")
		return k + ": 1111111111111111111111111111111111111111"
	}
	return l
}

// Two raw results files of one configuration compare in one table with
// the command README prints, not one table per file (issue 9 item 7):
// the configuration block is printed once, above tables with a "vs base"
// column.
func TestReadmeCompareCommand(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := "go tool benchstat -ignore " + strings.Join(resultset.RunKeys(), ",") + " "
	for _, readme := range []string{"README.md", filepath.Join("results", "README.md")} {
		b, err := os.ReadFile(filepath.Join(root, readme))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(cmd)) {
			t.Errorf("%s does not print %q", readme, cmd)
		}
	}
	a := filepath.Join(root, "results", seedFile)
	b := variant(t, "b.txt", anotherRun)
	out, err := resultsfile.GoOutput(context.Background(), root, "tool", "benchstat", "-ignore", strings.Join(resultset.RunKeys(), ","), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(out, []byte("\ncrawlbench-host: ")) != 0 || !bytes.HasPrefix(out, []byte("crawlbench-host: ")) || !bytes.Contains(out, []byte("vs base")) {
		t.Errorf("benchstat split the two runs (want one table comparing them):\n%s", out)
	}
	plain, err := resultsfile.GoOutput(context.Background(), root, "tool", "benchstat", a, b)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain, []byte("vs base")) {
		t.Error("benchstat without -ignore compared the two runs: the -ignore README prints is no longer needed, drop it")
	}
}

// Files of different configurations, or with no benchmark in common, are
// an error (exit 1, one line naming what differs), not a table comparing
// nothing; -- -ignore KEY compares across KEY on purpose. A file marked
// incomplete is refused (issue 15 minors).
func TestCompareRefusesIncomparable(t *testing.T) {
	a := filepath.Join("..", "..", "results", seedFile)
	d5 := variant(t, "d5.txt", func(l string) string {
		if l == "delay: 50ms" {
			return "delay: 5ms"
		}
		return l
	})
	other := variant(t, "other.txt", func(l string) string { return strings.Replace(l, "BenchmarkSeed/", "BenchmarkOther/", 1) })
	incomplete := variant(t, "incomplete.txt", func(l string) string {
		if l == "PASS" {
			return resultsfile.IncompleteKey + ": true"
		}
		return l
	})
	out := t.TempDir()
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-old", a, "-new", d5}, 1, "different configurations (delay 50ms vs 5ms)"},
		{[]string{"-old", a, "-new", other}, 1, "no benchmark in common"},
		{[]string{"-old", a, "-new", incomplete}, 2, "marked crawlbench-incomplete"},
		{[]string{"-old", a, "-new", d5, "--", "-ignore", "delay"}, 0, ""},
		{[]string{"-old", a, "-new", variant(t, "run2.txt", anotherRun)}, 0, ""},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"-out", out}, tt.args...), &stdout, &stderr)
		msg := stderr.String()
		if code != tt.code || tt.want != "" && (!strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1) {
			t.Errorf("compare %q = %d, %q; want %d and one line containing %q", tt.args, code, msg, tt.code, tt.want)
		}
		if tt.code == 0 {
			b, _ := os.ReadFile(strings.TrimSpace(stdout.String()))
			if !bytes.Contains(b, []byte("vs base")) {
				t.Errorf("compare %q compared nothing:\n%s", tt.args, b)
			}
		}
	}
}
