// Command runbench runs crawlbench's benchmarks and saves their raw output
// as a new results file, headed by provenance lines that benchfmt reads.
//
//	go run ./scripts/runbench [-label L] [-out results] [-pkg ./bench] -- -bench Seed -count 6 -delay 50ms
//
// Everything after -- goes to `go test` (runbench adds -run '^$' and
// -timeout 0). The file is results/<date>-<host>-<commit>[-<label>].txt
// (<name>.partial while it runs); an existing file is never overwritten.
// The output is also echoed to stderr as it arrives. If a benchmark or a
// request fails, the file is kept as <name>-FAILED.txt and runbench exits
// 1; a SIGINT or SIGTERM stops the benchmarks (the whole process tree),
// keeps <name>-INCOMPLETE.txt and exits 1; both end with the line
// `crawlbench-incomplete: true`. A run with no benchmark result (no
// benchmark matches -bench, the package does not build) keeps no file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/crawlbench/crawlbench/scripts/resultsfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("runbench", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a bad flag is reported in one line below
	label := fs.String("label", "", "suffix for the file name (a-z, 0-9, '.', '-')")
	out := fs.String("out", "", "directory for the results file (default: results/ of the module)")
	pkg := fs.String("pkg", "./bench", "package whose benchmarks run, relative to the module root")
	fs.Usage = func() {} // the flag package calls it on every error too
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: runbench [-label L] [-out DIR] [-pkg PKG] -- <go test flags, e.g. -bench Seed -count 6 -delay 50ms>")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "runbench: %v (see -h)\n", err)
		return 2
	}
	testArgs := fs.Args()
	root, err := resultsfile.ModuleRoot(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "runbench:", err)
		return 1
	}
	if err := checkArgs(*label, root, *pkg, testArgs); err != nil {
		fmt.Fprintln(stderr, "runbench:", err)
		return 2
	}
	if *out, err = resultsfile.Dir(root, *out); err != nil {
		fmt.Fprintln(stderr, "runbench: -out", err)
		return 2
	}
	path, err := resultsfile.Record(ctx, resultsfile.RecordOptions{Root: root, Label: *label, Dir: *out, Pkg: *pkg, TestArgs: testArgs, Progress: stderr})
	if path != "" {
		fmt.Fprintln(stdout, path)
	}
	if err != nil {
		fmt.Fprintln(stderr, "runbench:", err)
		return 1
	}
	return 0
}

// checkArgs validates the flags before anything runs (and before a results
// file is created): root is the module root that -pkg is relative to.
func checkArgs(label, root, pkg string, testArgs []string) error {
	if err := resultsfile.CheckLabel(label); err != nil {
		return fmt.Errorf("-label: %w", err)
	}
	if !strings.HasPrefix(pkg, "./") {
		return fmt.Errorf("-pkg %q: want a package directory relative to the module root, such as ./bench", pkg)
	}
	if rel := filepath.Clean(filepath.FromSlash(pkg)); rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("-pkg %q: outside the module root %s", pkg, root)
	}
	if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(pkg))); err != nil || !st.IsDir() {
		return fmt.Errorf("-pkg %q: not a directory under %s", pkg, root)
	}
	hasBench := false
	for i, a := range testArgs {
		if a == "-bench" && i+1 == len(testArgs) {
			return errors.New("-bench: missing value after --; want a benchmark regexp, e.g. -- -bench Seed")
		}
		if a == "-bench" || strings.HasPrefix(a, "-bench=") {
			hasBench = true
		}
	}
	if !hasBench {
		return errors.New("no -bench after --: say which benchmarks to run, e.g. -- -bench Seed")
	}
	if _, err := resultsfile.CountArg(testArgs); err != nil {
		return err
	}
	return nil
}
