package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// Every bad flag or go test argument is one line on stderr naming it, exit
// status 2, and no results file: nothing runs.
func TestBadInputOneLineNoFile(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "runbench: flag provided but not defined: -nope (see -h)"},
		{[]string{"-label"}, "runbench: flag needs an argument: -label"},
		{[]string{"-out", dir, "extra"}, "no -bench after --"},
		{[]string{"-out", dir, "-pkg", "", "--", "-bench", "X"}, `-pkg "": want a package directory relative to the module root`},
		{[]string{"-out", dir, "-pkg", "bench", "--", "-bench", "X"}, `-pkg "bench": want a package directory`},
		{[]string{"-out", dir, "-pkg", "./nosuchdir", "--", "-bench", "X"}, `-pkg "./nosuchdir": not a directory`},
		{[]string{"-out", dir, "--", "-bench"}, "-bench: missing value after --"},
		{[]string{"-out", dir, "--", "-bench", "X", "-count"}, "-count: missing value; want a whole number ≥ 1"},
		{[]string{"-out", dir, "--", "-bench", "X", "-count", "-1"}, `-count "-1": want a whole number ≥ 1`},
		{[]string{"-out", dir, "--", "-bench", "X", "-count=1e3"}, `-count "1e3"`},
		{[]string{"-out", dir, "-label", "-x", "--", "-bench", "X"}, `-label: label "-x"`},
		{[]string{"-out", dir, "-label", strings.Repeat("a", 65), "--", "-bench", "X"}, "-label: label"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		msg := errb.String()
		if code != 2 || !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("runbench %q = %d, stderr %q; want 2 and one line containing %q", tt.args, code, msg, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("runbench %q: stdout %q, want nothing", tt.args, out.String())
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("bad input created %d files in -out", len(ents))
	}
}

func TestHelpExits0(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "usage: runbench") || !strings.Contains(errb.String(), "-label") {
		t.Errorf("runbench -h = %d, %q; want 0 and the usage", code, errb.String())
	}
}
