// Command tables prints crawlbench's Markdown tables from committed results
// files, and keeps README's copies of them in step:
//
//	go run ./scripts/tables -seed results/FILE.txt                 # the seed's table beside BenchmarkSeed
//	go run ./scripts/tables -scale results/A.txt,results/B.txt     # BenchmarkScale, one file per scale level
//	go run ./scripts/tables -peers results/FILE-peers.txt          # ours vs wrk, hey and bombardier
//	go run ./scripts/tables -concurrency results/FILE.txt          # BenchmarkConcurrency: overhead-x and the capacity knee
//	go run ./scripts/tables -readme README.md                      # regenerate README and every family page in place
//	go run ./scripts/tables -readme README.md -check               # exit 1 naming each file that is out of date
//
// -readme also regenerates every results/families/*.md beside README (the
// families' write-up pages; -pages DIR names another directory). A
// Markdown file holds a generated table between
//
//	<!-- BEGIN <kind> <file>[,<file>...] -->
//	<!-- END <kind> -->
//
// where kind is a full table (seedtable, concurrencytable, scaletable,
// peerstable, harnesstable; pytable: BenchmarkSeed's Python strategies;
// pyscaletable: BenchmarkScale's overhead-x against in-flight, Python and
// Go side by side; flasktable A,B: one set of clients against two servers;
// pitfalltable: BenchmarkPitfall's pitfalls beside their fixes;
// openlooptable: bench/openloop's pacer beside vegeta, stall and hockey stick)
// or a front page's small one (seedsummary,
// concurrencysummary, scalesummary, peerssummary), and figures quoted in
// prose between
//
//	<!-- q <file> <name> <metric> [in=s|ms|us|ns|d] [stat=median|min|max] -->1.058<!-- /q -->
//
// (see quotes.go). Files are relative to the Markdown file. Every table
// and quote is a pure function of its files: the same files give the same
// bytes.
package main

import (
	"bytes"
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
	crawlFile := fs.String("crawl", "", "results file holding BenchmarkCrawl output: print the claim-5 table")
	readme := fs.String("readme", "", "Markdown file whose table blocks and quotes to regenerate in place, with the family pages")
	pages := fs.String("pages", "", "with -readme: directory of family pages to regenerate too (default results/families beside README)")
	check := fs.Bool("check", false, "with -readme: write nothing, exit 1 if a file is out of date")
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
	if *readme == "" && (*pages != "" || *check) {
		fmt.Fprintln(stderr, "tables: -pages and -check go with -readme README.md")
		return 2
	}
	given := 0
	for _, v := range []string{*seed, *scale, *peers, *conc, *crawlFile, *readme} {
		if v != "" {
			given++
		}
	}
	if given != 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "tables: give exactly one of -seed FILE, -scale FILE[,FILE...], -peers FILE, -concurrency FILE, -crawl FILE or -readme README.md")
		return 2
	}
	if *readme != "" {
		if _, err := os.Stat(*readme); err != nil {
			fmt.Fprintf(stderr, "tables: -readme: %v\n", err)
			return 2
		}
		files := []string{*readme}
		dir := *pages
		if dir == "" {
			dir = filepath.Join(filepath.Dir(*readme), "results", "families")
		} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "tables: -pages %q: not a directory\n", dir)
			return 2
		}
		more, _ := filepath.Glob(filepath.Join(dir, "*.md")) // the pattern is valid
		files = append(files, more...)
		stale, err := SyncFiles(files, !*check)
		if err != nil {
			fmt.Fprintln(stderr, "tables:", err)
			return 1
		}
		if *check && len(stale) > 0 {
			fmt.Fprintf(stderr, "tables: out of date (run go run ./scripts/tables -readme %s): %s\n", *readme, strings.Join(stale, ", "))
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
	case *crawlFile != "":
		kind, list, flagName = kindCrawl, *crawlFile, "-crawl"
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

// SyncFiles regenerates the table blocks and quotes of every Markdown file
// in paths and returns those whose bytes change. With write set it writes
// them, and only when every file regenerated without error: one bad block
// leaves every file untouched.
func SyncFiles(paths []string, write bool) (stale []string, err error) {
	updated := map[string][]byte{}
	for _, p := range paths {
		old, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		b, err := SyncBlocks(old, filepath.Dir(p))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if !bytes.Equal(b, old) {
			stale = append(stale, p)
			updated[p] = b
		}
	}
	if !write {
		return stale, nil
	}
	for _, p := range stale {
		if err := os.WriteFile(p, updated[p], 0o644); err != nil {
			return stale, err
		}
	}
	return stale, nil
}
