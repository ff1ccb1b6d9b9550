package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"-in", "../../testdata/openloop.txt", "-out", dir, "-format", "svg"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "openloop-hockey-k8-constant.svg")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-in: missing"},
		{[]string{"-in", "x.txt", "-out", "/nonexistent"}, "-out /nonexistent"},
		{[]string{"-in", "../../testdata/openloop.txt", "-out", dir, "-format", "gif"}, "-format"},
		{[]string{"-in", "/nonexistent.txt", "-out", dir}, "-in /nonexistent.txt"},
	} {
		var o, e bytes.Buffer
		if code := run(tc.args, &o, &e); code != 2 || !strings.Contains(e.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 naming %q", tc.args, code, e.String(), tc.want)
		}
	}
}
