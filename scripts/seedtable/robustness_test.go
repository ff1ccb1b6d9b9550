package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flags are one line on stderr and exit 2; a results file that is
// truncated, empty or not benchmark output is exit 1 naming the file.
func TestBadInputOneLine(t *testing.T) {
	dir := t.TempDir()
	results, err := os.ReadFile(filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt"))
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
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-nope"}, 2, "seedtable: flag provided but not defined: -nope (see -h)"},
		{[]string{"-in"}, 2, "seedtable: flag needs an argument: -in"},
		{[]string{"-in", "a", "extra"}, 2, "exactly one of -in"},
		{[]string{"-in", ""}, 2, "exactly one of -in"},
		{[]string{"-in", dir}, 1, "seedtable: "},
		{[]string{"-in", truncated}, 1, "truncated.txt"},
		{[]string{"-in", empty}, 1, "empty.txt: empty input"},
		{[]string{"-in", noDelay}, 1, "no delay: line"},
	} {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb)
		msg := errb.String()
		if code != tt.code || !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("seedtable %q = %d, stderr %q; want %d and one line containing %q", tt.args, code, msg, tt.code, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("seedtable %q: stdout %q, want nothing", tt.args, out.String())
		}
	}
}
