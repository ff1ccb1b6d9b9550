package main

import (
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"slices"
	"strconv"
	"strings"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// ConcurrencyTable renders the BenchmarkConcurrency results of src as two
// tables of medians over the runs. Servers without a capacity limit (no
// capacity-rps metric) get overhead-x (measured ÷ the model's ideal) per
// strategy and connection mode against c; servers with capacity k get
// req/s against c beside their ceiling k / d, so the knee at c = k reads
// off a row. sequential (c = 1 only) is left out: it is the c = 1 column's
// reference in the charts.
func ConcurrencyTable(src source) (string, error) { return concurrencyTable(src, false) }

// ConcurrencySummary renders a front page's cut of ConcurrencyTable: the
// overhead-x of the server without any limit (server=unlimited) at every
// other c (1, 4, 16, …), and no capacity table.
func ConcurrencySummary(src source) (string, error) { return concurrencyTable(src, true) }

func concurrencyTable(src source, compact bool) (string, error) {
	r, err := readBench(src, "Concurrency/")
	if err != nil {
		return "", err
	}
	if err := r.need("ns/op", "overhead-x", "req/s", "errors"); err != nil {
		return "", err
	}
	type row struct{ server, strategy, conn string }
	var open, capped []row
	seenRow := map[row]bool{}
	var cs []int
	var runs []string
	var failed float64
	for _, name := range r.order {
		c, err := strconv.Atoi(key(name, "c"))
		if err != nil || c < 1 {
			return "", fmt.Errorf("%s: %s: no c=N in the name", src.name, name)
		}
		failed += r.sum(name, "errors")
		if n := strconv.Itoa(r.runs(name)); !slices.Contains(runs, n) {
			runs = append(runs, n)
		}
		rw := row{key(name, "server"), key(name, "strategy"), key(name, "conn")}
		if rw.strategy == strategy.Sequential {
			continue
		}
		if !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
		if seenRow[rw] {
			continue
		}
		seenRow[rw] = true
		if _, ok := r.median(name, "capacity-rps"); ok {
			capped = append(capped, rw)
		} else {
			open = append(open, rw)
		}
	}
	slices.Sort(cs)
	if compact {
		open = slices.DeleteFunc(open, func(rw row) bool { return rw.server != "unlimited" })
		capped = nil
		var every []int
		for i, c := range cs {
			if i%2 == 0 {
				every = append(every, c)
			}
		}
		cs = every
		if len(open) == 0 {
			return "", fmt.Errorf("%s: no server=unlimited results", src.name)
		}
	}
	name := func(rw row, c int) string {
		return fmt.Sprintf("Concurrency/server=%s/strategy=%s/conn=%s/c=%d", rw.server, rw.strategy, rw.conn, c)
	}
	header := func(first, last string) string {
		var h, sep strings.Builder
		h.WriteString("| " + first + " |")
		sep.WriteString("|" + strings.Repeat("---|", strings.Count(first, "|")+1))
		for _, c := range cs {
			fmt.Fprintf(&h, " c=%d |", c)
			sep.WriteString("---|")
		}
		if last != "" {
			h.WriteString(" " + last + " |")
			sep.WriteString("---|")
		}
		return h.String() + "\n" + sep.String() + "\n"
	}
	var b strings.Builder
	slices.Sort(runs)
	if compact {
		fmt.Fprintf(&b, "overhead-x (batch wall time ÷ the model's ideal) against requests in flight c, server without a capacity limit; `%s`, d = %s, median of %s runs per cell:\n\n",
			src.name, r.config(resultset.KeyDelay), strings.Join(runs, "–"))
	} else {
		fmt.Fprintf(&b, "`%s`: %s, d = %s, median of %s runs per cell, %s failed requests in all; %s.\n",
			src.name, r.describe(), r.config(resultset.KeyDelay), strings.Join(runs, "–"), whole(failed), spreadNote)
	}
	if len(open) > 0 && !compact {
		b.WriteString("\noverhead-x (batch wall time ÷ the model's ideal) against requests in flight c, servers without a capacity limit:\n\n")
	}
	if len(open) > 0 {
		first := "server | strategy | conn"
		if compact { // one server: its name is in the heading line
			first = "strategy | conn"
		}
		b.WriteString(header(first, ""))
		for _, rw := range open {
			if compact {
				fmt.Fprintf(&b, "| %s | %s |", rw.strategy, rw.conn)
			} else {
				fmt.Fprintf(&b, "| %s | %s | %s |", rw.server, rw.strategy, rw.conn)
			}
			for _, c := range cs {
				if v, ok := r.summary(name(rw, c), "overhead-x"); ok {
					fmt.Fprintf(&b, " %s |", spread("%.3f", v))
				} else {
					b.WriteString(" – |")
				}
			}
			b.WriteString("\n")
		}
	}
	if len(capped) > 0 {
		b.WriteString("\nreq/s against requests in flight c, servers of capacity k (at most k requests in service, the rest queue); the last column is the ceiling k / d:\n\n")
		b.WriteString(header("server | strategy | conn", "k / d"))
		for _, rw := range capped {
			fmt.Fprintf(&b, "| %s | %s | %s |", rw.server, rw.strategy, rw.conn)
			ceiling := "–"
			for _, c := range cs {
				n := name(rw, c)
				if v, ok := r.summary(n, "req/s"); ok {
					fmt.Fprintf(&b, " %s |", withSpread(rate(v.Center), v))
				} else {
					b.WriteString(" – |")
				}
				if v, ok := r.median(n, "capacity-rps"); ok {
					ceiling = rate(v)
				}
			}
			b.WriteString(" " + ceiling + " |\n")
		}
	}
	return b.String(), nil
}

// rate formats a request rate with three significant digits or more.
func rate(v float64) string {
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
