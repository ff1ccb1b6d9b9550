package main

import (
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"strconv"
	"strings"
	"time"
)

// ScaleTable renders the BenchmarkScale results of srcs (typically one
// file per scale level) as one table: per requests in flight, strategy and
// connection mode, the medians of overhead-x, p99, client memory per
// in-flight request, goroutines, open files and client CPU per 1k
// requests, and the failures summed over every run.
func ScaleTable(srcs []source) (string, error) {
	var b strings.Builder
	var rows []string
	for _, src := range srcs {
		r, err := readBench(src, "Scale/")
		if err != nil {
			return "", err
		}
		if err := r.need("ns/op", "overhead-x", "p99-ns", "rss-per-req-B", "errors"); err != nil {
			return "", err
		}
		runs := map[int]bool{}
		for _, name := range r.order {
			runs[r.runs(name)] = true
		}
		var counts []string
		for n := range runs {
			counts = append(counts, strconv.Itoa(n))
		}
		d := r.config(resultset.KeyDelay)
		if d == "" { // the model's ideal of a batch of n = c requests is d
			if v, ok := r.median(r.order[0], "ideal-ns"); ok {
				d = time.Duration(v).String()
			}
		}
		fmt.Fprintf(&b, "- `%s`: %s, d = %s, %s runs per row\n",
			src.name, r.describe(), d, strings.Join(sortedStrings(counts), "–"))
		for _, name := range r.order {
			cell := func(unit string, f func(float64) string) string {
				if v, ok := r.summary(name, unit); ok {
					return f(v.Center)
				}
				return "–"
			}
			withSpread := func(unit string, f func(float64) string) string {
				if v, ok := r.summary(name, unit); ok {
					return withSpread(f(v.Center), v)
				}
				return "–"
			}
			errs := r.sum(name, "errors")
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
				key(name, "inflight"), key(name, "strategy"), key(name, "conn"),
				withSpread("overhead-x", func(v float64) string { return fmt.Sprintf("%.3f", v) }),
				withSpread("p99-ns", func(v float64) string { return time.Duration(v).Round(time.Millisecond).String() }),
				cell("rss-per-req-B", kib), cell("heap-per-req-B", kib),
				cell("goroutines", whole), cell("fds", whole),
				cell("cpu-ms-per-1k", func(v float64) string { return fmt.Sprintf("%.1f", v) }),
				whole(errs)))
		}
	}
	b.WriteString("\nMedians over the runs; " + spreadNote + ".\n")
	b.WriteString("\n| in flight | strategy | conn | overhead-x | p99 | RSS / request | heap / request | goroutines | open files | client CPU ms / 1k req | failed |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	return b.String(), nil
}

func kib(v float64) string   { return fmt.Sprintf("%.1f KiB", v/1024) }
func whole(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

func sortedStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}
