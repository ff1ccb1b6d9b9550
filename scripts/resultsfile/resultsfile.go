// Package resultsfile names, creates and heads crawlbench's results files:
// raw `go test -bench` output under results/, preceded by benchfmt
// configuration lines that say where, when and how it was produced.
package resultsfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
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

// Header returns the benchfmt configuration lines for p.
func (p Provenance) Header() string {
	var b strings.Builder
	line := func(k, v string) {
		if v == "" {
			v = "unknown"
		}
		fmt.Fprintf(&b, "%s: %s\n", k, strings.ReplaceAll(v, "\n", " "))
	}
	line("crawlbench-date", p.Date.Format(time.RFC3339))
	line("crawlbench-host", p.Host)
	line("crawlbench-kernel", p.Kernel)
	line("crawlbench-os", p.OS)
	line("crawlbench-go", p.Go)
	line("crawlbench-commit-at-start", p.Commit)
	line("crawlbench-dirty-at-start", fmt.Sprint(p.Dirty))
	if p.Count > 0 {
		line("crawlbench-count", fmt.Sprint(p.Count))
	}
	line("crawlbench-command", p.Command)
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
