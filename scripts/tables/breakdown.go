package main

import (
	"fmt"
	"strings"

	"github.com/crawlbench/crawlbench/bench/breakdown"
)

// kindBreakdown is the table of where the time above the ideal goes.
const kindBreakdown = "breakdowntable"

// BreakdownTable renders every result of srcs that carries the overhead
// breakdown (-breakdown; package bench/breakdown): per batch, the excess
// above the ideal, the parts of its timeline (client's and server's) and
// the residual they leave (negative where parts overlap), in ms, medians
// over the runs; then the run-queue delay of every thread, which is not in
// the sum.
func BreakdownTable(srcs []source) (string, error) {
	var b strings.Builder
	parts := breakdown.Parts()
	b.WriteString("| benchmark | overhead-x | excess ms |")
	for _, p := range parts {
		fmt.Fprintf(&b, " %s |", shortPart(p))
	}
	b.WriteString(" residual ms | residual / excess | bursts per batch | client waves per batch | sched ms (all threads, not in the sum) |\n|---|---|---|")
	b.WriteString(strings.Repeat("---|", len(parts)+5) + "\n")
	rows := 0
	var names []string
	for _, src := range srcs {
		r, err := readBench(src, "")
		if err != nil {
			return "", err
		}
		names = append(names, fmt.Sprintf("`%s` (%s)", src.name, r.describe()))
		for _, name := range r.order {
			excess, ok := r.median(name, breakdown.ExcessMetric)
			if !ok {
				continue
			}
			rows++
			ms := func(unit string) float64 { v, _ := r.median(name, unit); return v / 1e6 }
			ox, _ := r.median(name, "overhead-x")
			fmt.Fprintf(&b, "| %s | %.3f | %.2f |", name, ox, excess/1e6)
			for _, p := range parts {
				fmt.Fprintf(&b, " %.2f |", ms(p))
			}
			res := ms(breakdown.ResidualMetric)
			share := "–"
			if excess > 0 {
				share = fmt.Sprintf("%.0f %%", 100*res/(excess/1e6))
			}
			bursts, _ := r.median(name, breakdown.BurstsMetric)
			waves := "–" // not traced, or a file from before the waves
			if w, ok := r.median(name, breakdown.WavesMetric); ok && w > 0 {
				waves = fmt.Sprintf("%.2f", w)
			}
			fmt.Fprintf(&b, " %.2f | %s | %.2f | %s | %.1f |\n", res, share, bursts, waves, ms(breakdown.SchedMetric))
		}
	}
	if rows == 0 {
		return "", fmt.Errorf("%s: no result carries %s (run the benchmarks with -breakdown)", strings.Join(names, ", "), breakdown.ExcessMetric)
	}
	return "Where each batch's time above the ideal goes, ms per batch (medians), from " + strings.Join(names, ", ") +
		"; the parts are the phases of each batch's timeline, from the client's start through the server's burst back to the client's end, and add up, with the residual, to the excess (bench/breakdown's doc says how each is measured; the client's are placed where each client wave holds one server burst (batches of one burst, or as many bursts as client waves, as for sequential and fake-async, whose client-gap is the client's own time between a wave's last response and the next wave's first request), and elsewhere (worker pools, pipelined waves) burst by burst against the server's ring of its latest bursts (GET /_stats/bursts), where client-gap is the time the server had nothing between a batch's bursts; only a group of server processes with several bursts each, or a ring that dropped bursts of the timed batches, leaves the client's side in the residual).\n\n" + b.String(), nil
}

// shortPart names a part's column: "bd-cpu-path-ns" → "cpu-path ms".
func shortPart(metric string) string {
	return strings.TrimSuffix(strings.TrimPrefix(metric, "bd-"), "-ns") + " ms"
}
