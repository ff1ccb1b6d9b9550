package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flags are one line on stderr, exit 2, and a value of the wrong type
// names what the flag wants.
func TestBadFlagsOneLine(t *testing.T) {
	file := filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt")
	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte("BenchmarkSeed/n=5-2\t1\tabc ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "compare: flag provided but not defined: -nope (see -h)"},
		{[]string{"-count", "x"}, `compare: invalid value "x" for flag -count: parse error; -count: runs per benchmark at each commit (6..100`},
		{[]string{"-count"}, "compare: flag needs an argument: -count"},
		{[]string{"-old-commit", "a", "-new-commit", "b", "-count", "101"}, "-count 101: want 6..100"},
		{[]string{"-old-commit", "a", "-new-commit", "b", "-bench", ""}, `-bench "": want a go test -bench regexp`},
		{[]string{"-old-commit", "a", "-new-commit", "b", "-delay", "1h"}, `-delay "1h": want a duration in 1ms..10m`},
		{[]string{"-old", ".", "-new", "."}, `not a readable results file`},
		{[]string{"-old", "main.go", "-new", "main.go"}, `-old "main.go": main.go: no benchmark results: want ` + "`go test -bench`"},
		{[]string{"-old", file, "-new", bad}, `-new "` + bad + `": syntax error: `},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		msg := errb.String()
		if code != 2 || !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("compare %q = %d, stderr %q; want 2 and one line containing %q", tt.args, code, msg, tt.want)
		}
	}
}

// compare refuses, before benchstat runs, a file with a failed request in
// any run, two files with no benchmark in common and two files at
// different delays (issue 15 defect 1 and minor).
func TestCompareRefusesBadPairs(t *testing.T) {
	td := filepath.Join("..", "..", "bench", "resultset", "testdata")
	good, failed := filepath.Join(td, "good.txt"), filepath.Join(td, "fail-run2.txt")
	dir := t.TempDir()
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.txt")
	if err := os.WriteFile(other, bytes.ReplaceAll(b, []byte("strategy=fanout"), []byte("strategy=sequential")), 0o644); err != nil {
		t.Fatal(err)
	}
	slower := filepath.Join(dir, "slower.txt")
	if err := os.WriteFile(slower, bytes.ReplaceAll(b, []byte("delay: 50ms"), []byte("delay: 5ms")), 0o644); err != nil {
		t.Fatal(err)
	}
	// A bad file is a bad flag value (exit 2); a pair that does not compare
	// is found after reading both (exit 1).
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-old", good, "-new", failed}, 2, "fail-run2.txt:9: a benchmark failed"},
		{[]string{"-old", good, "-new", other}, 1, "no benchmark in common"},
		{[]string{"-old", good, "-new", slower}, 1, "different configurations (delay 50ms vs 5ms)"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("compare %q = %d, stderr %q; want %d and %q", tt.args, code, errb.String(), tt.code, tt.want)
		}
	}
}
