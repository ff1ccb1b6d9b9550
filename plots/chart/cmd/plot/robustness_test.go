package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A results file cut short is an error naming the file (exit 1): a `go
// test` output without its final PASS/ok did not finish (issue 15 defect
// 10), whatever its last line; never a silent success.
func TestTruncatedResultsFile(t *testing.T) {
	full, err := os.ReadFile(small)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	i := bytes.Index(full, []byte("BenchmarkSeed/n=5/strategy=fake-async"))
	if i < 0 {
		t.Fatal("small.txt has no fake-async seed row")
	}
	p99 := i + bytes.Index(full[i:], []byte(" p99-ns")) // the p99 value ends here
	for _, tc := range []struct {
		name string
		cut  int
		code int
		want string
	}{
		{"after a name", i + len("BenchmarkSeed/n=5/strategy=fake-async/conn=warm-2"), 1, "NAME: no final PASS or ok line: the run did not finish"},
		{"inside a value", p99 - 3, 1, "plot: plots: syntax error: NAME:21: missing units"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".txt")
			if err := os.WriteFile(in, full[:tc.cut], 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCmd("-in", in, "-out", t.TempDir(), "-format", "svg")
			if want := strings.ReplaceAll(tc.want, "NAME", in); code != tc.code || !strings.Contains(stderr, want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, want)
			}
		})
	}
}

func TestEmptyFormatIsAnError(t *testing.T) {
	code, stdout, stderr := runCmd("-in", small, "-out", t.TempDir(), "-format", "")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `plot: -format: format "": want svg, png or both`) {
		t.Errorf("exit %d, stderr %q; want 2 naming -format", code, stderr)
	}
}
