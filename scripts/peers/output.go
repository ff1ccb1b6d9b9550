package main

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/scripts/resultsfile"
)

// median returns the median of xs as bench/resultset summarises a cell
// (the mean of the middle two for an even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return resultset.Summarize(xs).Center
}

// summary is the medians of one tool at one c over the rounds.
type summary struct {
	rps, p99, cpu float64 // p99 in seconds
	errors        int64   // summed over rounds
	runs          int
}

// summarize groups the measurements by c and tool.
func summarize(ms []measurement) map[int]map[string]summary {
	type key struct {
		c    int
		tool string
	}
	rps, p99, cpu := map[key][]float64{}, map[key][]float64{}, map[key][]float64{}
	errs := map[key]int64{}
	for _, m := range ms {
		k := key{m.c, m.tool}
		rps[k] = append(rps[k], m.rps)
		p99[k] = append(p99[k], m.p99.Seconds())
		cpu[k] = append(cpu[k], m.cpuPer1k())
		errs[k] += m.errors
	}
	out := map[int]map[string]summary{}
	for k := range rps {
		if out[k.c] == nil {
			out[k.c] = map[string]summary{}
		}
		out[k.c][k.tool] = summary{rps: median(rps[k]), p99: median(p99[k]), cpu: median(cpu[k]), errors: errs[k], runs: len(rps[k])}
	}
	return out
}

// ratio describes a ÷ b, or "–" when either is missing or b is 0.
func ratio(a, b float64, okA, okB bool) string {
	if !okA || !okB || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// comparison is one ratio column: ours ÷ theirs.
type comparison struct {
	ours   []string // the best of these is "ours"
	theirs string
	goal   float64 // least req/s ratio the project aims for
}

func comparisons() []comparison {
	return []comparison{
		{[]string{toolFastHTTP}, toolBombardier, 1},
		{[]string{toolFanout}, toolHey, 1},
		{[]string{toolFanout, toolFastHTTP}, toolWrk, 0.9},
	}
}

// renderTables returns the medians table and the ratios table, as
// Markdown (every line starts with "|" or is blank or a heading comment
// that benchfmt ignores).
func renderTables(ms []measurement, o options) string {
	sum := summarize(ms)
	var b strings.Builder
	fmt.Fprintf(&b, "\n| c | tool | req/s (median of %d) | p99 | errors | CPU ms per 1k requests |\n|---|---|---|---|---|---|\n", o.rounds)
	for _, c := range o.conns {
		for _, t := range o.tools {
			s, ok := sum[c][t]
			if !ok {
				continue
			}
			name := t
			if isOurs(t) {
				name = "crawlbench " + t
			}
			fmt.Fprintf(&b, "| %d | %s | %.0f | %v | %d | %.1f |\n", c, name, s.rps, time.Duration(s.p99*float64(time.Second)).Round(time.Microsecond), s.errors, s.cpu)
		}
	}
	fmt.Fprintf(&b, "\n| c | ours | theirs | req/s ours ÷ theirs | goal | p99 ours ÷ theirs (lower is better) |\n|---|---|---|---|---|---|\n")
	for _, c := range o.conns {
		for _, cmp := range comparisons() {
			best, bestOK := "", false
			for _, t := range cmp.ours {
				if s, ok := sum[c][t]; ok && (!bestOK || s.rps > sum[c][best].rps) {
					best, bestOK = t, true
				}
			}
			th, thOK := sum[c][cmp.theirs]
			if !bestOK || !thOK {
				continue
			}
			ours := sum[c][best]
			r := ratio(ours.rps, th.rps, true, true)
			verdict := "met"
			if th.rps > 0 && ours.rps/th.rps < cmp.goal {
				verdict = "NOT met"
			}
			label := best
			if len(cmp.ours) > 1 {
				label = "best (" + best + ")"
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | ≥ %.1f: %s | %s |\n", c, label, cmp.theirs, r, cmp.goal, verdict, ratio(ours.p99, th.p99, true, true))
		}
	}
	return b.String()
}

// writeResults writes the results file and the raw-output file, both with
// the provenance header, and returns their paths.
func writeResults(o options, prov resultsfile.Provenance, ts *toolset, ms []measurement, tables string) ([]string, error) {
	var paths []string
	write := func(label string, body func(w io.Writer) error) error {
		f, err := resultsfile.Create(o.out, resultsfile.Name(prov, label))
		if err != nil {
			return err
		}
		paths = append(paths, f.Name())
		w := bufio.NewWriter(f)
		if _, err := io.WriteString(w, prov.Header()); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
		if err := body(w); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", f.Name(), err)
		}
		return nil
	}
	config := func(w io.Writer) {
		for _, kv := range [][2]any{
			{resultset.KeyGOMAXPROCS, runtime.GOMAXPROCS(0)}, {resultset.KeyNumCPU, runtime.NumCPU()},
			{resultset.KeyGOOS, runtime.GOOS}, {resultset.KeyGOARCH, runtime.GOARCH},
			{resultset.KeyPeersDuration, o.duration}, {resultset.KeyPeersRounds, o.rounds},
			{resultset.KeyPeersReqTimeout, o.reqTimeout}, {resultset.KeyPeersWrkThreads, o.wrkThreads},
			{resultset.KeyPeersServer, "slowserver -delay 0s, its own process"},
		} {
			fmt.Fprintf(w, "%s: %v\n", kv[0], kv[1])
		}
		for _, t := range o.tools {
			if v := ts.versions[t]; v != "" {
				fmt.Fprintf(w, "%s%s: %s\n", resultset.KeyPeersToolPrefix, t, v)
			}
		}
	}
	err := write(o.label, func(w io.Writer) error {
		config(w)
		for _, m := range ms {
			fmt.Fprintf(w, "BenchmarkPeers/c=%d/tool=%s 1 %d ns/op %.1f req/s %d p99-ns %d errors %.2f cpu-ms-per-1k\n",
				m.c, m.tool, m.wall.Nanoseconds(), m.rps, m.p99.Nanoseconds(), m.errors, m.cpuPer1k())
		}
		_, err := io.WriteString(w, tables)
		return err
	})
	if err != nil {
		return paths, err
	}
	err = write(o.label+"-raw", func(w io.Writer) error {
		config(w)
		for _, m := range ms {
			fmt.Fprintf(w, "\n=== c=%d round %d tool=%s: %s\n%s", m.c, m.round, m.tool, m.cmd, m.raw)
		}
		return nil
	})
	return paths, err
}
