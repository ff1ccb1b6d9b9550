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

// crawlRow is one row of the claim-5 table: a case without its GOMAXPROCS
// (Go) or its strategy (Python).
type crawlRow struct {
	work     time.Duration
	workKey  string
	strategy string // "" in a Python row
	rest     string // c, m
}

// CrawlTable renders a BenchmarkCrawl file as the answer to the seed's
// claim 5 ("processes × async multiplies"), in two tables. Go: for each
// work per page and crawler, pages/s at each GOMAXPROCS, the gain of the
// highest GOMAXPROCS over the lowest, and the ratio to the in-process
// fan-out (for procs-fanout: what worker processes add or cost). Python:
// for each work per page, asyncio's and processes × asyncio's pages/s and
// their ratio. Every cell shows its fraction of the roofline: of the pure
// model's roof and of the roof with the CPU measured in that cell.
func CrawlTable(src source) (string, error) {
	r, err := readBench(src, "Crawl/")
	if err != nil {
		return "", err
	}
	if err := r.need("pages/s", "io-roof-pages/s", "cpu-roof-pages/s", "overhead-x"); err != nil {
		return "", err
	}
	var goRows, pyRows []crawlRow
	var procs []int
	cell := map[string]string{} // row + procs (Go) or row + strategy (Python) → name
	for _, name := range r.order {
		g, err := strconv.Atoi(key(name, "gomaxprocs"))
		if err != nil {
			return "", fmt.Errorf("%s: %s: key gomaxprocs=%q: want an integer", src.name, name, key(name, "gomaxprocs"))
		}
		wk := key(name, "work")
		w := time.Duration(0)
		if wk != "0" {
			if w, err = time.ParseDuration(wk); err != nil {
				return "", fmt.Errorf("%s: %s: key work=%q: want 0 or a duration", src.name, name, wk)
			}
		}
		rest := fmt.Sprintf("c=%s m=%s", key(name, "c"), key(name, "m"))
		st := key(name, "strategy")
		if d, ok := strategy.Lookup(st); ok && d.RunsPython() {
			rw := crawlRow{w, wk, "", rest}
			if !slices.Contains(pyRows, rw) {
				pyRows = append(pyRows, rw)
			}
			cell[fmt.Sprint(rw, st)] = name
			continue
		}
		rw := crawlRow{w, wk, st, rest}
		if !slices.Contains(goRows, rw) {
			goRows = append(goRows, rw)
		}
		if !slices.Contains(procs, g) {
			procs = append(procs, g)
		}
		cell[fmt.Sprint(rw, g)] = name
	}
	slices.Sort(procs)
	sortCrawlRows(goRows)
	sortCrawlRows(pyRows)
	var b strings.Builder
	fmt.Fprintf(&b, "d = %s, %s pages over %s hosts of %s bytes: `%s` (%s); medians over the runs; %s.\n\n",
		r.config(resultset.KeyDelay), r.config("crawl-pages"), r.config("crawl-hosts"), r.config("crawl-page-bytes"), src.name, r.describe(), spreadNote)
	// rate is a cell's pages/s with its fractions of the two roofs.
	rate := func(n string) string {
		s, _ := r.summary(n, "pages/s")
		io, _ := r.median(n, "io-roof-pages/s")
		cpu, _ := r.median(n, "cpu-roof-pages/s")
		frac := fmt.Sprintf("%.0f %%", 100*s.Center/min(io, cpu))
		if meas, ok := r.median(n, "measured-cpu-roof-pages/s"); ok && meas > 0 {
			frac += fmt.Sprintf(" / %.0f %%", 100*s.Center/meas)
		}
		return fmt.Sprintf(" %s | %s |", spread("%.0f", s), frac)
	}
	ratio := func(a, b string) string {
		if a == "" || b == "" {
			return "–"
		}
		x, okA := r.median(a, "pages/s")
		y, okB := r.median(b, "pages/s")
		if !okA || !okB || y == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", x/y)
	}
	if len(goRows) > 0 {
		top, hi := procs[0], procs[len(procs)-1]
		b.WriteString("Go crawlers:\n\n| c, m | work per page | strategy |")
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
		for _, rw := range goRows {
			fmt.Fprintf(&b, "| %s | %s | %s |", rw.rest, rw.workKey, rw.strategy)
			for _, g := range procs {
				if n, ok := cell[fmt.Sprint(rw, g)]; ok {
					b.WriteString(rate(n))
				} else {
					b.WriteString(" – | – |")
				}
			}
			if hi != top {
				fmt.Fprintf(&b, " %s |", ratio(cell[fmt.Sprint(rw, hi)], cell[fmt.Sprint(rw, top)]))
			}
			fan := rw
			fan.strategy = strategy.Fanout
			fmt.Fprintf(&b, " %s |\n", ratio(cell[fmt.Sprint(rw, hi)], cell[fmt.Sprint(fan, hi)]))
		}
		b.WriteString("\n")
	}
	if len(pyRows) > 0 {
		one, many := strategy.PyCrawlAsyncio, strategy.PyCrawlProcsAsyncio
		fmt.Fprintf(&b, "Python crawlers (P = %s processes; GOMAXPROCS does not apply):\n\n", r.config(resultset.KeyProcs))
		fmt.Fprintf(&b, "| c, m | work per page | pages/s, %s | of roof | pages/s, %s | of roof | %s ÷ %s |\n", one, many, many, one)
		b.WriteString("|---|---|---|---|---|---|---|\n")
		for _, rw := range pyRows {
			fmt.Fprintf(&b, "| %s | %s |", rw.rest, rw.workKey)
			for _, st := range []string{one, many} {
				if n, ok := cell[fmt.Sprint(rw, st)]; ok {
					b.WriteString(rate(n))
				} else {
					b.WriteString(" – | – |")
				}
			}
			fmt.Fprintf(&b, " %s |\n", ratio(cell[fmt.Sprint(rw, many)], cell[fmt.Sprint(rw, one)]))
		}
		b.WriteString("\n")
	}
	b.WriteString("\"of roof\" is pages/s ÷ the roof of bench/model.Crawl, min(IO roof, CPU roof): first the pure model's (IO roof min(c, m·H, k·H)/d, CPU roof cores/(parse + work), with the cores the strategy can use: GOMAXPROCS, procs-fanout's processes × GOMAXPROCS, 1 for sequential and for Python's asyncio (the GIL), min(P, cores) for Python's processes × asyncio; a Python crawler's parse is its measured CPU per page), then, after the slash, the roof with the CPU measured in that cell: the crawler's (HTTP stack included) on its cores and the site's, which runs in its own process on the same cores, on the machine's.\n")
	return b.String(), nil
}

// sortCrawlRows orders rows by c and m, work, then the registry's order.
func sortCrawlRows(rows []crawlRow) {
	rank := func(s string) int {
		if d, ok := strategy.Lookup(s); ok {
			return d.Rank
		}
		return 1 << 20
	}
	slices.SortStableFunc(rows, func(a, b crawlRow) int {
		if a.rest != b.rest {
			return strings.Compare(a.rest, b.rest)
		}
		if a.work != b.work {
			return int(a.work - b.work)
		}
		return rank(a.strategy) - rank(b.strategy)
	})
}
