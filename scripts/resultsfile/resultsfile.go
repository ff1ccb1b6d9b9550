// Package resultsfile names, creates, heads and records crawlbench's
// results files:
// raw `go test -bench` output under results/, preceded by benchfmt
// configuration lines that say where, when and how it was produced.
package resultsfile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/crawlbench/crawlbench/bench/histlog"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Provenance is what a results file's header records about its run.
type Provenance struct {
	Date    time.Time
	Host    string
	Kernel  string
	OS      string
	Commit  string // full hash, or "unknown"
	Dirty   bool   // tracked files differ from Commit
	Go      string
	Command string // the exact command that produced the benchmarks
	Count   int    // -count of the run, 0 if not given
}

// Collect gathers the provenance of a run of command in the repository at
// dir.
func Collect(ctx context.Context, dir, command string, count int) Provenance {
	p := Provenance{
		Date:    time.Now().UTC(),
		Host:    hostname(),
		Kernel:  firstLine(readFile("/proc/sys/kernel/osrelease")),
		OS:      osName(),
		Commit:  "unknown",
		Go:      runtime.Version(),
		Command: command,
		Count:   count,
	}
	if out, err := git(ctx, dir, "rev-parse", "HEAD"); err == nil {
		p.Commit = out
	}
	if out, err := git(ctx, dir, "status", "--porcelain", "--untracked-files=no"); err == nil {
		p.Dirty = out != ""
	}
	return p
}

// Short returns the commit's first 7 characters, with "-dirty" when the
// tree had changes.
func (p Provenance) Short() string {
	c := p.Commit
	if len(c) > 7 {
		c = c[:7]
	}
	if p.Dirty {
		c += "-dirty"
	}
	return c
}

// Header returns the benchfmt configuration lines for p, under the keys
// bench/resultset defines (and reads back as resultset.Provenance).
func (p Provenance) Header() string {
	var b strings.Builder
	line := func(k, v string) {
		if v == "" {
			v = "unknown"
		}
		fmt.Fprintf(&b, "%s: %s\n", k, strings.ReplaceAll(v, "\n", " "))
	}
	line(resultset.KeyRunnerDate, p.Date.Format(time.RFC3339))
	line(resultset.KeyHost, p.Host)
	line(resultset.KeyKernel, p.Kernel)
	line(resultset.KeyOS, p.OS)
	line(resultset.KeyRunnerGo, p.Go)
	line(resultset.KeyCommitAtStart, p.Commit)
	line(resultset.KeyDirtyAtStart, fmt.Sprint(p.Dirty))
	if p.Count > 0 {
		line(resultset.KeyCount, fmt.Sprint(p.Count))
	}
	line(resultset.KeyCommand, p.Command)
	return b.String()
}

var labelRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)

// CheckLabel reports whether label may be part of a file name.
func CheckLabel(label string) error {
	if label != "" && !labelRE.MatchString(label) {
		return fmt.Errorf("label %q: want 1-64 of [a-z0-9.-], starting with a letter or digit", label)
	}
	return nil
}

// Name returns the file name for p: <date>-<host>-<commit>[-<label>].txt.
func Name(p Provenance, label string) string {
	host := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, p.Host)
	name := fmt.Sprintf("%s-%s-%s", p.Date.Format("2006-01-02"), host, p.Short())
	if label != "" {
		name += "-" + label
	}
	return name + ".txt"
}

// Create creates dir/name for writing, never overwriting: when the name is
// taken it tries name-2, name-3, … It returns the open file.
func Create(dir, name string) (*os.File, error) {
	base := strings.TrimSuffix(name, ".txt")
	for i := 1; i <= 100; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d.txt", base, i)
		}
		f, err := os.OpenFile(filepath.Join(dir, n), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create results file: %w", err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("create results file: %s and 99 numbered variants already exist in %s", name, dir)
}

// CountArg returns the -count given to go test, 0 if none. A -count with
// no value after it is an error.
func CountArg(args []string) (int, error) {
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "-count=")
		if a == "-count" {
			if i+1 == len(args) {
				return 0, errors.New("-count: missing value; want a whole number ≥ 1")
			}
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

// RecordOptions configures Record.
type RecordOptions struct {
	Root     string // module root, where go test runs
	Label    string
	Dir      string
	Pkg      string
	TestArgs []string
	Progress io.Writer // receives the output as it arrives; nil: discarded
	Stderr   io.Writer // receives go test's standard error; nil: Progress
	// Line, if set, is called with each line of output as it arrives.
	Line func(string)
	// Grace is how long the benchmarks get to stop after a signal before
	// they are killed; 0 means 5 seconds.
	Grace time.Duration
}

// The name suffixes and the closing configuration lines of a run that did
// not finish well. A reader refuses a file holding IncompleteKey.
const (
	PartialSuffix    = ".partial"    // while it runs: <name>.partial
	FailedSuffix     = "-FAILED"     // a benchmark or a request failed
	IncompleteSuffix = "-INCOMPLETE" // interrupted by a signal
	IncompleteKey    = resultset.KeyIncomplete
	ReasonKey        = resultset.KeyIncompleteReason
)

// ErrNoBenchmark is returned by Record when the run printed no benchmark
// result (a -bench that matches nothing, a package that does not build);
// no file is kept.
var ErrNoBenchmark = errors.New("no benchmark result")

// Record runs `go test <Pkg> -run ^$ -timeout 0 <TestArgs>` in Root and
// saves its standard output, headed by the run's Provenance, as a Run in
// Dir: <name>.partial while it runs, <name>.txt when it succeeds,
// <name>-FAILED.txt when go test fails or its output has a `--- FAIL`,
// `FAIL` or `REQUESTS FAILED` line, <name>-INCOMPLETE.txt when ctx ends
// (the whole process tree of go test is stopped). The last two end with
// `crawlbench-incomplete: true`; Record returns their path and an error. A
// run with no benchmark result keeps no file and returns ErrNoBenchmark.
func Record(ctx context.Context, o RecordOptions) (string, error) {
	argv := append([]string{"test", o.Pkg, "-run", "^$", "-timeout", "0"}, o.TestArgs...)
	count, err := CountArg(o.TestArgs)
	if err != nil {
		return "", err
	}
	prov := Collect(ctx, o.Root, "go "+Quote(argv), count)
	r, err := NewRun(o.Dir, Name(prov, o.Label), prov)
	if err != nil {
		return "", err
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	if o.Stderr == nil {
		progress = &LockedWriter{W: progress} // go test's stderr is copied beside the echoed lines
	}
	// The benchmarks save every cell's latency histogram beside the results
	// file (bench/harness reads the variable when -histlog is not given).
	hlog, err := filepath.Abs(r.base + histlog.Ext + PartialSuffix)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", argv...)
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), histlog.EnvPath+"="+hlog)
	cmd.Stderr = progress
	if o.Stderr != nil {
		cmd.Stderr = o.Stderr
	}
	runErr := RunLines(cmd, o.Grace, func(line string) {
		r.Line(line)
		fmt.Fprintln(progress, line)
		if o.Line != nil {
			o.Line(line)
		}
	})
	if runErr != nil {
		runErr = fmt.Errorf("go test failed: %w", runErr)
	}
	path, err := r.Finish(ctx.Err() != nil, runErr)
	if _, serr := os.Stat(hlog); serr == nil {
		if path == "" { // no results file kept: no histograms either
			os.Remove(hlog)
		} else if rerr := os.Rename(hlog, histlog.PathFor(path)); rerr != nil && err == nil {
			err = fmt.Errorf("name the histogram log: %w", rerr)
		}
	}
	return path, err
}

// RunLines runs cmd (made with exec.CommandContext) in a process group of
// its own, calling line with each line of its standard output as it
// arrives. When the context ends, the whole group gets SIGTERM, and
// SIGKILL grace later (0: 5 seconds); nothing of it outlives RunLines.
func RunLines(cmd *exec.Cmd, grace time.Duration, line func(string)) error {
	if grace <= 0 {
		grace = 5 * time.Second
	}
	end := InGroup(cmd, grace)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(pipe)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line(sc.Text())
	}
	if err := sc.Err(); err != nil {
		io.Copy(io.Discard, pipe) // let the command finish
		cmd.Wait()
		end()
		return fmt.Errorf("reading output: %w", err)
	}
	err = cmd.Wait()
	end()
	return err
}

// A Run is a results file being written: <name>.partial until Finish
// gives it its final name.
type Run struct {
	f    *os.File
	w    *bufio.Writer
	base string // dir/<name> without .txt
	st   outputState
	err  error // the first write error
}

// NewRun creates dir/<name>.partial (name ends in .txt) for a run whose
// file will be dir/name, or name-2.txt, … when that is taken, and writes
// prov's header into it.
func NewRun(dir, name string, prov Provenance) (*Run, error) {
	f, base, err := createPartial(dir, strings.TrimSuffix(name, ".txt"))
	if err != nil {
		return nil, err
	}
	r := &Run{f: f, w: bufio.NewWriter(f), base: base}
	_, r.err = r.w.WriteString(prov.Header())
	return r, nil
}

// Line writes one line of benchmark output, noting benchmark results and
// lines that say something failed.
func (r *Run) Line(line string) {
	r.st.see(line)
	if r.err == nil {
		_, r.err = fmt.Fprintln(r.w, line)
	}
}

// Results is the number of benchmark result lines written.
func (r *Run) Results() int { return r.st.results }

// FailLine is the first line written that says something failed, or "".
func (r *Run) FailLine() string { return r.st.failLine }

// Finish closes the file and names it: <name>.txt for a run that succeeded
// (not interrupted, runErr nil, no failing line), <name>-INCOMPLETE.txt
// for an interrupted one, <name>-FAILED.txt otherwise; those two end with
// the crawlbench-incomplete config line and a reason, and Finish returns
// their path and an error saying why. A run with no result is removed
// and Finish returns an error wrapping ErrNoBenchmark.
func (r *Run) Finish(interrupted bool, runErr error) (string, error) {
	partial := r.f.Name()
	var reason, suffix string
	switch {
	case r.st.results == 0:
		r.f.Close()
		os.Remove(partial)
		why := "it printed none (does -bench match a benchmark of the package?)"
		switch {
		case interrupted:
			why = "interrupted before the first result"
		case runErr != nil:
			why = runErr.Error()
			if r.st.failLine != "" {
				why += ": " + r.st.failLine
			}
		}
		return "", fmt.Errorf("%w: %s; no results file kept", ErrNoBenchmark, why)
	case interrupted:
		reason, suffix = fmt.Sprintf("interrupted after %d results", r.st.results), IncompleteSuffix
		if runErr != nil {
			reason += ": " + runErr.Error()
		}
	case r.st.failLine != "":
		reason, suffix = "benchmarks failed: "+r.st.failLine, FailedSuffix
	case runErr != nil:
		reason, suffix = runErr.Error(), FailedSuffix
	}
	if reason != "" && r.err == nil {
		_, r.err = fmt.Fprintf(r.w, "%s: true\n%s: %s\n", IncompleteKey, ReasonKey, strings.ReplaceAll(reason, "\n", " "))
	}
	if r.err == nil {
		r.err = r.w.Flush()
	}
	if err := r.f.Close(); r.err == nil {
		r.err = err
	}
	if r.err != nil {
		return partial, fmt.Errorf("write %s: %w", partial, r.err)
	}
	path, err := rename(partial, r.base+suffix)
	if err != nil {
		return partial, err
	}
	if reason != "" {
		return path, fmt.Errorf("%s; the output is kept in %s, marked %s", reason, filepath.Clean(path), IncompleteKey)
	}
	return path, nil
}

// outputState is what Record learns from go test's output.
type outputState struct {
	results  int    // benchmark result lines
	failLine string // the first line saying something failed
}

func (s *outputState) see(line string) {
	if f := strings.Fields(line); len(f) >= 4 && strings.HasPrefix(f[0], "Benchmark") {
		if _, err := strconv.Atoi(f[1]); err == nil {
			s.results++
		}
	}
	if s.failLine == "" && (strings.HasPrefix(strings.TrimSpace(line), "--- FAIL") || strings.Contains(line, "REQUESTS FAILED") ||
		line == "FAIL" || strings.HasPrefix(line, "FAIL\t") || strings.HasPrefix(line, "FAIL ")) {
		s.failLine = strings.TrimSpace(line)
		if len(s.failLine) > 200 {
			s.failLine = s.failLine[:200] + "…"
		}
	}
}

// createPartial creates dir/<base>.partial for a run whose file will be
// dir/<base>.txt, taking the first of base, base-2, … whose results file
// and partial file are both free.
func createPartial(dir, name string) (*os.File, string, error) {
	for i := 1; i <= 100; i++ {
		base := name
		if i > 1 {
			base = fmt.Sprintf("%s-%d", name, i)
		}
		if _, err := os.Lstat(filepath.Join(dir, base+".txt")); err == nil {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, base+PartialSuffix), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("create results file: %w", err)
		}
		return f, filepath.Join(dir, base), nil
	}
	return nil, "", fmt.Errorf("create results file: %s.txt and 99 numbered variants already exist in %s", name, dir)
}

// rename gives partial its final name, base.txt or, when that is taken,
// base-2.txt, …, never replacing a file.
func rename(partial, base string) (string, error) {
	for i := 1; i <= 100; i++ {
		n := base + ".txt"
		if i > 1 {
			n = fmt.Sprintf("%s-%d.txt", base, i)
		}
		err := os.Link(partial, n)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("rename %s to %s: %w", partial, n, err)
		}
		if err := os.Remove(partial); err != nil {
			return n, fmt.Errorf("remove %s: %w", partial, err)
		}
		return n, nil
	}
	return "", fmt.Errorf("rename %s: %s.txt and 99 numbered variants already exist", partial, base)
}

// Quote renders argv as a shell command line.
func Quote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t'\"$^*?[]|&;<>()\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// Dir returns the directory results files go to: dir if given, else
// results/ under the module root. It is an error if that is not an existing
// directory.
func Dir(root, dir string) (string, error) {
	if dir == "" {
		dir = filepath.Join(root, "results")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return dir, fmt.Errorf("%q: not a directory", dir)
	}
	return dir, nil
}

// ModuleRoot returns the directory of the main module's go.mod.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the crawlbench checkout")
	}
	return filepath.Dir(gomod), nil
}

// GoOutput runs the go command with argv in dir, in a process group of
// its own stopped whole when ctx ends, and returns what it wrote on stdout. A failure's error names the command and carries its stderr.
func GoOutput(ctx context.Context, dir string, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", argv...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	end := InGroup(cmd, 5*time.Second)
	out, err := cmd.Output()
	end()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(argv, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(out.String()), nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

func readFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return ""
	}
	return string(b)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

func osName() string {
	for _, l := range strings.Split(readFile("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

// LockedWriter serialises writes to W from several goroutines: a command's
// standard error, copied by os/exec, and the lines echoed beside it.
type LockedWriter struct {
	mu sync.Mutex
	W  io.Writer
}

func (l *LockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.W.Write(b)
}
