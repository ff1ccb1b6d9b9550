// Command crawlplot draws the crawl roofline charts (chart.CrawlCharts) of
// a BenchmarkCrawl results file:
//
//	go run ./plots/chart/cmd/crawlplot -in results/FILE-crawl.txt -out plots/DIR [-format both]
//
// It prints the paths it wrote, one a line. Exit status 1 when the file
// cannot be plotted or a chart cannot be written, 2 on a bad flag (a line
// naming it).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/crawlbench/crawlbench/plots/chart"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crawlplot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	in := fs.String("in", "", "BenchmarkCrawl results file")
	out := fs.String("out", "", "existing directory for the charts")
	format := fs.String("format", "both", "svg, png or both")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "crawlplot: %v (see -h)\n", err)
		return 2
	}
	f, err := chart.ParseFormat(*format)
	if err != nil {
		fmt.Fprintf(stderr, "crawlplot: -format: %v\n", err)
		return 2
	}
	if st, err := os.Stat(*out); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "crawlplot: -out %q: want an existing directory\n", *out)
		return 2
	}
	r, err := os.Open(*in)
	if err != nil {
		fmt.Fprintf(stderr, "crawlplot: -in %q: want a readable results file\n", *in)
		return 2
	}
	defer r.Close()
	d, err := chart.ReadCrawl(r, *in)
	if err != nil {
		fmt.Fprintln(stderr, "crawlplot:", err)
		return 1
	}
	for _, w := range d.Warnings() {
		fmt.Fprintln(stderr, "crawlplot: note:", w)
	}
	charts, err := chart.CrawlCharts(d)
	if err != nil {
		fmt.Fprintln(stderr, "crawlplot:", err)
		return 1
	}
	for _, c := range charts {
		paths, err := chart.Save(c.Chart, *out, c.Base, f)
		if err != nil {
			fmt.Fprintln(stderr, "crawlplot:", err)
			return 1
		}
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
	}
	return 0
}
