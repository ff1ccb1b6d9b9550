// Command peers measures crawlbench's own clients as load generators beside
// wrk, hey and bombardier: the same zero-delay slowserver (in a process of
// its own), the same connection count c, the same duration, interleaved in
// one run, so that the machine's state is shared fairly.
//
//	go run ./scripts/peers [-c 16,64,256] [-duration 5s] [-rounds 3]
//	                       [-tools fanout,fasthttp,wrk,hey,bombardier]
//	                       [-wrk-threads 0] [-label peers] [-out results]
//	                       [-cpuprofile DIR]
//
// "fanout" and "fasthttp" are this module's clients (package clients) in a
// duration-bounded closed loop (clients.Loader): c workers, each issuing
// request after request over its keep-alive connection, as the other tools
// do. hey and bombardier are the versions pinned as go tools in go.mod,
// built once into a temporary directory; wrk is the Debian package (install
// it with `apt-get update && apt-get install -y wrk`; peers stops with that
// hint when it is missing).
//
// For every c, each round runs every tool once for -duration, the tools'
// order rotating from round to round. The result is two new files under
// results/, both headed by the provenance lines of scripts/resultsfile:
//
//   - <date>-<host>-<commit>-<label>.txt: one benchfmt line per run,
//     BenchmarkPeers/c=16/tool=wrk with sec/op (the run's length), req/s
//     (2xx responses per second), p99-ns, errors and cpu-ms-per-1k (the
//     load generator's own CPU), then tables of the medians over rounds and
//     of the ratios ours ÷ theirs (req/s: higher is better for ours; p99:
//     lower is);
//   - <date>-<host>-<commit>-<label>-raw.txt: every tool's raw output.
//
// With -cpuprofile DIR, round 1 of each of this module's clients at each c
// also writes DIR/<label>-<tool>-c<c>.pprof, a CPU profile of this process
// (the client; the server runs in its own process), for `go tool pprof`.
// An existing profile is never overwritten.
//
// Their paths are printed on stdout, with the tables. Every request loop is
// bounded in time (-duration) and in count, and each tool's requests time
// out after -req-timeout. Bad flags exit with status 2 and a line naming
// the flag and its range.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/scripts/resultsfile"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

func main() {
	if serverproc.IsChild() { // the slowserver this command starts
		os.Exit(serverproc.ChildMain())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// The tools peers knows. The first two are ours.
const (
	toolFanout     = strategy.Fanout
	toolFastHTTP   = strategy.FastHTTP
	toolWrk        = "wrk"
	toolHey        = "hey"
	toolBombardier = "bombardier"
)

func knownTools() []string {
	return append(strategy.Names(strategy.FamilyPeers), toolWrk, toolHey, toolBombardier)
}

// isOurs reports whether tool is one of this module's clients.
func isOurs(tool string) bool {
	d, ok := strategy.Lookup(tool)
	return ok && d.In(strategy.FamilyPeers)
}

// Flag limits.
const (
	maxConns      = 10_000
	minDuration   = time.Second // bombardier refuses shorter runs
	maxDuration   = time.Minute
	maxRounds     = 20
	maxReqTimeout = time.Minute
	// maxRequests bounds one closed-loop run of ours in count (a run is
	// bounded in time by -duration): far above what 2 cores serve in a
	// minute.
	maxRequests = 100_000_000
)

// options are the parsed flags.
type options struct {
	conns      []int
	duration   time.Duration
	rounds     int
	tools      []string
	wrkThreads int
	reqTimeout time.Duration
	label      string
	out        string
	cpuprofile string
}

func parse(args []string, stderr io.Writer) (options, int, bool) {
	var o options
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	conns := fs.String("c", "16,64,256", "connection counts c to compare at, comma-separated (1.."+strconv.Itoa(maxConns)+")")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each tool's run ("+minDuration.String()+".."+maxDuration.String()+")")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds: every tool runs once per round at each c (1.."+strconv.Itoa(maxRounds)+")")
	tools := fs.String("tools", strings.Join(knownTools(), ","), "tools to run, comma-separated: "+strings.Join(knownTools(), ", "))
	fs.IntVar(&o.wrkThreads, "wrk-threads", 0, "wrk -t threads (0: the number of CPUs, capped at c)")
	fs.DurationVar(&o.reqTimeout, "req-timeout", 10*time.Second, "per-request timeout given to every tool (1s.."+maxReqTimeout.String()+", whole seconds for hey)")
	fs.StringVar(&o.label, "label", "peers", "label of the results files (a-z, 0-9, '.', '-')")
	fs.StringVar(&o.out, "out", "", "directory for the results files (default: results/ of the module)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "directory for CPU profiles (pprof) of this module's clients, one per tool and c, taken in round 1 (default: none)")
	usageErr := func(format string, a ...any) (options, int, bool) {
		fmt.Fprintf(stderr, "peers: %s (see -h)\n", fmt.Sprintf(format, a...))
		return o, 2, true
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: peers [flags]\n\nCompares crawlbench's clients with wrk, hey and bombardier against a zero-delay slowserver.\n\nflags:")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return o, 0, true
		}
		return usageErr("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q; want flags only", fs.Arg(0))
	}
	for _, f := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxConns {
			return usageErr("-c %q: %q is not a connection count in 1..%d", *conns, f, maxConns)
		}
		o.conns = append(o.conns, n)
	}
	if o.duration < minDuration || o.duration > maxDuration {
		return usageErr("-duration %v: want %v..%v", o.duration, minDuration, maxDuration)
	}
	if o.rounds < 1 || o.rounds > maxRounds {
		return usageErr("-rounds %d: want 1..%d", o.rounds, maxRounds)
	}
	for _, t := range strings.Split(*tools, ",") {
		t = strings.TrimSpace(t)
		if !slices.Contains(knownTools(), t) {
			return usageErr("-tools %q: %q is not one of %s", *tools, t, strings.Join(knownTools(), ", "))
		}
		if !slices.Contains(o.tools, t) {
			o.tools = append(o.tools, t)
		}
	}
	if o.wrkThreads < 0 || o.wrkThreads > 256 {
		return usageErr("-wrk-threads %d: want 0 (CPUs) or 1..256", o.wrkThreads)
	}
	if o.wrkThreads == 0 {
		o.wrkThreads = runtime.NumCPU()
	}
	if o.reqTimeout < time.Second || o.reqTimeout > maxReqTimeout || o.reqTimeout%time.Second != 0 {
		return usageErr("-req-timeout %v: want whole seconds in 1s..%v", o.reqTimeout, maxReqTimeout)
	}
	if err := resultsfile.CheckLabel(o.label); err != nil {
		return usageErr("-label: %v", err)
	}
	return o, 0, false
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, done := parse(args, stderr)
	if done {
		return code
	}
	root, err := resultsfile.ModuleRoot(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "peers:", err)
		return 1
	}
	if o.out, err = resultsfile.Dir(root, o.out); err != nil {
		fmt.Fprintf(stderr, "peers: -out %v\n", err)
		return 2
	}
	if o.cpuprofile != "" {
		if err := os.MkdirAll(o.cpuprofile, 0o755); err != nil {
			fmt.Fprintf(stderr, "peers: -cpuprofile: %v\n", err)
			return 2
		}
	}
	tools, err := prepareTools(ctx, root, o.tools)
	if err != nil {
		fmt.Fprintln(stderr, "peers:", err)
		return 1
	}
	defer tools.cleanup()

	srv, err := serverproc.Start(ctx, []string{"-addr", "127.0.0.1:0", "-delay", "0s"})
	if err != nil {
		fmt.Fprintln(stderr, "peers: start slowserver:", err)
		return 1
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(stderr, "peers: stop slowserver:", err)
		}
	}()
	url := srv.URL + "/"
	fmt.Fprintf(stderr, "peers: slowserver -delay 0s at %s (pid %d); %d rounds of %v per tool and c\n", url, srv.Pid(), o.rounds, o.duration)

	var ms []measurement
	for _, c := range o.conns {
		for r := range o.rounds {
			for _, tool := range rotate(o.tools, r) {
				m, err := tools.run(ctx, tool, url, c, r, o)
				m.tool, m.c, m.round = tool, c, r+1
				if err != nil {
					fmt.Fprintf(stderr, "peers: %s at c=%d, round %d: %v\n", tool, c, r+1, err)
					return 1
				}
				fmt.Fprintf(stderr, "peers: c=%-4d round %d %-10s %10.0f req/s  p99 %-10v errors %d  cpu %.1f ms/1k\n", c, r+1, tool, m.rps, m.p99.Round(time.Microsecond), m.errors, m.cpuPer1k())
				ms = append(ms, m)
			}
		}
	}

	command := "go run ./scripts/peers"
	if len(args) > 0 {
		command += " " + resultsfile.Quote(args)
	}
	prov := resultsfile.Collect(ctx, root, command, 0)
	tables := renderTables(ms, o)
	paths, err := writeResults(o, prov, tools, ms, tables)
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	if err != nil {
		fmt.Fprintln(stderr, "peers:", err)
		return 1
	}
	fmt.Fprint(stdout, tables)
	return 0
}

// rotate returns tools starting at index r mod len, so that no tool always
// runs first in a round.
func rotate(tools []string, r int) []string {
	k := r % len(tools)
	return append(append([]string(nil), tools[k:]...), tools[:k]...)
}
