package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/crawlbench/crawlbench/bench/histlog"
	"github.com/crawlbench/crawlbench/bench/resultset"
)

// Plotted is what ChartInputs made of a set of results files.
type Plotted struct {
	Charts   []NamedChart
	Notes    []string // charts skipped, and why
	Warnings []string // what the readers noticed but did not reject
}

// kinds reports which readers a results file is for, by the families of
// its results: Read (Seed, Concurrency, Batch), ReadScale, ReadPeers. A
// file with none of these (empty, malformed, other benchmarks) is for
// Read, whose errors say what is wrong with it.
func kinds(b []byte, name string) (suite, scale, peers bool) {
	chartless := false
	for _, res := range resultset.Parse(name, b).Results {
		switch string(res.Name.Base()) {
		case FamilySeed, FamilyConcurrency, FamilyBatch:
			suite = true
		case FamilyScale:
			scale = true
		case FamilyPeers:
			peers = true
		case FamilyPitfall:
			chartless = true
		}
	}
	if !scale && !peers && !chartless {
		suite = true
	}
	return suite, scale, peers
}

// FamilyPitfall is BenchmarkPitfall's family (bench/pitfalls): it has no
// chart; its table (scripts/tables' pitfalltable) is the picture.
const FamilyPitfall = "Pitfall"

// ChartInputs reads results files of any of crawlbench's kinds and renders
// every chart they hold the data for:
//
//   - a file with BenchmarkSeed, BenchmarkConcurrency or BenchmarkBatch
//     results: Read and Charts, one file at a time (one delay per file);
//   - the files with BenchmarkScale results, typically one per level of
//     requests in flight: together, ReadScale and ScaleCharts;
//   - a file with BenchmarkPeers results (scripts/peers): ReadPeers and
//     PeersCharts;
//   - a bench/openloop file (BenchmarkOpenLoop, Stall, Pacer):
//     ReadOpenLoop and HockeyCharts;
//   - a bench/network file (BenchmarkNetwork, Streams): ReadNetwork and
//     AllNetworkCharts.
//   - a bench/crawl file (BenchmarkCrawl): ReadCrawl and CrawlCharts.
//
// Notes say which charts were skipped because their benchmarks are absent.
// It is an error if an input cannot be read or plotted, or if two inputs
// give charts of the same name (plot them into separate directories).
func ChartInputs(inputs ...Input) (*Plotted, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("plots: no results file")
	}
	out := &Plotted{}
	from := map[string]string{} // chart base → input
	add := func(name string, charts []NamedChart) error {
		for _, c := range charts {
			if other, ok := from[c.Base]; ok {
				return fmt.Errorf("plots: %s and %s both give chart %s: plot them into separate directories", other, name, c.Base)
			}
			from[c.Base] = name
			out.Charts = append(out.Charts, c)
		}
		return nil
	}
	var scale, peers []Input
	var bd breakdownInputs
	suites := 0
	for i, in := range inputs {
		if in.Name == "" {
			in.Name = fmt.Sprintf("<input %d>", i+1)
		}
		if in.R == nil {
			return nil, fmt.Errorf("plots: %s: no reader", in.Name)
		}
		b, err := io.ReadAll(in.R)
		if err != nil {
			return nil, fmt.Errorf("plots: read %s: %w", in.Name, err)
		}
		bdBefore := len(bd.rows)
		if err := bd.read(in.Name, b); err != nil {
			return nil, err
		}
		hasBreakdown := len(bd.rows) > bdBefore
		if done, err := familyCharts(out, add, b, in.Name); done || err != nil {
			if err != nil {
				return out, err
			}
			continue
		}
		isSuite, isScale, isPeers := kinds(b, in.Name)
		if !isSuite && !isScale && !isPeers {
			out.Notes = append(out.Notes, in.Name+": BenchmarkPitfall has no chart; its table is the picture (scripts/tables pitfalltable)")
			continue
		}
		if isScale {
			scale = append(scale, Input{Name: in.Name, R: bytes.NewReader(b)})
		}
		if isPeers {
			peers = append(peers, Input{Name: in.Name, R: bytes.NewReader(b)})
		}
		if !isSuite {
			continue
		}
		suites++
		d, err := Read(bytes.NewReader(b), in.Name)
		if err != nil {
			return nil, err
		}
		out.Warnings = append(out.Warnings, d.Warnings()...)
		charts, notes, err := Charts(d)
		out.Notes = append(out.Notes, notes...)
		if errors.Is(err, errNothingToPlot) && hasBreakdown {
			// Its rows go to the breakdown chart (a -breakdown run of a
			// few rows, with no sequential row for the speed-up bars).
			out.Notes = append(out.Notes, err.Error()+" but its breakdown")
			continue
		}
		if err != nil {
			return out, err
		}
		if err := add(in.Name, charts); err != nil {
			return out, err
		}
	}
	if suites == 0 {
		out.Notes = append(out.Notes, "no BenchmarkSeed, BenchmarkConcurrency or BenchmarkBatch results: skipping the concurrency-*, batch-wall-* and seed-speedup-* charts")
	}

	if len(scale) == 0 {
		out.Notes = append(out.Notes, "no BenchmarkScale results: skipping the scale-memory, scale-overhead and scale-cpu charts")
	} else {
		d, err := ReadScale(scale...)
		if err != nil {
			return out, err
		}
		out.Warnings = append(out.Warnings, d.Warnings()...)
		charts, notes, err := ScaleCharts(d)
		out.Notes = append(out.Notes, notes...)
		if err != nil {
			return out, err
		}
		var names []string
		for _, in := range scale {
			names = append(names, in.Name)
		}
		if err := add(strings.Join(names, ", "), charts); err != nil {
			return out, err
		}
	}

	if len(peers) == 0 {
		out.Notes = append(out.Notes, "no BenchmarkPeers results: skipping the peers-throughput chart")
	}
	for _, in := range peers {
		d, err := ReadPeers(in.R, in.Name)
		if err != nil {
			return out, err
		}
		out.Warnings = append(out.Warnings, d.Warnings()...)
		charts, notes, err := PeersCharts(d)
		out.Notes = append(out.Notes, notes...)
		if err != nil {
			return out, err
		}
		if err := add(in.Name, charts); err != nil {
			return out, err
		}
	}
	if err := bd.chart(out, add); err != nil {
		return out, err
	}
	return out, nil
}

// ChartFiles is ChartInputs on the files at paths, each named by its path,
// plus the percentile spectrum charts (SpectrumCharts) of the Seed and
// Scale cells, and the stall spectrum (StallSpectrum), of each file whose
// histogram log (bench/histlog.PathFor) lies beside it.
func ChartFiles(paths ...string) (*Plotted, error) {
	var inputs []Input
	for _, p := range paths {
		b, err := resultset.ReadFile(p, 0)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		inputs = append(inputs, Input{Name: p, R: bytes.NewReader(b)})
	}
	out, err := ChartInputs(inputs...)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range out.Charts {
		seen[c.Base] = true
	}
	for _, p := range paths {
		hp := histlog.PathFor(p)
		if _, err := os.Stat(hp); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		all, err := histlog.ReadFile(hp)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		// Spectra of the families whose cells compare strategies at one
		// size (Seed, Scale); Concurrency and Batch vary c and n, which
		// their latency charts already draw.
		footnote := "latency histograms: " + filepath.Base(hp) + ", every run of a cell merged"
		if sp, err := StallSpectrum(all, footnote); err != nil {
			return nil, err
		} else if sp != nil && !seen[sp.Base] {
			seen[sp.Base] = true
			out.Charts = append(out.Charts, *sp)
		}
		var entries []histlog.Entry
		for _, e := range all {
			if fam, _, _ := strings.Cut(e.Cell, "/"); fam == FamilySeed || fam == FamilyScale {
				entries = append(entries, e)
			}
		}
		if len(entries) == 0 {
			continue
		}
		charts, err := SpectrumCharts(entries, footnote)
		if err != nil {
			return nil, err
		}
		for _, c := range charts {
			if seen[c.Base] {
				return nil, fmt.Errorf("plots: two inputs give a chart named %s (%s): plot them into separate directories", c.Base, hp)
			}
			seen[c.Base] = true
			out.Charts = append(out.Charts, c)
		}
	}
	return out, nil
}

// Bases returns the base names of the charts, in order.
func (p *Plotted) Bases() []string {
	var out []string
	for _, c := range p.Charts {
		out = append(out, c.Base)
	}
	return out
}

// sourceLabel is how a chart's footnote names an input file: results/NAME
// for a file in a results directory, else its base name, so that a chart
// drawn from an absolute path (a test, a clean clone) is byte for byte the
// one drawn from the module root.
func sourceLabel(name string) string {
	base := filepath.Base(name)
	if filepath.Base(filepath.Dir(name)) == "results" {
		return "results/" + base
	}
	return base
}

// familyReader charts the files of one family that charts on its own: ok
// when the file is its family's; notes says whether its messages are notes
// rather than warnings.
type familyReader struct {
	read  func(b []byte, name string) ([]NamedChart, []string, bool, error)
	notes bool
}

// familyReaders lists them: the open loop, the network, the crawl.
func familyReaders() []familyReader {
	return []familyReader{{openLoopCharts, false}, {networkFileCharts, true}, {crawlFileCharts, false}}
}

// familyCharts charts b with the first of familyReaders that owns it and
// reports whether one did.
func familyCharts(out *Plotted, add func(string, []NamedChart) error, b []byte, name string) (bool, error) {
	for _, r := range familyReaders() {
		charts, msgs, ok, err := r.read(b, name)
		if !ok {
			continue
		}
		if err != nil {
			return true, err
		}
		if r.notes {
			out.Notes = append(out.Notes, msgs...)
		} else {
			out.Warnings = append(out.Warnings, msgs...)
		}
		return true, add(name, charts)
	}
	return false, nil
}
