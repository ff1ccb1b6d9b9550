package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/scripts/resultsfile"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-out", dir}, "no -bench after --"},
		{[]string{"-out", dir, "--", "-count", "6"}, "no -bench after --"},
		{[]string{"-out", dir, "--", "-bench", "X", "-count", "0"}, `-count "0": want a whole number ≥ 1`},
		{[]string{"-out", dir, "--", "-bench", "X", "-count=x"}, `-count "x"`},
		{[]string{"-out", "/nonexistent", "--", "-bench", "X"}, `-out "/nonexistent": not a directory`},
		{[]string{"-label", "A B", "-out", dir, "--", "-bench", "X"}, "-label: label"},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tt.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("runbench %q = %d, %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
}

func TestCountArg(t *testing.T) {
	for args, want := range map[string]int{"-bench X": 0, "-count 6": 6, "-count=3 -bench X": 3} {
		got, err := resultsfile.CountArg(strings.Fields(args))
		if err != nil || got != want {
			t.Errorf("resultsfile.CountArg(%q) = %d, %v; want %d", args, got, err, want)
		}
	}
}

func TestQuote(t *testing.T) {
	if got, want := resultsfile.Quote([]string{"test", "./bench", "-run", "^$", "-bench", "Seed/n=5"}), `test ./bench -run '^$' -bench Seed/n=5`; got != want {
		t.Errorf("quote = %q, want %q", got, want)
	}
}
