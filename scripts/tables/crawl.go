package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// kindCrawl is BenchmarkCrawl's claim-5 table (issue 11).
const kindCrawl = "crawltable"

// CrawlTable renders a BenchmarkCrawl file as the answer to the seed's
// claim 5 ("processes × async multiplies"): for each work per page and
// strategy, pages/s at each GOMAXPROCS, the gain of the highest GOMAXPROCS
// over 1, the ratio to the in-process fan-out at the same setting (for
// worker processes: what they add or cost), and the measured rate as a
// fraction of the roofline model's min(IO roof, CPU roof).
func CrawlTable(src source) (string, error) {
	r, err := readBench(src, "Crawl/")
	if err != nil {
		return "", err
	}
	if err := r.need("pages/s", "io-roof-pages/s", "cpu-roof-pages/s", "overhead-x"); err != nil {
		return "", err
	}
	type row struct {
		work     time.Duration
		workKey  string
		strategy string
		rest     string // pages, hosts, size, c, m
	}
	var rows []row
	var procs []int
	cell := map[string]string{} // row id + procs → name
	for _, name := range r.order {
		g, err := strconv.Atoi(key(name, "procs"))
		if err != nil {
			return "", fmt.Errorf("%s: %s: key procs=%q: want an integer", src.name, name, key(name, "procs"))
		}
		wk := key(name, "work")
		w := time.Duration(0)
		if wk != "0" {
			if w, err = time.ParseDuration(wk); err != nil {
				return "", fmt.Errorf("%s: %s: key work=%q: want 0 or a duration", src.name, name, wk)
			}
		}
		rest := fmt.Sprintf("c=%s m=%s", key(name, "c"), key(name, "m"))
		rw := row{w, wk, key(name, "strategy"), rest}
		if !slices.Contains(rows, rw) {
			rows = append(rows, rw)
		}
		if !slices.Contains(procs, g) {
			procs = append(procs, g)
		}
		cell[fmt.Sprint(rw, g)] = name
	}
	slices.Sort(procs)
	rank := func(s string) int {
		if d, ok := strategy.Lookup(s); ok {
			return d.Rank
		}
		return 1 << 20
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if a.rest != b.rest {
			return strings.Compare(a.rest, b.rest)
		}
		if a.work != b.work {
			return int(a.work - b.work)
		}
		return rank(a.strategy) - rank(b.strategy)
	})
	top, hi := procs[0], procs[len(procs)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "d = %s, %s pages over %s hosts of %s bytes: `%s` (%s); medians over the runs; %s.\n\n",
		r.config(resultset.KeyDelay), r.config("crawl-pages"), r.config("crawl-hosts"), r.config("crawl-page-bytes"), src.name, r.describe(), spreadNote)
	b.WriteString("| c, m | work per page | strategy |")
	for _, g := range procs {
		fmt.Fprintf(&b, " pages/s, GOMAXPROCS %d | of roof |", g)
	}
	if hi != top {
		fmt.Fprintf(&b, " GOMAXPROCS %d ÷ %d |", hi, top)
	}
	fmt.Fprintf(&b, " ÷ %s (GOMAXPROCS %d) |\n", strategy.Fanout, hi)
	b.WriteString("|---|---|---|" + strings.Repeat("---|---|", len(procs)))
	if hi != top {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	med := func(rw row, g int, unit string) (float64, bool) {
		n, ok := cell[fmt.Sprint(rw, g)]
		if !ok {
			return 0, false
		}
		return r.median(n, unit)
	}
	ratio := func(a, b float64, okA, okB bool) string {
		if !okA || !okB || b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	for _, rw := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |", rw.rest, rw.workKey, rw.strategy)
		for _, g := range procs {
			n, ok := cell[fmt.Sprint(rw, g)]
			if !ok {
				b.WriteString(" – | – |")
				continue
			}
			s, _ := r.summary(n, "pages/s")
			io, _ := r.median(n, "io-roof-pages/s")
			cpu, _ := r.median(n, "cpu-roof-pages/s")
			fmt.Fprintf(&b, " %s | %.0f %% |", spread("%.0f", s), 100*s.Center/min(io, cpu))
		}
		if hi != top {
			a, okA := med(rw, hi, "pages/s")
			c, okC := med(rw, top, "pages/s")
			fmt.Fprintf(&b, " %s |", ratio(a, c, okA, okC))
		}
		fan := rw
		fan.strategy = strategy.Fanout
		a, okA := med(rw, hi, "pages/s")
		f, okF := med(fan, hi, "pages/s")
		fmt.Fprintf(&b, " %s |\n", ratio(a, f, okA, okF))
	}
	b.WriteString("\n\"of roof\" is pages/s ÷ min(IO roof, CPU roof) of bench/model.Crawl: the IO roof min(c, m·H, k·H)/d, the CPU roof cores/(parse + work) with the cores the strategy can use at that GOMAXPROCS (procs-fanout: its processes × GOMAXPROCS; sequential: 1). The site runs in its own process on the same cores.\n")
	return b.String(), nil
}
