// Command reproduce regenerates crawlbench's results in one step: it runs
// the benchmarks, saves each run as a results file with provenance, writes a
// benchstat summary beside it and draws every chart, then prints where they
// are.
//
//	go run ./scripts/reproduce          # quick: every benchmark family, small, under 5 minutes on 2 cores
//	go run ./scripts/reproduce -full    # the seed at d = 3 s, the full matrices at d = 50 ms, scale to 100k, peers (hours)
//	go run ./scripts/reproduce -draw plots/DIR results/A.txt [results/B.txt ...]   # only the charts of committed files
//	go run ./scripts/reproduce -redraw  # only redraw every committed chart from its SOURCES
//	go run ./scripts/reproduce -summary results/X.txt   # only the benchstat summary of a committed file
//
// While it runs it shows on stderr what runs, how far it is and an ETA,
// from the model's expected time of every sub-benchmark (bench -plan),
// corrected by the pace so far.
//
// Outputs, for each run:
//
//	results/<date>-<host>-<commit>-<label>.txt            raw go test -bench output
//	results/<date>-<host>-<commit>-<label>-benchstat.txt  go tool benchstat summary (rewritten, never numbered)
//	plots/<date>-<host>-<commit>-<label>/*.svg, *.png      charts (package plots)
//	plots/scale/*.svg, *.png                               with -full: the scale levels charted together
//
// A phase that fails or is stopped by a signal (which stops every process
// it started) keeps its output as <name>-FAILED.txt or -INCOMPLETE.txt,
// marked incomplete (see results/README.md), and reproduce exits 1.
// Results files are never overwritten. A chart directory is replaced
// whole (drawn into a temporary directory, then swapped in), so no chart of
// an earlier draw survives beside a SOURCES that no longer names its
// results; a directory that is not a chart directory (no SOURCES, not
// empty) is never replaced.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/plots/chart"
	"github.com/crawlbench/crawlbench/scripts/resultsfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// A phase is one go test run, saved as one results file, or (peers) one
// run of scripts/peers.
type phase struct {
	label string   // results file label
	pkg   string   // package to benchmark; "" = ./bench
	bench string   // -bench regexp
	args  []string // other go test flags, without -count
	count int      // -count for this phase; 0 = reproduce's -count
	peers bool     // run scripts/peers instead of go test
	group string   // phases of one group are charted together (the scale levels)
}

// quickPhases fit in under five minutes on 2 cores: the seed, concurrency
// and batch families at a short delay, one batch per run, on two servers,
// 3 runs; then every other family once, in a few seconds each.
func quickPhases() []phase {
	return []phase{{
		label: "quick-d5ms",
		count: 3,
		bench: "Seed|Concurrency|Batch",
		args:  []string{"-delay", "5ms", "-servers", "unlimited,k8", "-cmax", "256", "-benchtime", "1x"},
	}, {
		label: "quick-scale",
		count: 1,
		pkg:   "./bench/scale",
		bench: "Scale",
		args:  []string{"-scale", "1k", "-delay", "100ms", "-strategies", list(strategy.FastHTTP, strategy.Fanout), "-conns", "warm", "-benchtime", "1x"},
	}, {
		label: "quick-peers",
		count: 1,
		peers: true,
		args:  []string{"-tools", list(strategy.FastHTTP, strategy.Fanout, "hey"), "-c", "16", "-duration", "1s", "-rounds", "1"},
	}, {
		label: "quick-breakdown",
		count: 1,
		bench: "^BenchmarkSeed(Procs)?$/^n=100$/^strategy=(fanout|fasthttp|procs-fanout)$/^conn=warm$",
		args:  []string{"-delay", "5ms", "-benchtime", "5x", "-breakdown"},
	}, {
		label: "quick-crawl",
		count: 1,
		pkg:   "./bench/crawl",
		bench: "Crawl",
		args:  []string{"-pages", "300", "-delay", "2ms", "-page-work", "0,1ms", "-gomaxprocs", "1,2", "-benchtime", "1x"},
	}, {
		label: "quick-network",
		count: 1,
		pkg:   "./bench/network",
		bench: "Network|Streams|Handshake",
		args: []string{"-net", "wan", "-protos", "h1,h1tls13,h2", "-conns", "warm,cold", "-conc", "100",
			"-streams-conc", "64,128", "-hs-n", "100", "-strategies", strategy.Fanout, "-benchtime", "1x"},
	}, {
		label: "quick-pitfalls",
		count: 1,
		pkg:   "./bench/pitfalls",
		bench: "Pitfall",
		args:  []string{"-hang-bound", "500ms", "-stall-timeout", "50ms", "-benchtime", "1x"},
	}, {
		label: "quick-openloop",
		count: 1,
		pkg:   "./bench/openloop",
		bench: "OpenLoop|Stall|Pacer",
		args: []string{"-delay", "20ms", "-servers", "k8", "-strategies", strategy.FastHTTP, "-arrivals", "constant",
			"-loads", "50,100,150", "-duration", "500ms", "-stall-duration", "4s", "-stall-at", "1s",
			"-pacer-rates", "2000", "-pacer-duration", "500ms", "-vegeta=false", "-benchtime", "1x"},
	}}
}

// fullPhases are the seed at its full scale, the full matrices, the scale
// runs at 1k, 10k and 100k in flight, the peers comparison, the Python
// systems, the crawl, the network, the pitfalls, the open loop and the
// overhead breakdown.
func fullPhases() []phase {
	return []phase{
		{label: "seed-d3s", bench: "Seed", args: []string{"-delay", "3s"}},
		{label: "matrix-d50ms", bench: "Concurrency|Batch", args: []string{"-delay", "50ms", "-benchtime", "1x"}},
		{label: "scale-1k", pkg: "./bench/scale", bench: "Scale", args: []string{"-benchtime", "3x"}, count: 3, group: "scale"},
		{label: "scale-10k", pkg: "./bench/scale", bench: "Scale", args: []string{"-scale", "10k", "-benchtime", "3x"}, count: 3, group: "scale"},
		{label: "scale-100k", pkg: "./bench/scale", bench: "Scale", args: []string{"-scale", "100k"}, count: 2, group: "scale"},
		{label: "peers", peers: true},
		// The seed's Python systems (the Python rows of seed-d3s are in
		// that file): the seed's Flask server under the same clients, and
		// Python asyncio against Go at 100 … 10,000 in flight.
		{label: "seed-d50ms-flask", bench: "Seed", args: []string{"-delay", "50ms", "-server", "flask"}, count: 3},
		{label: "batch-d50ms-flask", bench: "Batch", args: []string{"-delay", "50ms", "-benchtime", "1x", "-server", "flask"}, count: 3},
		{label: "scale-py-100", pkg: "./bench/scale", bench: "Scale", args: pyScale("100"), count: 3, group: "scale-py"},
		{label: "scale-py-1k", pkg: "./bench/scale", bench: "Scale", args: pyScale("1k"), count: 3, group: "scale-py"},
		{label: "scale-py-5k", pkg: "./bench/scale", bench: "Scale", args: pyScale("5k"), count: 3, group: "scale-py"},
		{label: "scale-py-10k", pkg: "./bench/scale", bench: "Scale", args: pyScale("10k"), count: 3, group: "scale-py"},
		// The crawl (issue 11): Go and Python crawlers over 10,000 pages.
		{label: "crawl-go", pkg: "./bench/crawl", bench: "Crawl", args: crawlArgs(list(strategy.Fanout, strategy.FastHTTP, strategy.ProcsFanout), "1,2"), count: 1},
		{label: "crawl-py", pkg: "./bench/crawl", bench: "Crawl", args: crawlArgs(list(strategy.PyCrawlAsyncio, strategy.PyCrawlProcsAsyncio), "2"), count: 1},
		// Network, TLS and HTTP/2, and the pitfall catalogue (issue 12).
		{label: "network-d50ms", pkg: "./bench/network", bench: "Network|Streams|Handshake", count: 3, args: []string{
			"-net", "lan,wan,far", "-conc", "10,100", "-max-ideal", "2.2s", "-strategies", list(strategy.Fanout, strategy.FastHTTP), "-hs-n", "1000",
			"-streams-conc", "16,32,64,99,100,101,128,256,512,1024", "-benchtime", "1x"}},
		{label: "network-py-d50ms", pkg: "./bench/network", bench: "Network", count: 3, args: []string{
			"-net", "wan,far", "-protos", "h1,h1tls13", "-strategies", strategy.PyAioHTTP, "-conns", "warm,cold", "-conc", "10,100", "-max-ideal", "2.2s", "-benchtime", "1x"}},
		{label: "network-py-h2-d50ms", pkg: "./bench/network", bench: "Network|Streams", count: 3, args: []string{
			"-net", "wan,lan", "-protos", "h1tls13,h2,h2c", "-strategies", strategy.PyHTTPX, "-conns", "warm,cold", "-conc", "10,100",
			"-streams-strategies", strategy.PyHTTPX, "-benchtime", "1x"}},
		{label: "pitfalls", pkg: "./bench/pitfalls", bench: "Pitfall", args: []string{"-benchtime", "10x"}, count: 3},
		// Open loop (issue 13) and the overhead breakdown (issue 14).
		{label: "openloop", pkg: "./bench/openloop", bench: "OpenLoop|Stall|Pacer", args: []string{"-benchtime", "1x"}, count: 1},
		{label: "breakdown-seed-d50ms", bench: "^BenchmarkSeed(Procs)?$/^n=100$", args: []string{"-delay", "50ms", "-benchtime", "2s", "-breakdown"}},
		{label: "breakdown-concurrency-d50ms", bench: "^BenchmarkConcurrency$/^server=unlimited$/^strategy=(fanout|fasthttp|procs-fanout)$/^conn=warm$/^c=(16|256)$",
			args: []string{"-servers", "unlimited", "-delay", "50ms", "-benchtime", "2s", "-breakdown"}},
		{label: "breakdown-scale-10k", pkg: "./bench/scale", bench: "Scale", args: []string{"-scale", "10k", "-strategies", list(strategy.FastHTTP, strategy.ProcsFastHTTP), "-benchtime", "3x", "-breakdown"}, count: 3},
		// The slowserver's own share: the seed's fan-outs against it and the lean server.
		{label: "server-share-d50ms", bench: "^BenchmarkServerShare$", args: []string{"-delay", "50ms", "-benchtime", "2s"}},
	}
}

// list joins strategy names for a -strategies flag.
func list(names ...string) string { return strings.Join(names, ",") }

// crawlArgs returns bench/crawl's flags of a full crawl run: 10,000 pages
// over 16 hosts at d = 20 ms, a sweep of work per page.
func crawlArgs(strategies, gomaxprocs string) []string {
	return []string{"-pages", "10000", "-hosts", "16", "-delay", "20ms", "-conc", "64", "-per-host", "4",
		"-page-work", "0,500us,1ms,2ms,5ms", "-gomaxprocs", gomaxprocs, "-procs", "2", "-strategies", strategies, "-benchtime", "1x"}
}

// pyScale returns the bench/scale flags of a Python-against-Go scale level.
func pyScale(level string) []string {
	return []string{"-scale", level, "-delay", "1s", "-strategies", "py-aiohttp,py-procs-aiohttp,fasthttp,fanout", "-benchtime", "3x"}
}

// options are reproduce's flags.
type options struct {
	full    bool
	count   int
	results string
	plots   string
	draw    string   // -draw DIR: only draw the charts of files into DIR
	files   []string // the results files for -draw
	redraw  bool     // -redraw: only redraw every plots/*/ from its SOURCES
	summary string   // -summary FILE: only write FILE's benchstat summary
}

func parse(args []string, stderr io.Writer) (options, int) {
	var o options
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.full, "full", false, "the seed at d = 3 s and the full matrices at d = 50 ms (hours) instead of the quick run")
	fs.IntVar(&o.count, "count", 6, "runs of each benchmark (1..100; benchstat needs 6 for a confidence interval)")
	fs.StringVar(&o.results, "results", "", "directory for results files (default: results/ of the module)")
	fs.StringVar(&o.plots, "plots", "", "directory under which each run's charts go (default: plots/ of the module)")
	fs.StringVar(&o.draw, "draw", "", "run nothing: draw the charts of the results files given as arguments into this directory (with a SOURCES file naming them)")
	fs.StringVar(&o.summary, "summary", "", "run nothing: write the benchstat summary of this results file beside it")
	fs.BoolVar(&o.redraw, "redraw", false, "run nothing: redraw the charts of every plots/*/ directory from the results files its SOURCES names")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0
		}
		return o, 2
	}
	var err error
	o.files = fs.Args()
	switch {
	case (o.draw != "") && o.redraw, (o.draw != "" || o.redraw) && o.summary != "":
		err = errors.New("-draw, -redraw and -summary: give one of them")
	case o.draw != "" && len(o.files) == 0:
		err = errors.New("-draw: name the results files to draw after the flags")
	case o.draw == "" && fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q: only -draw takes results files", fs.Arg(0))
	case o.count < 1 || o.count > 100:
		err = fmt.Errorf("-count %d: want 1..100", o.count)
	}
	for name, dir := range map[string]string{"-results": o.results, "-plots": o.plots} {
		if st, serr := os.Stat(dir); dir != "" && err == nil && (serr != nil || !st.IsDir()) {
			err = fmt.Errorf("%s %q: not a directory", name, dir)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "reproduce:", err)
		return o, 2
	}
	return o, -1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stderr = &resultsfile.LockedWriter{W: stderr} // go test's stderr and the progress lines share it
	o, code := parse(args, stderr)
	if code >= 0 {
		return code
	}
	root, err := resultsfile.ModuleRoot(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "reproduce:", err)
		return 1
	}
	if o.results, err = resultsfile.Dir(root, o.results); err != nil {
		fmt.Fprintf(stderr, "reproduce: -results %v\n", err)
		return 2
	}
	if o.plots == "" {
		o.plots = filepath.Join(root, "plots")
	}
	switch {
	case o.draw != "":
		return drawOnly(root, o.draw, o.files, stdout, stderr)
	case o.redraw:
		return redraw(root, o.plots, stdout, stderr)
	case o.summary != "":
		if st, err := os.Stat(o.summary); err != nil || st.IsDir() {
			fmt.Fprintf(stderr, "reproduce: -summary %q: not a readable results file\n", o.summary)
			return 2
		}
		path, err := summarize(ctx, root, filepath.Dir(o.summary), o.summary)
		if err != nil {
			fmt.Fprintln(stderr, "reproduce:", err)
			return 1
		}
		fmt.Fprintln(stdout, path)
		return 0
	}
	if o.count < 6 {
		fmt.Fprintf(stderr, "reproduce: warning: -count %d: benchstat gives no confidence interval below 6\n", o.count)
	}
	phases := quickPhases()
	if o.full {
		phases = fullPhases()
	}
	failed := false
	groups := map[string][]string{} // group → results files, charted together at the end
	var groupOrder []string
	for i, ph := range phases {
		if ph.count == 0 {
			ph.count = o.count
		}
		fmt.Fprintf(stderr, "reproduce: phase %d/%d: %s\n", i+1, len(phases), ph.describe())
		outs, err := runPhase(ctx, root, o, ph, stderr)
		for _, p := range outs {
			fmt.Fprintln(stdout, p)
		}
		if err == nil && ph.group != "" && len(outs) > 0 {
			if groups[ph.group] == nil {
				groupOrder = append(groupOrder, ph.group)
			}
			groups[ph.group] = append(groups[ph.group], outs[0])
		}
		if err != nil {
			fmt.Fprintf(stderr, "reproduce: %s: %v\n", ph.label, err)
			failed = true
			if ctx.Err() != nil {
				break
			}
		}
	}
	for _, g := range groupOrder {
		outs, err := draw(root, filepath.Join(o.plots, g), stderr, groups[g]...)
		for _, p := range outs {
			fmt.Fprintln(stdout, p)
		}
		if err != nil {
			fmt.Fprintf(stderr, "reproduce: %s charts: %v\n", g, err)
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

// drawOnly draws files into dir.
func drawOnly(root, dir string, files []string, stdout, stderr io.Writer) int {
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			fmt.Fprintf(stderr, "reproduce: -draw: %q is not a readable results file\n", f)
			return 2
		}
	}
	outs, err := draw(root, dir, stderr, files...)
	for _, p := range outs {
		fmt.Fprintln(stdout, p)
	}
	if err != nil {
		fmt.Fprintln(stderr, "reproduce:", err)
		return 1
	}
	return 0
}

// redraw redraws every chart directory under plotsDir that has a SOURCES
// file. A directory that cannot be redrawn does not stop the others: every
// problem is reported at the end, and the exit status is 1.
func redraw(root, plotsDir string, stdout, stderr io.Writer) int {
	srcs, err := filepath.Glob(filepath.Join(plotsDir, "*", sourcesFile))
	if err != nil || len(srcs) == 0 {
		fmt.Fprintf(stderr, "reproduce: -redraw: no %s/*/%s\n", plotsDir, sourcesFile)
		return 1
	}
	var problems []string
	for _, src := range srcs {
		files, err := readSources(root, src)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		outs, err := draw(root, filepath.Dir(src), stderr, files...)
		for _, p := range outs {
			fmt.Fprintln(stdout, p)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", filepath.Dir(src), err))
		}
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, "reproduce: -redraw:", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "reproduce: -redraw: %d of %d chart directories not redrawn\n", len(problems), len(srcs))
		return 1
	}
	return 0
}

// describe says what a phase runs.
func (ph phase) describe() string {
	if ph.peers {
		return strings.TrimSpace(ph.label + " (go run ./scripts/peers " + strings.Join(ph.args, " ") + ")")
	}
	pkg := ph.pkg
	if pkg == "" {
		pkg = "./bench"
	}
	return fmt.Sprintf("%s (%s -bench '%s' %s -count %d)", ph.label, pkg, ph.bench, strings.Join(ph.args, " "), ph.count)
}

// runPhase runs one phase and returns the paths it wrote, the results file
// first.
func runPhase(ctx context.Context, root string, o options, ph phase, stderr io.Writer) ([]string, error) {
	if ph.peers {
		return runPeers(ctx, root, o, ph, stderr)
	}
	pkg := ph.pkg
	if pkg == "" {
		pkg = "./bench"
	}
	plan, err := planPhase(ctx, root, pkg, ph)
	if err != nil {
		return nil, err
	}
	prog := newProgress(plan, ph.count, stderr, time.Now)
	if len(plan.names) > 0 {
		fmt.Fprintf(stderr, "reproduce: %d sub-benchmarks × %d runs, expected about %s\n", len(plan.names), ph.count, roundDur(prog.eta()))
	}
	testArgs := append([]string{"-bench", ph.bench, "-count", strconv.Itoa(ph.count)}, ph.args...)
	path, err := resultsfile.Record(ctx, resultsfile.RecordOptions{
		Root: root, Label: ph.label, Dir: o.results, Pkg: pkg, TestArgs: testArgs,
		Stderr: stderr, Line: prog.line,
	})
	var outs []string
	if path != "" {
		outs = append(outs, path)
	}
	if err != nil {
		return outs, err
	}
	fmt.Fprintf(stderr, "reproduce: %s done in %s\n", ph.label, roundDur(time.Since(prog.start)))
	if ph.group != "" {
		return outs, nil // charted with the rest of its group
	}
	sum, err := summarize(ctx, root, o.results, path)
	if err != nil {
		return outs, err
	}
	outs = append(outs, sum)
	charts, err := draw(root, filepath.Join(o.plots, strings.TrimSuffix(filepath.Base(path), ".txt")), stderr, path)
	return append(outs, charts...), err
}

// runPeers runs scripts/peers, which saves its own results files, and
// charts them.
func runPeers(ctx context.Context, root string, o options, ph phase, stderr io.Writer) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", "./scripts/peers", "-out", o.results, "-label", ph.label}, ph.args...)...)
	cmd.Dir = root
	cmd.Stderr = stderr
	end := resultsfile.InGroup(cmd, 5*time.Second) // a signal stops peers and the tools it runs
	out, err := cmd.Output()
	end()
	var outs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasSuffix(l, ".txt") {
			outs = append(outs, strings.TrimSpace(l))
		}
	}
	if err != nil {
		return outs, fmt.Errorf("scripts/peers: %w", err)
	}
	if len(outs) == 0 {
		return nil, errors.New("scripts/peers printed no results file")
	}
	charts, err := draw(root, filepath.Join(o.plots, strings.TrimSuffix(filepath.Base(outs[0]), ".txt")), stderr, outs[0])
	return append(outs, charts...), err
}

// phasePlan is what bench -plan says a phase will run.
type phasePlan struct {
	names   []string           // sub-benchmarks, in run order
	seconds map[string]float64 // expected seconds of one run of each
}

// planPhase asks the bench package what ph will run and how long each
// sub-benchmark should take. Packages without -plan (bench/scale) get an
// empty plan: their progress shows without an ETA.
func planPhase(ctx context.Context, root, pkg string, ph phase) (phasePlan, error) {
	if pkg != "./bench" {
		return phasePlan{seconds: map[string]float64{}}, nil
	}
	argv := append([]string{"test", pkg, "-run", "^$", "-bench", ph.bench, "-count", "1", "-plan"}, ph.args...)
	out, err := resultsfile.GoOutput(ctx, root, argv...)
	if err != nil {
		return phasePlan{}, fmt.Errorf("plan: %w", err)
	}
	return parsePlan(out)
}

// parsePlan reads bench -plan output.
func parsePlan(out []byte) (phasePlan, error) {
	p := phasePlan{seconds: map[string]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "crawlbench-plan: ")
		if !ok {
			continue
		}
		name, secs, ok := strings.Cut(rest, " ")
		s, err := strconv.ParseFloat(secs, 64)
		if !ok || err != nil || s < 0 {
			return p, fmt.Errorf("plan: bad line %q", sc.Text())
		}
		if _, dup := p.seconds[name]; !dup {
			p.names = append(p.names, name)
		}
		p.seconds[name] = s
	}
	if len(p.names) == 0 {
		return p, errors.New("plan: the -bench pattern selects no benchmark")
	}
	return p, nil
}

// progress follows a run's output and reports how far it is.
type progress struct {
	plan    phasePlan
	total   float64 // expected seconds of the whole phase
	planned float64 // expected seconds of what has finished
	done    int
	count   int
	start   time.Time
	now     func() time.Time
	w       io.Writer
}

func newProgress(plan phasePlan, count int, w io.Writer, now func() time.Time) *progress {
	p := &progress{plan: plan, count: count, w: w, now: now, start: now()}
	for _, s := range plan.seconds {
		p.total += s * float64(count)
	}
	return p
}

// eta is the time left: the planned time of what remains, scaled by how
// the actual pace compares with the plan so far once enough has run for
// the pace to mean something (5% of the plan).
func (p *progress) eta() time.Duration {
	left := p.total - p.planned
	if p.planned > 0.05*p.total {
		left *= p.now().Sub(p.start).Seconds() / p.planned
	}
	return time.Duration(left * float64(time.Second))
}

// line takes one line of go test output.
func (p *progress) line(l string) {
	if strings.Contains(l, "FAIL") {
		fmt.Fprintln(p.w, l)
	}
	f := strings.Fields(l)
	if len(f) < 2 || !strings.HasPrefix(f[0], "Benchmark") {
		return
	}
	name := f[0]
	if i := strings.LastIndex(name, "-"); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i] // the -GOMAXPROCS suffix
		}
	}
	s, ok := p.plan.seconds[name]
	if !ok {
		if len(p.plan.names) == 0 { // no plan: count what finishes
			p.done++
			fmt.Fprintf(p.w, "reproduce: [%d] %s  %s elapsed\n", p.done, strings.TrimPrefix(name, "Benchmark"), roundDur(p.now().Sub(p.start)))
		}
		return
	}
	p.done++
	p.planned += s
	all := len(p.plan.names) * p.count
	fmt.Fprintf(p.w, "reproduce: [%d/%d] %s  %s elapsed, about %s left\n",
		p.done, all, strings.TrimPrefix(name, "Benchmark"), roundDur(p.now().Sub(p.start)), roundDur(p.eta()))
}

func roundDur(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d.Round(time.Second)
}

// summarize checks a results file through bench/resultset and writes its
// benchstat summary beside it, as <name>-benchstat.txt. A file the layer
// refuses (a failed request in any run, an incomplete run, NaN or ±Inf,
// empty, binary, no results, ...) never reaches benchstat: NaN once made
// it grow to 24 GB. The summary is derived output: run again on the same
// file it is rewritten in place (via a temporary name and a rename), or
// left alone when identical, never numbered -2.
func summarize(ctx context.Context, root, dir, path string) (string, error) {
	set, err := resultset.Open(path)
	if err != nil {
		return "", fmt.Errorf("-summary: %w", err)
	}
	if err := set.Err(resultset.MixedProcs); err != nil { // benchstat keeps GOMAXPROCS apart
		return "", fmt.Errorf("-summary: refusing %s before benchstat sees it: %w", path, err)
	}
	tables := []struct{ filter, row, col string }{
		{".name:Seed", "/n,/strategy", "/conn"},
		{".name:Concurrency", "/server,/strategy,/c", "/conn"},
		{".name:Batch", "/strategy,/n", "/conn"},
	}
	var b bytes.Buffer
	for _, t := range tables {
		argv := []string{"tool", "benchstat", "-filter", t.filter, "-row", t.row, "-col", t.col, path}
		out, err := resultsfile.GoOutput(ctx, root, argv...)
		if err != nil {
			return "", err
		}
		if len(bytes.TrimSpace(out)) == 0 {
			continue // this file has no such benchmarks
		}
		fmt.Fprintf(&b, "# go %s\n\n%s\n", strings.Join(argv, " "), out)
	}
	if b.Len() == 0 {
		// Another family (crawl, network, pitfalls, open loop, scale):
		// benchstat's own table, a row per sub-benchmark.
		argv := []string{"tool", "benchstat", path}
		out, err := resultsfile.GoOutput(ctx, root, argv...)
		if err != nil {
			return "", err
		}
		if len(bytes.TrimSpace(out)) == 0 {
			return "", fmt.Errorf("-summary: %s has no results for benchstat to summarise", path)
		}
		fmt.Fprintf(&b, "# go %s\n\n%s\n", strings.Join(argv, " "), out)
	}
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".txt")+"-benchstat.txt")
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, b.Bytes()) {
		return out, nil
	}
	tmp, err := os.CreateTemp(dir, ".benchstat-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write summary: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("write summary: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", fmt.Errorf("write summary: %w", err)
	}
	return out, nil
}

// sourcesFile, in a chart directory, lists the results files its charts
// were drawn from, one path per line (the whole line, spaces included):
// relative to the module root with forward slashes when inside it,
// absolute otherwise. A test redraws them and checks that the committed
// charts match.
const sourcesFile = "SOURCES"

// sourcesText is the SOURCES file naming paths.
func sourcesText(root string, paths []string) (string, error) {
	var b strings.Builder
	for _, p := range paths {
		if strings.ContainsAny(p, "\r\n") {
			return "", fmt.Errorf("%s: results file %q: a name with a line break cannot be recorded in %s", sourcesFile, p, sourcesFile)
		}
		b.WriteString(relToRoot(root, p) + "\n")
	}
	return b.String(), nil
}

// readSources reads the SOURCES file src and returns the results files it
// names, each checked to be a readable file.
func readSources(root, src string) ([]string, error) {
	b, err := os.ReadFile(src)
	if err != nil {
		return nil, err
	}
	var files, bad []string
	for i, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			continue
		}
		p := filepath.FromSlash(l)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			bad = append(bad, fmt.Sprintf("line %d: %q is not a readable results file", i+1, l))
			continue
		}
		files = append(files, p)
	}
	switch {
	case len(bad) > 0:
		return nil, fmt.Errorf("%s: %s", src, strings.Join(bad, "; "))
	case len(files) == 0:
		return nil, fmt.Errorf("%s: names no results file", src)
	}
	return files, nil
}

// draw renders every chart the results files hold into dir, with
// dir/SOURCES naming the files. dir is replaced whole: the charts are drawn
// into a temporary directory beside it, which then takes its place.
func draw(root, dir string, stderr io.Writer, paths ...string) ([]string, error) {
	src, err := sourcesText(root, paths)
	if err != nil {
		return nil, err
	}
	p, err := chart.ChartFiles(paths...)
	if err != nil {
		return nil, err
	}
	for _, w := range p.Warnings {
		fmt.Fprintln(stderr, "reproduce: warning:", w)
	}
	for _, n := range p.Notes {
		fmt.Fprintln(stderr, "reproduce:", n)
	}
	if len(p.Charts) == 0 {
		return nil, nil // a family without charts (the notes say why): no chart directory
	}
	return replaceDir(dir, func(tmp string) ([]string, error) {
		var outs []string
		for _, c := range p.Charts {
			ps, err := chart.Save(c.Chart, tmp, c.Base, chart.Both)
			if err != nil {
				return nil, err
			}
			outs = append(outs, ps...)
		}
		if err := os.WriteFile(filepath.Join(tmp, sourcesFile), []byte(src), 0o644); err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		return outs, nil
	})
}

// replaceDir has fill write a new chart directory into a temporary
// directory and puts it in dir's place, so no file of the old one remains.
// It refuses a dir that exists and is not a chart directory (no SOURCES
// and not empty). It returns fill's paths as they are under dir.
func replaceDir(dir string, fill func(tmp string) ([]string, error)) ([]string, error) {
	dir = filepath.Clean(dir)
	parent, base := filepath.Split(dir)
	exists := false
	if st, err := os.Stat(dir); err == nil {
		if !st.IsDir() {
			return nil, fmt.Errorf("plots: %s is not a directory", dir)
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		if _, serr := os.Stat(filepath.Join(dir, sourcesFile)); serr != nil && len(ents) > 0 {
			return nil, fmt.Errorf("plots: %s holds files but no %s: not a chart directory, not replacing it", dir, sourcesFile)
		}
		exists = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("plots: %w", err)
	}
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	defer os.RemoveAll(tmp) // gone already after a successful swap
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	outs, err := fill(tmp)
	if err != nil {
		return nil, err
	}
	for i, o := range outs {
		outs[i] = filepath.Join(dir, filepath.Base(o))
	}
	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		return outs, nil
	}
	hold, err := os.MkdirTemp(parent, "."+base+".old-")
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	old := filepath.Join(hold, base)
	if err := os.Rename(dir, old); err != nil {
		os.Remove(hold)
		return nil, fmt.Errorf("plots: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if rerr := os.Rename(old, dir); rerr != nil {
			return nil, fmt.Errorf("plots: %w; the old charts are left in %s: %v", err, old, rerr)
		}
		os.Remove(hold)
		return nil, fmt.Errorf("plots: %w", err)
	}
	if err := os.RemoveAll(hold); err != nil {
		return outs, fmt.Errorf("plots: removing the old charts: %w", err)
	}
	return outs, nil
}

// relToRoot names path relative to the module root, with forward slashes,
// when it is inside it, and absolute otherwise.
func relToRoot(root, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return abs
}
