package main

import (
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// peersTools are the tools of a peers run, ours first.
func peersTools() []string {
	return append(strategy.Names(strategy.FamilyPeers), "wrk", "hey", "bombardier")
}

// PeersTable renders a scripts/peers results file: req/s, p99 and CPU per
// 1k requests of each tool at each connection count (medians over the
// rounds), then the ratios the suite's goals are about.
func PeersTable(src source) (string, error) { return peersTable(src, false) }

// PeersSummary renders only the ratios of PeersTable, for a front page.
func PeersSummary(src source) (string, error) { return peersTable(src, true) }

func peersTable(src source, ratiosOnly bool) (string, error) {
	r, err := readBench(src, "Peers/")
	if err != nil {
		return "", err
	}
	if err := r.need("req/s", "p99-ns", "errors"); err != nil {
		return "", err
	}
	var cs []string
	seen := map[string]bool{}
	for _, name := range r.order {
		if c := key(name, "c"); !seen[c] {
			seen[c] = true
			cs = append(cs, c)
		}
	}
	name := func(c, tool string) string { return "Peers/c=" + c + "/tool=" + tool }
	var b strings.Builder
	if ratiosOnly {
		fmt.Fprintf(&b, "req/s ratios, medians of %s rounds of %s per tool and c, interleaved; `%s`:\n",
			r.config(resultset.KeyPeersRounds), r.config(resultset.KeyPeersDuration), src.name)
	} else {
		fmt.Fprintf(&b, "`%s`: %s, %s rounds of %s per tool and c, interleaved; server: %s; %s.\n\n",
			src.name, r.describe(), r.config(resultset.KeyPeersRounds), r.config(resultset.KeyPeersDuration), r.config(resultset.KeyPeersServer), spreadNote)
		b.WriteString("| c | tool | req/s | p99 | client CPU ms / 1k req | failed |\n|---|---|---|---|---|---|\n")
	}
	for _, c := range cs {
		if ratiosOnly {
			break
		}
		for _, t := range peersTools() {
			n := name(c, t)
			rps, ok := r.summary(n, "req/s")
			if !ok {
				continue
			}
			p99, _ := r.median(n, "p99-ns")
			cpu := "–"
			if v, ok := r.median(n, "cpu-ms-per-1k"); ok {
				cpu = fmt.Sprintf("%.1f", v)
			}
			label := t
			if d, ok := strategy.Lookup(t); ok && d.In(strategy.FamilyPeers) {
				label = "crawlbench " + t
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", c, label, spread("%.0f", rps),
				time.Duration(p99).Round(10*time.Microsecond), cpu, strconv.FormatFloat(r.sum(n, "errors"), 'f', 0, 64))
		}
	}
	b.WriteString("\n| c | fasthttp ÷ bombardier | fanout ÷ hey | best of ours ÷ wrk |\n|---|---|---|---|\n")
	ratio := func(c, a, bb string) (float64, bool) {
		x, ok1 := r.median(name(c, a), "req/s")
		y, ok2 := r.median(name(c, bb), "req/s")
		return x / y, ok1 && ok2 && y > 0
	}
	for _, c := range cs {
		cell := func(v float64, ok bool) string {
			if !ok {
				return "–"
			}
			return fmt.Sprintf("%.2f", v)
		}
		fb, okfb := ratio(c, strategy.FastHTTP, "bombardier")
		fh, okfh := ratio(c, strategy.Fanout, "hey")
		w1, ok1 := ratio(c, strategy.FastHTTP, "wrk")
		w2, ok2 := ratio(c, strategy.Fanout, "wrk")
		best, okb := max(w1, w2), ok1 || ok2
		if !ok1 {
			best = w2
		} else if !ok2 {
			best = w1
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c, cell(fb, okfb), cell(fh, okfh), cell(best, okb))
	}
	return b.String(), nil
}
