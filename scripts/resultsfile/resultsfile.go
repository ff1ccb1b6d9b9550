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
}

// Record runs `go test <Pkg> -run ^$ -timeout 0 <TestArgs>` in Root and
// writes its standard output to a new results file in Dir, headed by the
// run's Provenance, returning the file's path. A failed run still returns
// the path of the file holding its output.
func Record(ctx context.Context, o RecordOptions) (string, error) {
	argv := append([]string{"test", o.Pkg, "-run", "^$", "-timeout", "0"}, o.TestArgs...)
	count, err := CountArg(o.TestArgs)
	if err != nil {
		return "", err
	}
	prov := Collect(ctx, o.Root, "go "+Quote(argv), count)
	f, err := Create(o.Dir, Name(prov, o.Label))
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
	if o.Stderr != nil {
		cmd.Stderr = o.Stderr
	}
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
		if o.Line != nil {
			o.Line(line)
		}
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

// GoOutput runs the go command with argv in dir and returns what it wrote
// on stdout. A failure's error names the command and carries its stderr.
func GoOutput(ctx context.Context, dir string, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", argv...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
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
