// Command compare compares two benchmark runs with benchstat and saves the
// table under results/.
//
//	go run ./scripts/compare -old results/A.txt -new results/B.txt [-- benchstat flags]
//	go run ./scripts/compare -old-commit v1 -new-commit HEAD -bench Seed -count 6 [-delay 50ms] [-- benchstat flags]
//
// With two files it runs `go tool benchstat` on them. With two commits it
// first checks each out into a temporary git worktree, saves a results file
// for each with scripts/runbench (same -bench, -count and -delay), then
// compares those. The table goes to results/<date>-compare-<old>-vs-<new>.txt
// (never overwriting), headed by the exact benchstat command; its path is
// printed on stdout.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/scripts/resultsfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are compare's flags.
type options struct {
	oldFile, newFile     string
	oldCommit, newCommit string
	bench, delay         string
	count                int
	out                  string
	benchstatArgs        []string
}

func parse(args []string, stderr io.Writer) (options, int) {
	var o options
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a bad flag is reported in one line below
	fs.Usage = func() {}     // the flag package calls it on every error too
	fs.StringVar(&o.oldFile, "old", "", "old results file")
	fs.StringVar(&o.newFile, "new", "", "new results file")
	fs.StringVar(&o.oldCommit, "old-commit", "", "old commit (instead of -old): run the benchmarks there")
	fs.StringVar(&o.newCommit, "new-commit", "", "new commit (instead of -new)")
	fs.StringVar(&o.bench, "bench", "Seed", "benchmarks to run at each commit (a go test -bench regexp)")
	fs.IntVar(&o.count, "count", 6, "runs per benchmark at each commit (6..100: benchstat needs 6 for a confidence interval)")
	fs.StringVar(&o.delay, "delay", "50ms", "server delay at each commit (1ms..10m)")
	fs.StringVar(&o.out, "out", "", "directory for the comparison (default: results/ of the module)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: compare -old FILE -new FILE | -old-commit C -new-commit C [-bench RE] [-count N] [-delay D] [-out DIR] [-- benchstat flags]")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return o, 0
		}
		msg := err.Error()
		// A value of the wrong type: say what the flag wants.
		if m := regexp.MustCompile(`for flag -([a-z-]+):`).FindStringSubmatch(msg); m != nil && fs.Lookup(m[1]) != nil {
			msg += "; -" + m[1] + ": " + fs.Lookup(m[1]).Usage
		}
		fmt.Fprintf(stderr, "compare: %s (see -h)\n", msg)
		return o, 2
	}
	o.benchstatArgs = fs.Args()
	files := o.oldFile != "" || o.newFile != ""
	commits := o.oldCommit != "" || o.newCommit != ""
	var err error
	switch {
	case files == commits:
		err = errors.New("give either -old and -new (two results files) or -old-commit and -new-commit")
	case files && (o.oldFile == "" || o.newFile == ""):
		err = errors.New("-old and -new: give both results files")
	case commits && (o.oldCommit == "" || o.newCommit == ""):
		err = errors.New("-old-commit and -new-commit: give both commits")
	case o.count < 6 || o.count > 100:
		err = fmt.Errorf("-count %d: want 6..100", o.count)
	}
	if err == nil && commits {
		if _, rerr := regexp.Compile(o.bench); rerr != nil || o.bench == "" {
			err = fmt.Errorf("-bench %q: want a go test -bench regexp", o.bench)
		} else if d, derr := time.ParseDuration(o.delay); derr != nil || d < time.Millisecond || d > 10*time.Minute {
			err = fmt.Errorf("-delay %q: want a duration in 1ms..10m", o.delay)
		}
	}
	if err == nil && files {
		for _, ff := range []struct{ flag, file string }{{"-old", o.oldFile}, {"-new", o.newFile}} {
			if st, serr := os.Stat(ff.file); serr != nil || st.IsDir() {
				err = fmt.Errorf("%s %q: not a readable results file", ff.flag, ff.file)
			} else if rerr := checkResults(ff.file); rerr != nil {
				err = fmt.Errorf("%s %q: %w", ff.flag, ff.file, rerr)
			}
			if err != nil {
				break
			}
		}
	}
	if err == nil && files {
		err = comparable(o.oldFile, o.newFile)
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return o, 2
	}
	return o, -1
}

// comparable reports two results files benchstat would compare nothing of
// (no benchmark in common) or compare wrongly (different delays).
func comparable(oldPath, newPath string) error {
	a, err := resultset.Open(oldPath)
	if err != nil {
		return err
	}
	b, err := resultset.Open(newPath)
	if err != nil {
		return err
	}
	if da, db := a.Config(resultset.KeyDelay), b.Config(resultset.KeyDelay); da != db {
		return fmt.Errorf("-old %q has delay %q, -new %q has %q: results at different delays do not compare", oldPath, da, newPath, db)
	}
	names := map[string]bool{}
	for _, r := range a.Results {
		names[r.Name.String()] = true
	}
	for _, r := range b.Results {
		if names[r.Name.String()] {
			return nil
		}
	}
	return fmt.Errorf("-old %q and -new %q have no benchmark in common: nothing to compare", oldPath, newPath)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code := parse(args, stderr)
	if code >= 0 {
		return code
	}
	root, err := resultsfile.ModuleRoot(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	if o.out, err = resultsfile.Dir(root, o.out); err != nil {
		fmt.Fprintf(stderr, "compare: -out %v\n", err)
		return 2
	}
	oldF, newF := o.oldFile, o.newFile
	oldName, newName := label(oldF), label(newF)
	if o.oldCommit != "" {
		if oldF, err = runAt(ctx, root, o.oldCommit, o, stderr); err == nil {
			newF, err = runAt(ctx, root, o.newCommit, o, stderr)
		}
		for _, f := range []string{oldF, newF} {
			if err == nil {
				if cerr := checkResults(f); cerr != nil {
					err = fmt.Errorf("refusing %s: %w", f, cerr)
				}
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "compare:", err)
			return 1
		}
		oldName, newName = label(o.oldCommit), label(o.newCommit)
	}
	if oldName == newName {
		oldName, newName = oldName+"-old", newName+"-new"
	}
	for _, f := range []*string{&oldF, &newF} {
		// benchstat runs in the module root; name the files from there.
		abs, err := filepath.Abs(*f)
		if err != nil {
			fmt.Fprintln(stderr, "compare:", err)
			return 1
		}
		if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
			abs = rel
		}
		*f = abs
	}
	path, err := compare(ctx, root, o.out, oldF, newF, oldName, newName, o.benchstatArgs)
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	fmt.Fprintln(stdout, path)
	return 0
}

// checkResults reads a results file through bench/resultset and reports,
// in one line, what would make benchstat compare nothing or a wrong
// figure: no results, a line benchfmt cannot parse, a failed request in
// any run, an incomplete run, NaN.
func checkResults(path string) error {
	s, err := resultset.Open(path)
	if err != nil {
		return err
	}
	return s.ErrLine(resultset.MixedProcs)
}

// label turns a file or commit into a short file-name part.
func label(s string) string {
	s = strings.TrimSuffix(filepath.Base(s), ".txt")
	s = regexp.MustCompile(`[^a-zA-Z0-9.-]+`).ReplaceAllString(s, "-")
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.ToLower(strings.Trim(s, "-"))
}

// runAt saves a results file for commit, run in a temporary worktree.
func runAt(ctx context.Context, root, commit string, o options, stderr io.Writer) (string, error) {
	dir, err := os.MkdirTemp("", "crawlbench-compare-")
	if err != nil {
		return "", fmt.Errorf("worktree for %s: %w", commit, err)
	}
	defer os.RemoveAll(dir)
	wt := filepath.Join(dir, "wt")
	if out, err := exec.CommandContext(ctx, "git", "-C", root, "worktree", "add", "--detach", wt, commit).CombinedOutput(); err != nil {
		return "", fmt.Errorf("git worktree add %s: %v: %s", commit, err, bytes.TrimSpace(out))
	}
	defer exec.Command("git", "-C", root, "worktree", "remove", "--force", wt).Run()
	fmt.Fprintf(stderr, "compare: running -bench %s -count %d -delay %s at %s\n", o.bench, o.count, o.delay, commit)
	cmd := exec.CommandContext(ctx, "go", "run", "./scripts/runbench", "-out", o.out, "-label", "at-"+label(commit),
		"--", "-bench", o.bench, "-count", fmt.Sprint(o.count), "-delay", o.delay)
	cmd.Dir = wt
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("benchmarks at %s: %w", commit, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// provenanceKeys are configuration lines that differ between any two runs
// (when, which commit, the exact command) and would otherwise make benchstat
// put the two files in separate tables instead of comparing them.
func provenanceKeys() string { return strings.Join(resultset.RunKeys(), ",") }

// compare runs benchstat on two files and saves its table. Unless extra
// sets -ignore, the provenance keys are ignored.
func compare(ctx context.Context, root, outDir, oldF, newF, oldName, newName string, extra []string) (string, error) {
	argv := []string{"tool", "benchstat"}
	if !slices.ContainsFunc(extra, func(a string) bool { return a == "-ignore" || strings.HasPrefix(a, "-ignore=") }) {
		argv = append(argv, "-ignore", provenanceKeys())
	}
	argv = append(argv, extra...)
	argv = append(argv, oldName+"="+oldF, newName+"="+newF)
	table, err := resultsfile.GoOutput(ctx, root, argv...)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-compare-%s-vs-%s.txt", time.Now().UTC().Format("2006-01-02"), oldName, newName)
	f, err := resultsfile.Create(outDir, name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fmt.Fprintf(f, "# go %s\n\n", strings.Join(argv, " "))
	if _, err := f.Write(table); err != nil {
		return "", fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return f.Name(), f.Close()
}
