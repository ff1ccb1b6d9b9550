package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage"
)

// installWrk says how to get wrk.
const installWrk = "install it with `apt-get update && apt-get install -y wrk` (Debian package wrk), or leave it out with -tools"

// goTool returns the package of the go tool in go.mod that peers builds for
// tool, or "" when tool is not one.
func goTool(tool string) string {
	switch tool {
	case toolHey:
		return "github.com/rakyll/hey"
	case toolBombardier:
		return "github.com/codesenberg/bombardier"
	}
	return ""
}

// toolset holds the external tools' binaries and versions.
type toolset struct {
	dir      string            // temporary directory of the built go tools
	paths    map[string]string // tool → binary
	versions map[string]string // tool → version, for the results header
}

// prepareTools finds wrk and builds hey and bombardier (as pinned in
// go.mod) into a temporary directory, for the tools requested.
func prepareTools(ctx context.Context, root string, tools []string) (*toolset, error) {
	ts := &toolset{paths: map[string]string{}, versions: map[string]string{}}
	var pkgs []string
	for _, t := range tools {
		switch {
		case t == toolWrk:
			p, err := exec.LookPath("wrk")
			if err != nil {
				return nil, fmt.Errorf("wrk not found on PATH: %s", installWrk)
			}
			ts.paths[t] = p
			// wrk prints its version on the first line of its usage.
			out, _ := exec.CommandContext(ctx, p, "--version").CombinedOutput()
			line, _, _ := strings.Cut(string(out), "\n")
			ts.versions[t] = strings.TrimSpace(line)
		case goTool(t) != "":
			pkgs = append(pkgs, goTool(t))
		}
	}
	if len(pkgs) == 0 {
		return ts, nil
	}
	dir, err := os.MkdirTemp("", "crawlbench-peers-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory for the go tools: %w", err)
	}
	ts.dir = dir
	build := exec.CommandContext(ctx, "go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		ts.cleanup()
		return nil, fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, out)
	}
	for _, t := range tools {
		pkg := goTool(t)
		if pkg == "" {
			continue
		}
		ts.paths[t] = filepath.Join(dir, filepath.Base(pkg))
		list := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Path}} {{.Version}}", pkg)
		list.Dir = root
		if out, err := list.Output(); err == nil {
			ts.versions[t] = strings.TrimSpace(string(out))
		} else {
			ts.versions[t] = pkg + " (version unknown)"
		}
	}
	return ts, nil
}

// cleanup removes the built tools.
func (ts *toolset) cleanup() {
	if ts.dir != "" {
		_ = os.RemoveAll(ts.dir)
	}
}

// run runs tool at c connections against url for o.duration.
// round counts from 0.
func (ts *toolset) run(ctx context.Context, tool, url string, c, round int, o options) (measurement, error) {
	if isOurs(tool) {
		profile := ""
		if o.cpuprofile != "" && round == 0 {
			profile = filepath.Join(o.cpuprofile, fmt.Sprintf("%s-%s-c%d.pprof", o.label, tool, c))
		}
		return runOurs(ctx, tool, url, c, profile, o)
	}
	secs := strconv.FormatFloat(o.duration.Seconds(), 'f', -1, 64) + "s"
	var argv []string
	var parseOut func(string, *measurement) error
	switch tool {
	case toolWrk:
		argv = []string{ts.paths[tool], "-t", strconv.Itoa(min(o.wrkThreads, c)), "-c", strconv.Itoa(c), "-d", secs,
			"--latency", "--timeout", o.reqTimeout.String(), url}
		parseOut = parseWrk
	case toolHey:
		argv = []string{ts.paths[tool], "-z", secs, "-c", strconv.Itoa(c), "-t", strconv.Itoa(int(o.reqTimeout / time.Second)), url}
		parseOut = parseHey
	case toolBombardier:
		argv = []string{ts.paths[tool], "-c", strconv.Itoa(c), "-d", secs, "-t", o.reqTimeout.String(), "-l", "-p", "r", "-o", "j", url}
		parseOut = parseBombardier
	default:
		return measurement{}, fmt.Errorf("unknown tool %q", tool)
	}
	// Each tool stops itself after the duration; the deadline only
	// catches one that hangs.
	rctx, cancel := context.WithTimeout(ctx, o.duration+o.reqTimeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(rctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	m := measurement{cmd: strings.Join(append([]string{filepath.Base(argv[0])}, argv[1:]...), " ")}
	err := cmd.Run()
	m.raw = out.String()
	if cmd.ProcessState != nil {
		m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return m, fmt.Errorf("%s: %w\n%s", m.cmd, err, m.raw)
	}
	if err := parseOut(m.raw, &m); err != nil {
		return m, fmt.Errorf("%s: %w\n%s", m.cmd, err, m.raw)
	}
	return m, nil
}

// runOurs runs one of this module's clients as a closed-loop load. When
// profile is not empty, it writes a CPU profile of the load to that new file.
func runOurs(ctx context.Context, tool, url string, c int, profile string, o options) (m measurement, err error) {
	cfg := clients.Config{Targets: []string{url}, Conn: clients.Warm, Concurrency: c, Timeout: o.reqTimeout}
	cl, err := strategy.New(ctx, tool, strategy.Options{Client: cfg})
	if err != nil {
		return measurement{}, err
	}
	defer cl.Close()
	l, ok := cl.(clients.Loader)
	if !ok {
		return measurement{}, fmt.Errorf("%s is not a clients.Loader", tool)
	}
	lc := clients.LoadConfig{Workers: c, Duration: o.duration, MaxRequests: maxRequests}
	if profile != "" {
		stop, perr := startCPUProfile(profile)
		if perr != nil {
			return measurement{}, perr
		}
		defer func() {
			if serr := stop(); serr != nil && err == nil {
				err = serr
			}
		}()
	}
	cpu0, err := usage.SelfCPU()
	if err != nil {
		return measurement{}, err
	}
	res, err := l.Load(ctx, lc)
	if err != nil {
		return measurement{}, err
	}
	cpu1, err := usage.SelfCPU()
	if err != nil {
		return measurement{}, err
	}
	if err := res.Check(); err != nil {
		return measurement{}, err
	}
	return measurement{
		rps:    res.Throughput(),
		p99:    res.Quantile(0.99),
		total:  res.Requests,
		errors: res.Failed(),
		wall:   res.Wall,
		cpu:    cpu1 - cpu0,
		cmd:    fmt.Sprintf("clients.%s Load(workers %d, duration %v, max requests %d), warm connections, timeout %v", tool, c, o.duration, lc.MaxRequests, o.reqTimeout),
		raw:    res.String() + "\n",
	}, nil
}

// startCPUProfile starts a CPU profile into the new file path (an existing
// file is an error, never overwritten) and returns the function that stops
// it and closes the file.
func startCPUProfile(path string) (func() error, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("cpu profile %s: %w", path, err)
		}
		return nil
	}, nil
}
