package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// PythonTable renders every Python strategy (family python) of a
// BenchmarkSeed file at its largest n: time warm and cold, overhead-x warm
// / cold, the batch time measured inside Python (py-cost) and the worker's
// start-up (outside the timed loop), beside the Go twin's overhead-x.
// py-httpx and py-aiohttp-uvloop, which twin no seed row, are what a
// Python user would pick today.
func PythonTable(src source) (string, error) {
	r, err := readBench(src, "Seed/")
	if err != nil {
		return "", err
	}
	n := 0
	for _, name := range r.order {
		if v, err := strconv.Atoi(key(name, "n")); err == nil {
			n = max(n, v)
		}
	}
	cellName := func(s, conn string) string {
		return fmt.Sprintf("Seed/n=%d/strategy=%s/conn=%s", n, s, conn)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "n = %d, d = %s: `%s` (%s); medians over the runs; %s.\n\n", n, r.config(resultset.KeyDelay), src.name, r.describe(), spreadNote)
	b.WriteString("| strategy | Go twin | time warm | time cold | overhead-x warm / cold | Go twin overhead-x warm / cold | batch time inside Python (warm) | worker start-up |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	rows := 0
	for _, name := range strategy.Names(strategy.FamilyPython) {
		if r.runs(cellName(name, "warm")) == 0 && r.runs(cellName(name, "cold")) == 0 {
			continue
		}
		rows++
		d, _ := strategy.Lookup(name)
		twin := d.GoTwin
		if twin == "" {
			twin = "– (today's pick)"
		}
		val := func(s, conn, unit string, f func(float64) string) string {
			v, ok := r.summary(cellName(s, conn), unit)
			if !ok {
				return "–"
			}
			return withSpread(f(v.Center), v)
		}
		x := func(v float64) string { return fmt.Sprintf("%.3f", v) }
		dur := func(v float64) string { return seconds(v / 1e9) }
		goOver := "–"
		if d.GoTwin != "" {
			goOver = val(d.GoTwin, "warm", "overhead-x", x) + " / " + val(d.GoTwin, "cold", "overhead-x", x)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s / %s | %s | %s | %s |\n", name, twin,
			val(name, "warm", "ns/op", dur), val(name, "cold", "ns/op", dur),
			val(name, "warm", "overhead-x", x), val(name, "cold", "overhead-x", x), goOver,
			val(name, "warm", "py-cost-ns", dur), val(name, "warm", "startup-ns", dur))
	}
	if rows == 0 {
		return "", fmt.Errorf("%s: no Python rows (py-*) at n = %d", src.name, n)
	}
	return b.String(), nil
}

// withoutServer returns a benchmark name without its server= part.
func withoutServer(name string) string {
	parts := strings.Split(name, "/")
	out := parts[:0]
	for _, p := range parts {
		if !strings.HasPrefix(p, "server=") {
			out = append(out, p)
		}
	}
	return strings.Join(out, "/")
}

// FlaskTable compares two BenchmarkSeed or BenchmarkBatch results files of
// the same clients against two servers (typically -server flask and the
// bundled slowserver; each file's server: line names it): per case of
// the first file that the second also has, each server's batch time and
// overhead-x, and the second's time ÷ the first's.
func FlaskTable(srcs []source) (string, error) {
	if len(srcs) != 2 {
		return "", fmt.Errorf("%s takes two results files (one per server), not %d", kindFlask, len(srcs))
	}
	var rs [2]*bench
	var servers [2]string
	for i, src := range srcs {
		r, err := readBench(src, "")
		if err != nil {
			return "", err
		}
		if err := r.need("ns/op", "overhead-x"); err != nil {
			return "", err
		}
		rs[i] = r
		if servers[i] = r.config("server"); servers[i] == "" {
			servers[i] = "slowserver"
		}
	}
	if servers[0] == servers[1] {
		return "", fmt.Errorf("%s: %s and %s both ran against server %s: want two servers", kindFlask, srcs[0].name, srcs[1].name, servers[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "A: `%s` (server %s, d = %s; %s). B: `%s` (server %s, d = %s; %s). Medians over the runs; %s.\n\n",
		srcs[0].name, servers[0], rs[0].config(resultset.KeyDelay), rs[0].describe(),
		srcs[1].name, servers[1], rs[1].config(resultset.KeyDelay), rs[1].describe(), spreadNote)
	fmt.Fprintf(&b, "| n | strategy | conn | time, %s | overhead-x, %s | time, %s | overhead-x, %s | time %s ÷ %s |\n", servers[0], servers[0], servers[1], servers[1], servers[1], servers[0])
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	// A BenchmarkBatch name says its server (server=unlimited against
	// server=flask): cases match on the rest of the name.
	other := map[string]string{}
	for _, name := range rs[1].order {
		other[withoutServer(name)] = name
	}
	rows := 0
	for _, name := range rs[0].order {
		name1, ok := other[withoutServer(name)]
		if !ok || rs[1].runs(name1) == 0 {
			continue
		}
		rows++
		cells := make([]string, 0, 4)
		var t [2]float64
		for i, r := range rs {
			n := []string{name, name1}[i]
			ts, _ := r.summary(n, "ns/op")
			os, _ := r.summary(n, "overhead-x")
			t[i] = ts.Center
			cells = append(cells, withSpread(seconds(ts.Center/1e9), ts), spread("%.3f", os))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3f |\n", key(name, "n"), key(name, "strategy"), key(name, "conn"), strings.Join(cells, " | "), t[1]/t[0])
	}
	if rows == 0 {
		return "", fmt.Errorf("%s: %s and %s share no benchmark", kindFlask, srcs[0].name, srcs[1].name)
	}
	return b.String(), nil
}
