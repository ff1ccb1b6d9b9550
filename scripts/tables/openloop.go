package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// kindOpenLoop is the "Closed loop vs open loop" block: bench/openloop's
// pacer (ours beside vegeta), stall and hockey-stick tables.
const kindOpenLoop = "openlooptable"

// vegetaName is the strategy= of vegeta's rows (bench/openloop.Vegeta).
const vegetaName = "vegeta"

// OpenLoopTable renders a bench/openloop results file: the pacer's
// accuracy beside vegeta's at the same rates, the stall experiment's
// percentiles beside model.Stall's, and the p99 of each hockey-stick
// point beside the FIFO model's. Sections whose benchmarks the file lacks
// are left out; a file with none of them is an error.
func OpenLoopTable(src source) (string, error) {
	if _, err := checked(src); err != nil {
		return "", err
	}
	var b strings.Builder
	ms := func(ns float64) string { return fmtDur(time.Duration(ns)) }
	fmt.Fprintf(&b, "`%s`", src.name)
	if r, err := readBench(src, "Pacer/"); err == nil {
		if err := r.need("target-req/s", "achieved-x", "lag-p50-ns", "lag-p99-ns", "lag-max-ns", "uncorrected-p99-ns", "p99-ns", "errors"); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, ": %s.\n\nPacer accuracy (%s; a server of unlimited capacity; medians of %d run(s)):\n\n", r.describe(), r.config("pacer"), r.runs(r.order[0]))
		b.WriteString("| rate (req/s) | sender | achieved ÷ target | lag p50 | lag p99 | lag max | p99 uncorrected | p99 corrected | failed |\n|---|---|---|---|---|---|---|---|---|\n")
		var rates []string
		for _, n := range r.order {
			if rt := key(n, "rate"); !containsStr(rates, rt) {
				rates = append(rates, rt)
			}
		}
		for _, rt := range rates {
			for _, s := range []string{strategy.FastHTTP, strategy.Fanout, vegetaName} {
				// Our pacer's rows carry sleep= (how it waits); vegeta's and
				// older files' do not.
				for _, sleep := range []string{"", "timer", "nanosleep"} {
					n := "Pacer/strategy=" + s + "/rate=" + rt
					sender := s
					if sleep != "" {
						n += "/sleep=" + sleep
						sender += ", " + sleep
					}
					if r.cells[n] == nil {
						continue
					}
					pacerRow(&b, r, n, rt, sender, ms)
				}
			}
		}
	} else {
		b.WriteString(".\n")
	}
	return openLoopRest(&b, src, ms)
}

// pacerRow writes one row of the pacer table.
func pacerRow(b *strings.Builder, r *bench, n, rt, sender string, ms func(float64) string) {
	med := func(u string) float64 { v, _ := r.median(n, u); return v }
	fmt.Fprintf(b, "| %s | %s | %.4f | %s | %s | %s | %s | %s | %s |\n", rt, sender, med("achieved-x"),
		ms(med("lag-p50-ns")), ms(med("lag-p99-ns")), ms(med("lag-max-ns")), ms(med("uncorrected-p99-ns")), ms(med("p99-ns")),
		strconv.FormatFloat(r.sum(n, "errors"), 'f', 0, 64))
}

// openLoopRest writes the stall and hockey-stick sections.
func openLoopRest(b *strings.Builder, src source, ms func(float64) string) (string, error) {
	sections := 0
	if r, err := readBench(src, "Stall/"); err == nil {
		sections++
		if err := r.need("p99-ns", "uncorrected-p99-ns", "model-uncorrected-p99-ns", "model-p99-ns", "model-factor-p99"); err != nil {
			return "", err
		}
		fmt.Fprintf(b, "\nStall (%s; d = %s):\n\n", r.config("stall"), r.config("delay"))
		b.WriteString("| loop | p50 uncorr. | p99 uncorr. | p99.9 uncorr. | model p99 uncorr. | p50 corr. | p99 corr. | p99.9 corr. | model p99 corr. |\n|---|---|---|---|---|---|---|---|---|\n")
		var p99 = map[string]float64{}
		for _, n := range r.order {
			med := func(u string) float64 { v, _ := r.median(n, u); return v }
			loop := key(n, "loop")
			p99[loop] = med("uncorrected-p99-ns")
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", loop,
				ms(med("uncorrected-p50-ns")), ms(med("uncorrected-p99-ns")), ms(med("uncorrected-p99.9-ns")), ms(med("model-uncorrected-p99-ns")),
				ms(med("p50-ns")), ms(med("p99-ns")), ms(med("p99.9-ns")), ms(med("model-p99-ns")))
		}
		if p99["closed"] > 0 && p99["open"] > 0 {
			f, _ := r.median(r.order[0], "model-factor-p99")
			fmt.Fprintf(b, "\nOpen-loop p99 ÷ closed-loop p99 (as each measures itself, uncorrected): %.1f measured, %.1f by the model.\n", p99["open"]/p99["closed"], f)
		}
	}
	if r, err := readBench(src, "OpenLoop/"); err == nil {
		sections++
		if err := r.need("target-req/s", "p99-ns", "model-p99-ns", "errors"); err != nil {
			return "", err
		}
		var strategies, rows []string
		for _, n := range r.order {
			if s := key(n, "strategy"); !containsStr(strategies, s) {
				strategies = append(strategies, s)
			}
			row := "server=" + key(n, "server") + "/arrival=" + key(n, "arrival") + "/load=" + key(n, "load")
			if !containsStr(rows, row) {
				rows = append(rows, row)
			}
		}
		fmt.Fprintf(b, "\nHockey stick, corrected p99 (measured ÷ model in brackets), %s per point:\n\n| server | arrivals | load (%% of k/d) | req/s | model p99 |", r.config("duration"))
		for _, s := range strategies {
			b.WriteString(" " + s + " |")
		}
		b.WriteString("\n|---|---|---|---|---|" + strings.Repeat("---|", len(strategies)) + "\n")
		for _, row := range rows {
			parts := strings.Split(row, "/")
			var first string
			for _, s := range strategies {
				if n := "OpenLoop/" + parts[0] + "/strategy=" + s + "/" + parts[1] + "/" + parts[2]; r.cells[n] != nil && first == "" {
					first = n
				}
			}
			rate, _ := r.median(first, "target-req/s")
			model, _ := r.median(first, "model-p99-ns")
			fmt.Fprintf(b, "| %s | %s | %s | %.0f | %s |", key(first, "server"), key(first, "arrival"), strings.TrimSuffix(key(first, "load"), "pct"), rate, ms(model))
			for _, s := range strategies {
				n := "OpenLoop/" + parts[0] + "/strategy=" + s + "/" + parts[1] + "/" + parts[2]
				v, ok := r.median(n, "p99-ns")
				if !ok {
					b.WriteString(" – |")
					continue
				}
				fmt.Fprintf(b, " %s (%.2f) |", ms(v), v/model)
			}
			b.WriteString("\n")
		}
	}
	if sections == 0 && !strings.Contains(b.String(), "Pacer accuracy") {
		return "", fmt.Errorf("%s: no Pacer, Stall or OpenLoop results", src.name)
	}
	return b.String(), nil
}

// fmtDur rounds d for a table: µs below 10 ms, else 0.1 ms.
func fmtDur(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
