// Command seedtable prints the seed's table beside this suite's measured
// BenchmarkSeed figures, as Markdown, from a committed results file:
//
//	go run ./scripts/seedtable -in results/2026-11-25-vm-586cfe5-seed-d50ms.txt
//	go run ./scripts/seedtable -readme README.md   # regenerate README's tables
//
// Times are given in units of the server delay d as well as in seconds, so
// the seed's d = 3 s figures and a run at any -delay can be compared. The
// output is a pure function of the file: the same file gives the same bytes.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/plots"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seedtable", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a bad flag is reported in one line below
	fs.Usage = func() {}     // the flag package calls it on every error too
	in := fs.String("in", "", "results file holding BenchmarkSeed output: print its table")
	readme := fs.String("readme", "", "Markdown file whose seedtable blocks to regenerate in place")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: seedtable -in results/FILE.txt | -readme README.md")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "seedtable: %v (see -h)\n", err)
		return 2
	}
	if (*in == "") == (*readme == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "seedtable: give exactly one of -in results/FILE.txt or -readme README.md")
		return 2
	}
	if *readme != "" {
		old, err := os.ReadFile(*readme)
		if err != nil {
			fmt.Fprintf(stderr, "seedtable: -readme: %v\n", err)
			return 2
		}
		updated, err := SyncBlocks(old, filepath.Dir(*readme))
		if err != nil {
			fmt.Fprintln(stderr, "seedtable:", err)
			return 1
		}
		if err := os.WriteFile(*readme, updated, 0o644); err != nil {
			fmt.Fprintln(stderr, "seedtable:", err)
			return 1
		}
		return 0
	}
	f, err := os.Open(*in)
	if err != nil {
		fmt.Fprintf(stderr, "seedtable: -in: %v\n", err)
		return 2
	}
	defer f.Close()
	table, err := Table(f, filepath.ToSlash(*in))
	if err != nil {
		fmt.Fprintln(stderr, "seedtable:", err)
		return 1
	}
	fmt.Fprint(stdout, table)
	return 0
}

// Block markers: a Markdown file holds a generated table between
//
//	<!-- BEGIN seedtable results/FILE.txt -->
//	<!-- END seedtable -->
//
// where the path is relative to the Markdown file.
const (
	beginMarker = "<!-- BEGIN seedtable "
	endMarker   = "<!-- END seedtable -->"
)

// SyncBlocks returns md with every seedtable block's body regenerated from
// the results file its BEGIN marker names (relative to dir).
func SyncBlocks(md []byte, dir string) ([]byte, error) {
	var out bytes.Buffer
	rest := string(md)
	for {
		i := strings.Index(rest, beginMarker)
		if i < 0 {
			out.WriteString(rest)
			return out.Bytes(), nil
		}
		eol := strings.Index(rest[i:], "-->\n")
		if eol < 0 {
			return nil, fmt.Errorf("unterminated %q marker", beginMarker)
		}
		header := rest[i : i+eol+len("-->\n")]
		name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(header, beginMarker), "-->\n"))
		j := strings.Index(rest[i:], endMarker)
		if j < 0 {
			return nil, fmt.Errorf("block for %s has no %q", name, endMarker)
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		table, err := Table(f, name)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		out.WriteString(rest[:i])
		out.WriteString(header)
		out.WriteString(table)
		out.WriteString(endMarker)
		rest = rest[i+j+len(endMarker):]
	}
}

// Table renders the seed table for the results read from r (named name).
func Table(r io.Reader, name string) (string, error) {
	d, err := plots.Read(r, name)
	if err != nil {
		return "", err
	}
	rows := d.Rows(plots.FamilySeed)
	if len(rows) == 0 {
		return "", fmt.Errorf("%s: no BenchmarkSeed results", name)
	}
	delay := d.Delay()
	if delay <= 0 {
		return "", fmt.Errorf("%s: no delay: line, so times cannot be put in units of d", name)
	}
	lo, hi := d.Runs()
	runs := fmt.Sprintf("median of %d runs", lo)
	switch {
	case hi != lo:
		runs = fmt.Sprintf("median of %d–%d runs", lo, hi)
	case lo == 1:
		runs = "one run"
	}

	type key struct {
		n        int
		strategy string
	}
	byKey := map[key]map[string]plots.Row{}
	var order []key
	for _, r := range rows {
		k := key{r.N, r.Strategy}
		if byKey[k] == nil {
			byKey[k] = map[string]plots.Row{}
			order = append(order, k)
		}
		byKey[k][r.Conn] = r
	}
	slices.SortStableFunc(order, func(a, b key) int { return a.n - b.n })
	seed := map[key][]plots.SeedFigure{}
	for _, f := range plots.SeedFigures() {
		k := key{f.N, f.Strategy}
		seed[k] = append(seed[k], f)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Go: `%s` (commit %s, %s, GOMAXPROCS %s, %s, d = %v, P = %s, %s).\n",
		name, short(d.Config("crawlbench-commit")), d.Config("go"), d.Config("gomaxprocs"), d.Config("cpu"), delay, d.Config("procs"), runs)
	b.WriteString("Seed: Python on an 8-CPU laptop, d = 3 s, one run each (SEED.md). Times are wall time per batch; ×d is that time ÷ the delay.\n\n")
	b.WriteString("| n | strategy | model ideal | Go warm | Go cold | overhead-x warm / cold | seed twin (SEED.md row) | seed |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, k := range order {
		conns := byKey[k]
		warm, hasWarm := conns["warm"]
		cold, hasCold := conns["cold"]
		any := warm
		if !hasWarm {
			any = cold
		}
		ideal := any.Metrics["ideal-sec"].Y
		cell := func(r plots.Row, ok bool) string {
			if !ok {
				return "–"
			}
			return inD(r.Metrics["sec/op"].Y, delay)
		}
		over := func(r plots.Row, ok bool) string {
			if !ok {
				return "–"
			}
			return fmt.Sprintf("%.3f", r.Metrics["overhead-x"].Y)
		}
		twin, seedCell := "–", "–"
		if figs := seed[k]; len(figs) > 0 {
			var t, s []string
			for _, f := range figs {
				t = append(t, fmt.Sprintf("%s (%d)", f.Python, f.Row))
				s = append(s, inD(f.Seconds, 3*time.Second))
			}
			twin, seedCell = strings.Join(t, "; "), strings.Join(s, "; ")
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s / %s | %s | %s |\n",
			k.n, k.strategy, inD(ideal, delay), cell(warm, hasWarm), cell(cold, hasCold),
			over(warm, hasWarm), over(cold, hasCold), twin, seedCell)
	}
	return b.String(), nil
}

// inD formats seconds as a multiple of d and in seconds: "16.35 d (817.6 ms)".
func inD(sec float64, d time.Duration) string {
	return fmt.Sprintf("%.2f d (%s)", sec/d.Seconds(), seconds(sec))
}

// seconds formats a time with 4 significant digits.
func seconds(sec float64) string {
	switch {
	case sec >= 1:
		return fmt.Sprintf("%.4g s", sec)
	case sec >= 1e-3:
		return fmt.Sprintf("%.4g ms", sec*1e3)
	}
	return fmt.Sprintf("%.4g µs", sec*1e6)
}

func short(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	if commit == "" {
		return "unknown"
	}
	return commit
}
