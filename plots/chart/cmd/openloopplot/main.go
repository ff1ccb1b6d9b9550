// Command openloopplot draws the open-loop charts of a bench/openloop
// results file: the latency hockey stick per server and arrival process
// (openloop-hockey-SERVER-ARRIVAL) and, from the histogram log beside the
// file, the stall experiment's spectrum (openloop-stall-spectrum).
//
//	go run ./plots/chart/cmd/openloopplot -in results/FILE.txt [-out plots/DIR] [-format svg|png|both]
//
// A bad flag exits 2 with one line naming it; a file that cannot be drawn
// exits 1.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/crawlbench/crawlbench/bench/histlog"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/plots/chart"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("openloopplot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	in := fs.String("in", "", "bench/openloop results file (required)")
	out := fs.String("out", "plots", "existing directory to write the charts into")
	format := fs.String("format", "both", "files to write: svg, png or both")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: openloopplot -in results/FILE.txt [-out plots/] [-format svg|png|both]")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintln(stderr, "openloopplot:", err)
		return 2
	}
	if *in == "" {
		fmt.Fprintln(stderr, "openloopplot: -in: missing: want a bench/openloop results file")
		return 2
	}
	if st, err := os.Stat(*out); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "openloopplot: -out %s: want an existing directory\n", *out)
		return 2
	}
	f, err := chart.ParseFormat(*format)
	if err != nil {
		fmt.Fprintln(stderr, "openloopplot: -format:", err)
		return 2
	}
	b, err := resultset.ReadFile(*in, 0)
	if err != nil {
		fmt.Fprintf(stderr, "openloopplot: -in %s: %v\n", *in, err)
		return 2
	}
	charts, err := draw(*in, b)
	if err != nil {
		fmt.Fprintln(stderr, "openloopplot:", err)
		return 1
	}
	for _, c := range charts {
		paths, err := chart.Save(c.Chart, *out, c.Base, f)
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
		if err != nil {
			fmt.Fprintln(stderr, "openloopplot:", err)
			return 1
		}
	}
	return 0
}

// draw returns the charts of the results file at path (contents b) and
// of its histogram log, if there is one.
func draw(path string, b []byte) ([]chart.NamedChart, error) {
	d, err := chart.ReadOpenLoop(bytes.NewReader(b), path)
	if err != nil {
		return nil, err
	}
	for _, w := range d.Warnings() {
		fmt.Fprintln(os.Stderr, "openloopplot: warning:", w)
	}
	charts, err := d.HockeyCharts()
	if err != nil {
		return nil, err
	}
	hp := histlog.PathFor(path)
	if _, err := os.Stat(hp); errors.Is(err, fs.ErrNotExist) {
		return charts, nil
	}
	entries, err := histlog.ReadFile(hp)
	if err != nil {
		return nil, err
	}
	sp, err := chart.StallSpectrum(entries, "latency histograms: "+filepath.Base(hp)+", every run of a cell merged")
	if err != nil {
		return nil, err
	}
	if sp != nil {
		charts = append(charts, *sp)
	}
	return charts, nil
}
