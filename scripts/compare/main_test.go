package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBadFlags(t *testing.T) {
	file := filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "either -old and -new"},
		{[]string{"-old", file}, "-old and -new: give both"},
		{[]string{"-old", file, "-new", file, "-old-commit", "HEAD"}, "either -old and -new"},
		{[]string{"-old-commit", "HEAD"}, "-old-commit and -new-commit: give both"},
		{[]string{"-old-commit", "a", "-new-commit", "b", "-count", "3"}, "-count 3: want 6..100"},
		{[]string{"-old-commit", "a", "-new-commit", "b", "-bench", "("}, `-bench "("`},
		{[]string{"-old-commit", "a", "-new-commit", "b", "-delay", "0s"}, `-delay "0s": want a duration in 1ms..10m`},
		{[]string{"-old", file, "-new", "/nonexistent"}, `-new "/nonexistent": not a readable results file`},
		{[]string{"-old", file, "-new", file, "-out", "/nonexistent"}, `-out "/nonexistent": not a directory`},
		{[]string{"-count", "x"}, "invalid value"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tt.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("compare %q = %d, %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
}

func TestCompareFiles(t *testing.T) {
	file := filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt")
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"-old", file, "-new", file, "-out", dir, "--", "-filter", "/n:5"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("compare = %d: %s", code, errb.String())
	}
	path := strings.TrimSpace(out.String())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# go tool benchstat -ignore crawlbench-date", "Seed/n=5/strategy=fanout/conn=warm", "vs base"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("comparison lacks %q:\n%s", want, b)
		}
	}
	// A second comparison of the same pair never overwrites the first.
	out.Reset()
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	if second := strings.TrimSpace(out.String()); second == path || !strings.HasSuffix(second, "-2.txt") {
		t.Errorf("second comparison went to %s (first %s)", second, path)
	}
}
