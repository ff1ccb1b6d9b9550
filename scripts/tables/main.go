// Command tables prints crawlbench's Markdown tables from committed results
// files, and keeps README's copies of them in step:
//
//	go run ./scripts/tables -seed results/FILE.txt                 # the seed's table beside BenchmarkSeed
//	go run ./scripts/tables -scale results/A.txt,results/B.txt     # BenchmarkScale, one file per scale level
//	go run ./scripts/tables -peers results/FILE-peers.txt          # ours vs wrk, hey and bombardier
//	go run ./scripts/tables -concurrency results/FILE.txt          # BenchmarkConcurrency: overhead-x and the capacity knee
//	go run ./scripts/tables -readme README.md                      # regenerate every table block in place
//
// A Markdown file holds a generated table between
//
//	<!-- BEGIN <kind> <file>[,<file>...] -->
//	<!-- END <kind> -->
//
// where kind is seedtable, scaletable, peerstable or concurrencytable and the files are
// relative to the Markdown file. Every table is a pure function of its
// files: the same files give the same bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tables", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a bad flag is reported in one line below
	fs.Usage = func() {}     // the flag package calls it on every error too
	seed := fs.String("seed", "", "results file holding BenchmarkSeed output: print the seed table")
	scale := fs.String("scale", "", "comma list of results files holding BenchmarkScale output: print the scale table")
	peers := fs.String("peers", "", "results file written by scripts/peers: print the peers table")
	conc := fs.String("concurrency", "", "results file holding BenchmarkConcurrency output: print its overhead-x and capacity tables")
	readme := fs.String("readme", "", "Markdown file whose table blocks to regenerate in place")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: tables -seed FILE | -scale FILE[,FILE...] | -peers FILE | -concurrency FILE | -readme README.md")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "tables: %v (see -h)\n", err)
		return 2
	}
	given := 0
	for _, v := range []string{*seed, *scale, *peers, *conc, *readme} {
		if v != "" {
			given++
		}
	}
	if given != 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "tables: give exactly one of -seed FILE, -scale FILE[,FILE...], -peers FILE, -concurrency FILE or -readme README.md")
		return 2
	}
	if *readme != "" {
		old, err := os.ReadFile(*readme)
		if err != nil {
			fmt.Fprintf(stderr, "tables: -readme: %v\n", err)
			return 2
		}
		updated, err := SyncBlocks(old, filepath.Dir(*readme))
		if err != nil {
			fmt.Fprintln(stderr, "tables:", err)
			return 1
		}
		if err := os.WriteFile(*readme, updated, 0o644); err != nil {
			fmt.Fprintln(stderr, "tables:", err)
			return 1
		}
		return 0
	}
	kind, list, flagName := kindSeed, *seed, "-seed"
	switch {
	case *scale != "":
		kind, list, flagName = kindScale, *scale, "-scale"
	case *peers != "":
		kind, list, flagName = kindPeers, *peers, "-peers"
	case *conc != "":
		kind, list, flagName = kindConc, *conc, "-concurrency"
	}
	files := strings.Split(list, ",")
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			fmt.Fprintf(stderr, "tables: %s %q: not a readable results file\n", flagName, f)
			return 2
		}
	}
	table, err := render(kind, "", files)
	if err != nil {
		fmt.Fprintln(stderr, "tables:", err)
		return 1
	}
	fmt.Fprint(stdout, table)
	return 0
}
