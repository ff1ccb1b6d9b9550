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
	if code := run([]string{"-in", "../../testdata/crawl-dev.txt", "-out", dir, "-format", "svg"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := filepath.Join(dir, "crawl-roofline-go-c64-m4.svg")
	if strings.TrimSpace(out.String()) != want {
		t.Errorf("wrote %q, want %s", out.String(), want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Error(err)
	}
	for _, args := range [][]string{{"-in", "nope.txt", "-out", dir}, {"-in", "../../testdata/crawl-dev.txt", "-out", "/nonexistent"}, {"-format", "gif"}} {
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
