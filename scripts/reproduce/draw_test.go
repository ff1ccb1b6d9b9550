package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyResults copies a committed seed results file to dst.
func copyResults(t *testing.T, dst string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// A -draw into an existing chart directory replaces it whole: no chart of
// the earlier draw stays beside a SOURCES naming other results (issue 15
// defect 6); a directory that is not a chart directory is refused untouched.
func TestDrawReplacesWholeDirectory(t *testing.T) {
	root, tmp := moduleRoot(t), t.TempDir()
	a := copyResults(t, filepath.Join(tmp, "in", "a.txt"))
	b := copyResults(t, filepath.Join(tmp, "in", "b with space.txt"))
	dir := filepath.Join(tmp, "plots", "x")
	if _, err := draw(root, dir, io.Discard, a); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "stale-chart.svg")
	if err := os.WriteFile(stale, []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	outs, err := draw(root, dir, io.Discard, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a chart of the earlier draw survived the new one")
	}
	for _, o := range outs {
		if filepath.Dir(o) != dir {
			t.Errorf("output %s not in %s", o, dir)
		} else if _, err := os.Stat(o); err != nil {
			t.Error(err)
		}
	}
	if src, _ := os.ReadFile(filepath.Join(dir, sourcesFile)); string(src) != b+"\n" {
		t.Errorf("SOURCES = %q, want %q", src, b+"\n")
	}
	if ents, _ := os.ReadDir(filepath.Join(tmp, "plots")); len(ents) != 1 {
		t.Errorf("temporary directories left beside the charts: %v", ents)
	}

	notes := filepath.Join(tmp, "notes")
	if err := os.MkdirAll(notes, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notes, "mine.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := drawOnly(root, notes, []string{a}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "not a chart directory") {
		t.Errorf("-draw into a directory that is not a chart directory = %d, %q; want 1 and a refusal", code, stderr.String())
	}
	if ents, _ := os.ReadDir(notes); len(ents) != 1 {
		t.Errorf("refused directory changed: %v", ents)
	}
}

// SOURCES names a results file inside the module relative to its root and
// one outside by its absolute path, spaces included; -redraw reads it back,
// and a directory whose SOURCES is bad does not stop the ones after it:
// every problem is reported at the end, naming the SOURCES file (issue 15
// defect 7).
func TestRedrawOutsideModuleAndContinues(t *testing.T) {
	root, tmp := moduleRoot(t), t.TempDir()
	outside := copyResults(t, filepath.Join(tmp, "my results", "a b.txt"))
	inside := filepath.Join(root, "results", "2026-11-25-vm-586cfe5-seed-d50ms.txt")
	src, err := sourcesText(root, []string{outside, inside})
	if err != nil {
		t.Fatal(err)
	}
	if want := outside + "\nresults/2026-11-25-vm-586cfe5-seed-d50ms.txt\n"; src != want {
		t.Errorf("SOURCES = %q, want %q", src, want)
	}
	plotsDir := filepath.Join(tmp, "plots")
	if _, err := draw(root, filepath.Join(plotsDir, "a"), io.Discard, outside); err != nil {
		t.Fatal(err)
	}
	for dir, body := range map[string]string{"b": "results/no-such-file.txt\n", "c": "results/2026-11-25-vm-586cfe5-seed-d50ms.txt\n"} {
		if err := os.MkdirAll(filepath.Join(plotsDir, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(plotsDir, dir, sourcesFile), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := redraw(root, plotsDir, &stdout, &stderr)
	msg := stderr.String()
	if code != 1 || !strings.Contains(msg, filepath.Join(plotsDir, "b", sourcesFile)+`: line 1: "results/no-such-file.txt" is not a readable results file`) ||
		!strings.Contains(msg, "1 of 3 chart directories not redrawn") || strings.Contains(msg, "-draw:") {
		t.Errorf("-redraw = %d, stderr:\n%s", code, msg)
	}
	for _, dir := range []string{"a", "c"} {
		if !strings.Contains(stdout.String(), filepath.Join(plotsDir, dir)+string(filepath.Separator)) {
			t.Errorf("-redraw did not redraw %s:\n%s", dir, stdout.String())
		}
	}
	if got, _ := os.ReadFile(filepath.Join(plotsDir, "a", sourcesFile)); string(got) != outside+"\n" {
		t.Errorf("a/SOURCES after -redraw = %q", got)
	}
}
