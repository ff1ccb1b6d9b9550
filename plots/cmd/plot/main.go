package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/crawlbench/crawlbench/plots"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a bad flag: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// options are the validated flags.
type options struct {
	in     string
	out    string
	format plots.Format
}

// parseFlags parses and validates args.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	in := fs.String("in", "", "results file: `go test -bench` output (required)")
	out := fs.String("out", "plots", "existing directory to write the charts into")
	format := fs.String("format", "both", "files to write: svg, png or both")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: plot -in results/FILE.txt [-out plots/] [-format svg|png|both]")
			fs.PrintDefaults()
		}
		return options{}, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return options{}, &usageError{fmt.Sprintf("unexpected argument %q: the results file goes in -in", fs.Arg(0))}
	}
	var o options
	if *in == "" {
		return o, &usageError{"-in: missing: want a results file (go test -bench output)"}
	}
	st, err := os.Stat(*in)
	switch {
	case err != nil:
		return o, &usageError{fmt.Sprintf("-in %s: cannot read: %v", *in, errors.Unwrap(err))}
	case st.IsDir():
		return o, &usageError{fmt.Sprintf("-in %s: is a directory, want a results file", *in)}
	}
	if *out == "" {
		return o, &usageError{"-out: empty: want an existing directory"}
	}
	st, err = os.Stat(*out)
	switch {
	case err != nil:
		return o, &usageError{fmt.Sprintf("-out %s: not a directory: %v", *out, errors.Unwrap(err))}
	case !st.IsDir():
		return o, &usageError{fmt.Sprintf("-out %s: not a directory", *out)}
	}
	f, err := plots.ParseFormat(*format)
	if err != nil {
		return o, &usageError{"-format: " + err.Error()}
	}
	return options{in: *in, out: *out, format: f}, nil
}

// run is the command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "plot:", err)
		return 2
	}
	file, err := os.Open(o.in)
	if err != nil {
		fmt.Fprintf(stderr, "plot: -in %s: cannot read: %v\n", o.in, errors.Unwrap(err))
		return 2
	}
	defer file.Close()
	d, err := plots.Read(file, o.in)
	if err != nil {
		fmt.Fprintln(stderr, "plot:", err)
		return 1
	}
	for _, w := range d.Warnings() {
		fmt.Fprintln(stderr, "plot: warning:", w)
	}
	charts, notes, err := plots.Charts(d)
	for _, n := range notes {
		fmt.Fprintln(stderr, "plot: note:", n)
	}
	if err != nil {
		fmt.Fprintln(stderr, "plot:", err)
		return 1
	}
	for _, c := range charts {
		paths, err := plots.Save(c.Chart, o.out, c.Base, o.format)
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
