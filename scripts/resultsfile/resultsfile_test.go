package resultsfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/perf/benchfmt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNameAndHeader(t *testing.T) {
	p := Provenance{Date: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Host: "My_Host", Commit: "0123456789abcdef", Dirty: true,
		Go: "go1.26.8", Command: "go test ./bench -bench Seed", Count: 6}
	if got, want := Name(p, "seed"), "2026-11-25-my-host-0123456-dirty-seed.txt"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	// The header must be configuration benchfmt reads.
	r := benchfmt.NewReader(strings.NewReader(p.Header()+"BenchmarkX 1 5 ns/op\n"), "h")
	if !r.Scan() {
		t.Fatal(r.Err())
	}
	res, ok := r.Result().(*benchfmt.Result)
	if !ok {
		t.Fatalf("header did not parse: %v", r.Result())
	}
	for k, want := range map[string]string{"crawlbench-commit-at-start": p.Commit, "crawlbench-count": "6", "crawlbench-command": p.Command, "crawlbench-dirty-at-start": "true"} {
		if got := res.GetConfig(k); got != want {
			t.Errorf("config %s = %q, want %q", k, got, want)
		}
	}
}

func TestCheckLabel(t *testing.T) {
	for _, ok := range []string{"", "seed", "seed-d3s", "v1.2"} {
		if err := CheckLabel(ok); err != nil {
			t.Errorf("CheckLabel(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"Seed", "-x", "a b", "../x", strings.Repeat("a", 65)} {
		if err := CheckLabel(bad); err == nil {
			t.Errorf("CheckLabel(%q) accepted", bad)
		}
	}
}

func TestCreateNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for range 3 {
		f, err := Create(dir, "a.txt")
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Base(f.Name()))
		f.WriteString("x")
		f.Close()
	}
	if strings.Join(names, " ") != "a.txt a-2.txt a-3.txt" {
		t.Errorf("names = %v", names)
	}
	if _, err := Create(filepath.Join(dir, "missing"), "a.txt"); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
}

func TestCollect(t *testing.T) {
	p := Collect(context.Background(), t.TempDir(), "cmd", 0)
	if p.Commit != "unknown" || p.Go == "" || p.Host == "" {
		t.Errorf("outside a repository: %+v", p)
	}
	if _, err := os.Stat("/proc/sys/kernel/osrelease"); err == nil && p.Kernel == "" {
		t.Error("kernel not read")
	}
}
