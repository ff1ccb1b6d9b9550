// Command runbench runs crawlbench's benchmarks and saves their raw output
// as a new results file, headed by provenance lines that benchfmt reads.
//
//	go run ./scripts/runbench [-label L] [-out results] [-pkg ./bench] -- -bench Seed -count 6 -delay 50ms
//
// Everything after -- goes to `go test` (runbench adds -run '^$' and
// -timeout 0). The file is results/<date>-<host>-<commit>[-<label>].txt; an
// existing file is never overwritten. The output is also echoed to stderr as
// it arrives. If the benchmarks fail, the file is kept and runbench exits 1.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
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
	fs.SetOutput(stderr)
	label := fs.String("label", "", "suffix for the file name (a-z, 0-9, '.', '-')")
	out := fs.String("out", "", "directory for the results file (default: results/ of the module)")
	pkg := fs.String("pkg", "./bench", "package whose benchmarks run, relative to the module root")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: runbench [-label L] [-out DIR] [-pkg PKG] -- <go test flags, e.g. -bench Seed -count 6 -delay 50ms>")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	testArgs := fs.Args()
	root, err := resultsfile.ModuleRoot(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "runbench:", err)
		return 1
	}
	if *out == "" {
		*out = filepath.Join(root, "results")
	}
	if err := checkArgs(*label, *out, testArgs); err != nil {
		fmt.Fprintln(stderr, "runbench:", err)
		return 2
	}
	path, err := Run(ctx, Options{Root: root, Label: *label, Dir: *out, Pkg: *pkg, TestArgs: testArgs, Progress: stderr})
	if path != "" {
		fmt.Fprintln(stdout, path)
	}
	if err != nil {
		fmt.Fprintln(stderr, "runbench:", err)
		return 1
	}
	return 0
}

// checkArgs validates the flags before anything runs.
func checkArgs(label, out string, testArgs []string) error {
	if err := resultsfile.CheckLabel(label); err != nil {
		return fmt.Errorf("-label: %w", err)
	}
	st, err := os.Stat(out)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("-out %q: not a directory", out)
	}
	hasBench := false
	for _, a := range testArgs {
		if a == "-bench" || strings.HasPrefix(a, "-bench=") {
			hasBench = true
		}
	}
	if !hasBench {
		return errors.New("no -bench after --: say which benchmarks to run, e.g. -- -bench Seed")
	}
	if _, err := countArg(testArgs); err != nil {
		return err
	}
	return nil
}

// countArg returns the -count given to go test, 0 if none.
func countArg(args []string) (int, error) {
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "-count=")
		if a == "-count" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("-count %q: want a whole number ≥ 1", v)
			}
			return n, nil
		}
	}
	return 0, nil
}

// Options configures Run.
type Options struct {
	Root     string // module root, where go test runs
	Label    string
	Dir      string
	Pkg      string
	TestArgs []string
	Progress io.Writer // receives the output as it arrives; nil: discarded
}

// Run runs the benchmarks and writes a new results file, returning its
// path. A failed run still returns the path of the file holding its output.
func Run(ctx context.Context, o Options) (string, error) {
	argv := append([]string{"test", o.Pkg, "-run", "^$", "-timeout", "0"}, o.TestArgs...)
	count, err := countArg(o.TestArgs)
	if err != nil {
		return "", err
	}
	prov := resultsfile.Collect(ctx, o.Root, "go "+quote(argv), count)
	f, err := resultsfile.Create(o.Dir, resultsfile.Name(prov, o.Label))
	if err != nil {
		return "", err
	}
	path := f.Name()
	defer f.Close()
	if _, err := io.WriteString(f, prov.Header()); err != nil {
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	cmd := exec.CommandContext(ctx, "go", argv...)
	cmd.Dir = o.Root
	cmd.Stderr = progress
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return path, fmt.Errorf("go test: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return path, fmt.Errorf("start go test: %w", err)
	}
	sc := bufio.NewScanner(pipe)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	w := bufio.NewWriter(f)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(w, line)
		fmt.Fprintln(progress, line)
	}
	scanErr := sc.Err()
	waitErr := cmd.Wait()
	if err := w.Flush(); err != nil {
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return path, fmt.Errorf("close %s: %w", path, err)
	}
	switch {
	case scanErr != nil:
		return path, fmt.Errorf("read go test output: %w", scanErr)
	case waitErr != nil:
		return path, fmt.Errorf("benchmarks FAILED (%v); their output is kept in %s", waitErr, filepath.Clean(path))
	}
	return path, nil
}

// quote renders argv as a shell command line.
func quote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t'\"$^*?[]|&;<>()\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
