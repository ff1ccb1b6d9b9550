package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// ScaleSummary renders a front page's cut of ScaleTable: per results file,
// requests in flight and connection mode, the strategy with the lowest
// median overhead-x, its overhead-x and memory per request, beside the
// naive http.Get fan-out's overhead-x.
func ScaleSummary(srcs []source) (string, error) {
	var b strings.Builder
	var names []string
	for _, src := range srcs {
		names = append(names, "`"+src.name+"`")
	}
	fmt.Fprintf(&b, "Medians over the runs of %s:\n\n", strings.Join(names, ", "))
	b.WriteString("| in flight | conn | best strategy | its overhead-x | its RSS / request | naive-httpget overhead-x |\n|---|---|---|---|---|---|\n")
	for _, src := range srcs {
		r, err := readBench(src, "Scale/")
		if err != nil {
			return "", err
		}
		if err := r.need("overhead-x", "rss-per-req-B"); err != nil {
			return "", err
		}
		type level struct{ inflight, conn string }
		var levels []level
		best := map[level]string{}
		naive := map[level]string{}
		for _, name := range r.order {
			l := level{key(name, "inflight"), key(name, "conn")}
			if !slices.Contains(levels, l) {
				levels = append(levels, l)
			}
			if d, ok := strategy.Lookup(key(name, "strategy")); ok && d.Baseline {
				naive[l] = name
				continue
			}
			v, _ := r.median(name, "overhead-x")
			if cur, ok := best[l]; !ok || v < must(r.median(cur, "overhead-x")) {
				best[l] = name
			}
		}
		for _, l := range levels {
			name, ok := best[l]
			if !ok {
				continue
			}
			over, _ := r.median(name, "overhead-x")
			rss, _ := r.median(name, "rss-per-req-B")
			nv := "–"
			if n, ok := naive[l]; ok {
				nv = fmt.Sprintf("%.3f", must(r.median(n, "overhead-x")))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.3f | %s | %s |\n", l.inflight, l.conn, key(name, "strategy"), over, kib(rss), nv)
		}
	}
	return b.String(), nil
}

// must returns v, or NaN when ok is false.
func must(v float64, ok bool) float64 {
	if !ok {
		return math.NaN()
	}
	return v
}

// HarnessTable renders what the harness itself costs: the median time of
// each microbenchmark (BenchmarkRecord…) and, for BenchmarkServerAdded, the
// p50 and p99 the bundled server adds above d.
func HarnessTable(srcs []source) (string, error) {
	var b strings.Builder
	var names []string
	for _, src := range srcs {
		names = append(names, "`"+src.name+"`")
	}
	fmt.Fprintf(&b, "Medians over the runs of %s; %s.\n\n", strings.Join(names, ", "), spreadNote)
	b.WriteString("| benchmark | what | median | runs |\n|---|---|---|---|\n")
	for _, src := range srcs {
		r, err := readBench(src, "")
		if err != nil {
			return "", err
		}
		for _, name := range r.order {
			row := func(what, unit string, f func(float64) string) {
				s, _ := r.summary(name, unit)
				fmt.Fprintf(&b, "| %s | %s | %s | %d |\n", name, what, withSpread(f(s.Center), s), r.runs(name))
			}
			if _, ok := r.summary(name, "added-p99-ns"); ok {
				row("added above d, p50", "added-p50-ns", ms)
				row("added above d, p99", "added-p99-ns", ms)
				continue
			}
			if _, ok := r.summary(name, "ns/op"); !ok {
				return "", fmt.Errorf("%s: %s has no ns/op", src.name, name)
			}
			row("time per op", "ns/op", func(v float64) string { return fmt.Sprintf("%.1f ns", v) })
		}
	}
	return b.String(), nil
}

// ms formats nanoseconds as milliseconds with two decimals.
func ms(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }
