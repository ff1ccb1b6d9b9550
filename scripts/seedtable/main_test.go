package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// README's tables must be what seedtable makes of the committed results
// files they name, byte for byte.
func TestReadmeTablesMatchResults(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte(beginMarker)) {
		t.Fatal("README.md has no seedtable block")
	}
	got, err := SyncBlocks(md, filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, md) {
		t.Fatal("README.md's seedtable blocks are out of date: run go run ./scripts/seedtable -readme README.md")
	}
}

func TestTableIsDeterministic(t *testing.T) {
	name := filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt")
	var outs []string
	for range 2 {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Table(f, "x")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, s)
	}
	if outs[0] != outs[1] {
		t.Fatal("two renderings of one file differ")
	}
	for _, want := range []string{"| 100 | pool-chunked | 16.00 d", "multiprocessing.Pool(8).map (7) | 16.06 d (48.17 s)"} {
		if !strings.Contains(outs[0], want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "exactly one of -in"},
		{[]string{"-in", "a", "-readme", "b"}, 2, "exactly one of -in"},
		{[]string{"-in", "/nonexistent"}, 2, "-in: open /nonexistent"},
		{[]string{"-readme", "/nonexistent"}, 2, "-readme: open /nonexistent"},
		{[]string{"-bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"-in", "main.go"}, 1, "seedtable:"},
	} {
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != tt.code || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("run(%q) = %d, %q; want %d and %q", tt.args, code, errb.String(), tt.code, tt.want)
		}
	}
}

func TestSyncBlocksErrors(t *testing.T) {
	for in, want := range map[string]string{
		"x\n<!-- BEGIN seedtable nofile.txt -->\n<!-- END seedtable -->\n": "nofile.txt",
		"<!-- BEGIN seedtable a.txt -->\nno end\n":                         "no \"<!-- END seedtable -->\"",
		"<!-- BEGIN seedtable a.txt":                                       "unterminated",
	} {
		if _, err := SyncBlocks([]byte(in), t.TempDir()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SyncBlocks(%q) = %v, want %q", in, err, want)
		}
	}
}
