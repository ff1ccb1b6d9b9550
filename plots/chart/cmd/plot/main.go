package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/plots/chart"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a bad flag: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// options are the validated flags.
type options struct {
	in     []string
	out    string
	format chart.Format
}

// inList is the repeatable -in flag.
type inList []string

func (l *inList) String() string { return strings.Join(*l, ",") }

func (l *inList) Set(v string) error {
	if v == "" {
		return errors.New("empty: want a results file")
	}
	*l = append(*l, v)
	return nil
}

// parseFlags parses and validates args.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in inList
	fs.Var(&in, "in", "results file: `go test -bench` output or a scripts/peers file (required; repeat it for several files, e.g. one per scale level)")
	out := fs.String("out", "plots", "existing directory to write the charts into")
	format := fs.String("format", "both", "files to write: svg, png or both")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: plot -in results/FILE.txt [-in FILE2 ...] [-out plots/] [-format svg|png|both]")
			fs.PrintDefaults()
			return options{}, flag.ErrHelp
		}
		return options{}, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return options{}, &usageError{fmt.Sprintf("unexpected argument %q: each results file goes in an -in", fs.Arg(0))}
	}
	var o options
	if len(in) == 0 {
		return o, &usageError{"-in: missing: want a results file (go test -bench output)"}
	}
	for i, p := range in {
		st, err := os.Stat(p)
		switch {
		case err != nil:
			return o, &usageError{fmt.Sprintf("-in %s: cannot read: %v", p, errors.Unwrap(err))}
		case st.IsDir():
			return o, &usageError{fmt.Sprintf("-in %s: is a directory, want a results file", p)}
		case slices.Contains(in[:i], p):
			return o, &usageError{fmt.Sprintf("-in %s: given twice", p)}
		}
	}
	if *out == "" {
		return o, &usageError{"-out: empty: want an existing directory"}
	}
	st, err := os.Stat(*out)
	switch {
	case err != nil:
		return o, &usageError{fmt.Sprintf("-out %s: not a directory: %v", *out, errors.Unwrap(err))}
	case !st.IsDir():
		return o, &usageError{fmt.Sprintf("-out %s: not a directory", *out)}
	}
	f, err := chart.ParseFormat(*format)
	if err != nil {
		return o, &usageError{"-format: " + err.Error()}
	}
	return options{in: in, out: *out, format: f}, nil
}

// run is the command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "plot:", err)
		return 2
	}
	var inputs []chart.Input
	for _, p := range o.in {
		b, err := resultset.ReadFile(p, 0)
		if err != nil {
			fmt.Fprintf(stderr, "plot: -in %s: %v\n", p, err)
			return 2
		}
		inputs = append(inputs, chart.Input{Name: p, R: bytes.NewReader(b)})
	}
	res, err := chart.ChartInputs(inputs...)
	if res != nil {
		// Warnings are data: printed once, after everything else.
		defer func() {
			for _, n := range res.Notes {
				fmt.Fprintln(stderr, "plot: note:", n)
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(stderr, "plot: warning:", w)
			}
		}()
	}
	if err != nil {
		fmt.Fprintln(stderr, "plot:", err)
		return 1
	}
	for _, c := range res.Charts {
		paths, err := chart.Save(c.Chart, o.out, c.Base, o.format)
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
		if err != nil {
			fmt.Fprintln(stderr, "plot:", err)
			return 1
		}
	}
	return 0
}
