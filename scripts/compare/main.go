// Command compare compares two benchmark runs with benchstat and saves the
// table under results/.
//
//	go run ./scripts/compare -old results/A.txt -new results/B.txt [-- benchstat flags]
//	go run ./scripts/compare -old-commit v1 -new-commit HEAD -bench Seed -count 6 [-delay 50ms] [-benchtime 1x] [-pkg ./bench] [-- benchstat flags]
//
// With two files it runs `go tool benchstat -ignore <resultset.RunKeys()>`
// on them, so that two runs of one configuration land in one table. Files
// that differ in any other configuration key (a delay, the server count,
// the machine) or share no benchmark are an error, not a table comparing
// nothing; pass `-- -ignore KEY` to compare across KEY on purpose.
//
// With two commits it checks each out into a temporary git worktree,
// builds each one's test binary once (`go test -c`), then runs them in
// turn, one `-test.count 1` round at a time (old, new, old, new, …), so
// that drift of a shared machine falls on both. Each side's rounds are
// saved as a results file (results/<date>-<host>-<commit>-at-<commit>.txt,
// with runbench's -FAILED and -INCOMPLETE rules); a failed request, a
// failed benchmark or a signal stops every round and exits 1. A
// configuration key only one commit writes is ignored, with a warning.
//
// The table goes to results/<date>-compare-<old>-vs-<new>.txt (never
// overwriting), headed by the exact benchstat command; the paths written
// are printed on stdout, the comparison last.
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/perf/benchfmt"

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
	benchtime            string
	pkg                  string
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
	fs.IntVar(&o.count, "count", 6, "runs per benchmark at each commit (6..100: benchstat needs 6 for a confidence interval), one round at a time, interleaved")
	fs.StringVar(&o.delay, "delay", "50ms", "server delay at each commit (1ms..10m)")
	fs.StringVar(&o.benchtime, "benchtime", "", "go test -benchtime at each commit (Nx or a duration; default: go test's)")
	fs.StringVar(&o.pkg, "pkg", "./bench", "package whose benchmarks run at each commit, relative to the module root")
	fs.StringVar(&o.out, "out", "", "directory for the results files and the comparison (default: results/ of the module)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: compare -old FILE -new FILE | -old-commit C -new-commit C [-bench RE] [-count N] [-delay D] [-benchtime T] [-pkg PKG] [-out DIR] [-- benchstat flags]")
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
		} else if !validBenchtime(o.benchtime) {
			err = fmt.Errorf("-benchtime %q: want Nx (N ≥ 1) or a positive duration", o.benchtime)
		} else if rel := filepath.Clean(filepath.FromSlash(o.pkg)); !strings.HasPrefix(o.pkg, "./") || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			err = fmt.Errorf("-pkg %q: want a package directory inside the module, such as ./bench", o.pkg)
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
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return o, 2
	}
	return o, -1
}

// isConfigLine reports whether l is a benchfmt configuration line
// ("key: value" at the start of the line, the key without spaces).
func isConfigLine(l string) bool {
	k, _, ok := strings.Cut(l, ":")
	return ok && k != "" && !strings.ContainsAny(k, " \t") && !strings.HasPrefix(k, "Benchmark")
}

// validBenchtime reports whether v is "" or a go test -benchtime.
func validBenchtime(v string) bool {
	if v == "" {
		return true
	}
	if n, ok := strings.CutSuffix(v, "x"); ok {
		i, err := strconv.Atoi(n)
		return err == nil && i >= 1
	}
	d, err := time.ParseDuration(v)
	return err == nil && d > 0
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
	return runIn(ctx, root, root, o, stdout, stderr)
}

// runIn compares with benchstat from the module at root; commits are
// checked out of the git repository at repo.
func runIn(ctx context.Context, root, repo string, o options, stdout, stderr io.Writer) int {
	stderr = &resultsfile.LockedWriter{W: stderr} // the rounds' stderr and their echoed output share it
	var err error
	if o.out, err = resultsfile.Dir(root, o.out); err != nil {
		fmt.Fprintf(stderr, "compare: -out %v\n", err)
		return 2
	}
	oldF, newF := o.oldFile, o.newFile
	oldName, newName := label(oldF), label(newF)
	if o.oldCommit != "" {
		oldF, newF, err = interleave(ctx, repo, o, stderr)
		for _, p := range []string{oldF, newF} {
			if p != "" {
				fmt.Fprintln(stdout, p)
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
	extra, ignore := splitIgnore(o.benchstatArgs)
	oneSided, err := comparable(oldF, newF, ignore, o.oldCommit != "")
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	for _, k := range oneSided {
		fmt.Fprintf(stderr, "compare: warning: ignoring configuration key %s: only one of the commits writes it\n", k)
	}
	ignore = append(ignore, oneSided...)
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
	path, err := compare(ctx, root, o.out, oldF, newF, oldName, newName, ignore, extra)
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
// any run, a run marked incomplete or failed, NaN.
func checkResults(path string) error {
	s, err := resultset.Open(path)
	if err != nil {
		return err
	}
	return s.ErrLine(resultset.MixedProcs)
}

// fileSummary is what comparable needs of a results file: the values of
// each file-level configuration key and the benchmark names.
type fileSummary struct {
	config map[string][]string
	names  map[string]bool
}

func summarizeFile(path string) (fileSummary, error) {
	s := fileSummary{config: map[string][]string{}, names: map[string]bool{}}
	f, err := os.Open(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	r := benchfmt.NewReader(f, path)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		s.names[string(res.Name.Full())] = true
		for _, c := range res.Config {
			if c.File && !slices.Contains(s.config[c.Key], string(c.Value)) {
				s.config[c.Key] = append(s.config[c.Key], string(c.Value))
			}
		}
	}
	return s, r.Err()
}

// comparable reports two files that benchstat would not compare: a
// configuration key (other than those ignored) with other values in one
// than in the other splits them into separate tables, and files with no
// benchmark in common give a table of nothing. With oneSidedOK (two
// commits, one of which may write a key the other does not know), a key
// present in one file only is not an error but returned, to be ignored.
func comparable(oldF, newF string, ignore []string, oneSidedOK bool) (oneSided []string, err error) {
	a, err := summarizeFile(oldF)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", oldF, err)
	}
	b, err := summarizeFile(newF)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", newF, err)
	}
	var keys []string
	for k := range a.config {
		keys = append(keys, k)
	}
	for k := range b.config {
		if _, ok := a.config[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var diffs []string
	show := func(v []string) string {
		if len(v) == 0 {
			return "(none)"
		}
		slices.Sort(v)
		return strings.Join(v, ", ")
	}
	for _, k := range keys {
		if slices.Contains(ignore, k) {
			continue
		}
		va, vb := slices.Clone(a.config[k]), slices.Clone(b.config[k])
		if oneSidedOK && (len(va) == 0 || len(vb) == 0) {
			oneSided = append(oneSided, k)
			continue
		}
		slices.Sort(va)
		slices.Sort(vb)
		if !slices.Equal(va, vb) {
			diffs = append(diffs, fmt.Sprintf("%s %s vs %s", k, show(va), show(vb)))
		}
	}
	if len(diffs) > 0 {
		return nil, fmt.Errorf("%s and %s are runs of different configurations (%s): benchstat would put them in separate tables and compare nothing; compare runs of one configuration, or add -- -ignore KEY to compare across KEY", oldF, newF, strings.Join(diffs, "; "))
	}
	for n := range a.names {
		if b.names[n] {
			return oneSided, nil
		}
	}
	return nil, fmt.Errorf("%s and %s have no benchmark in common: nothing to compare", oldF, newF)
}

// splitIgnore takes benchstat's -ignore flags out of args and returns the
// other arguments and the keys to ignore: resultset.RunKeys() and those.
func splitIgnore(args []string) (rest, ignore []string) {
	ignore = resultset.RunKeys()
	add := func(v string) {
		for _, k := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
			if !slices.Contains(ignore, k) {
				ignore = append(ignore, k)
			}
		}
	}
	for i := 0; i < len(args); i++ {
		name, v, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch {
		case !strings.HasPrefix(args[i], "-") || name != "ignore":
			rest = append(rest, args[i])
		case hasValue:
			add(v)
		case i+1 < len(args):
			add(args[i+1])
			i++
		}
	}
	return rest, ignore
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

// side is one commit of an interleaved comparison.
type side struct {
	commit string
	wt     string   // its worktree
	bin    string   // its test binary
	args   []string // the test binary's arguments
	run    *resultsfile.Run
}

// interleave builds the test binary of each commit once, from a temporary
// worktree of repo, and runs them in turn, one round of -test.count 1 at
// a time, saving each commit's rounds as one results file. It returns the
// two files' paths ("" for a file not kept).
func interleave(ctx context.Context, repo string, o options, stderr io.Writer) (oldF, newF string, err error) {
	tmp, err := os.MkdirTemp("", "crawlbench-compare-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	args := []string{"-test.run", "^$", "-test.bench", o.bench, "-test.count", "1"}
	if o.benchtime != "" {
		args = append(args, "-test.benchtime", o.benchtime)
	}
	args = append(args, "-delay", o.delay)
	sides := []*side{{commit: o.oldCommit}, {commit: o.newCommit}}
	for i, s := range sides {
		name := []string{"old", "new"}[i]
		s.wt, s.bin, s.args = filepath.Join(tmp, name), filepath.Join(tmp, name+".test"), args
		if out, err := exec.CommandContext(ctx, "git", "-C", repo, "worktree", "add", "--detach", s.wt, s.commit).CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("-%s-commit %s: git worktree add: %v: %s", name, s.commit, err, bytes.TrimSpace(out))
		}
		defer exec.Command("git", "-C", repo, "worktree", "remove", "--force", s.wt).Run()
		fmt.Fprintf(stderr, "compare: building %s at %s\n", o.pkg, s.commit)
		if _, err := resultsfile.GoOutput(ctx, s.wt, "test", "-c", "-o", s.bin, o.pkg); err != nil {
			return "", "", fmt.Errorf("-%s-commit %s: %w", name, s.commit, err)
		}
		if _, err := os.Stat(s.bin); err != nil {
			return "", "", fmt.Errorf("-%s-commit %s: -pkg %s has no test files there", name, s.commit, o.pkg)
		}
	}
	for i, s := range sides {
		other := sides[1-i].commit
		command := fmt.Sprintf("go test -c %s; %s.test %s (%d rounds, interleaved with %s)",
			o.pkg, filepath.Base(o.pkg), resultsfile.Quote(s.args), o.count, other)
		prov := resultsfile.Collect(ctx, s.wt, command, o.count)
		if s.run, err = resultsfile.NewRun(o.out, resultsfile.Name(prov, "at-"+label(s.commit)), prov); err != nil {
			if i == 1 {
				sides[0].run.Finish(true, errors.New("not started"))
			}
			return "", "", err
		}
	}
	var failed *side
	var runErr error
	for round := 1; round <= o.count && runErr == nil; round++ {
		for _, s := range sides {
			fmt.Fprintf(stderr, "compare: round %d/%d at %s\n", round, o.count, s.commit)
			cmd := exec.CommandContext(ctx, s.bin, s.args...)
			cmd.Dir = filepath.Join(s.wt, filepath.FromSlash(o.pkg))
			cmd.Stderr = stderr
			err := resultsfile.RunLines(cmd, 0, func(l string) {
				fmt.Fprintln(stderr, l)
				if round > 1 && isConfigLine(l) {
					// One header per file: the rounds after the first
					// repeat it (a reader would take a second pkg: for
					// merged files); their results stay under it.
					return
				}
				s.run.Line(l)
			})
			if err == nil && s.run.FailLine() != "" {
				err = errors.New(s.run.FailLine())
			}
			if err != nil {
				failed, runErr = s, fmt.Errorf("round %d at %s: %w", round, s.commit, err)
				break
			}
		}
	}
	interrupted := ctx.Err() != nil
	var paths []string
	var errs []error
	if runErr != nil {
		errs = append(errs, runErr)
	}
	for _, s := range sides {
		var e error
		stopped := interrupted
		if runErr != nil {
			if s == failed {
				e = runErr
			} else {
				stopped, e = true, fmt.Errorf("stopped: the other side failed")
			}
		}
		p, ferr := s.run.Finish(stopped, e)
		paths = append(paths, p)
		if ferr != nil && runErr == nil {
			errs = append(errs, ferr)
		}
	}
	return paths[0], paths[1], errors.Join(errs...)
}

// compare runs benchstat on two files, ignoring the keys in ignore, and
// saves its table.
func compare(ctx context.Context, root, outDir, oldF, newF, oldName, newName string, ignore, extra []string) (string, error) {
	argv := []string{"tool", "benchstat", "-ignore", strings.Join(ignore, ",")}
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
	fmt.Fprintf(f, "# go %s\n\n", resultsfile.Quote(argv))
	if _, err := f.Write(table); err != nil {
		return "", fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return f.Name(), f.Close()
}
