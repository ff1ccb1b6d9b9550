package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/plots/chart"
)

// SeedTable renders the seed table for the results read from r (named
// name): the seed's Python figures beside BenchmarkSeed's, in units of d.
func SeedTable(r io.Reader, name string) (string, error) { return seedTable(r, name, false) }

// SeedSummary renders the seed table's rows at the largest n only, with
// fewer columns: a front page's table.
func SeedSummary(r io.Reader, name string) (string, error) { return seedTable(r, name, true) }

func seedTable(r io.Reader, name string, summary bool) (string, error) {
	data, err := resultset.ReadAll(r, name, 0)
	if err != nil {
		return "", err
	}
	rb, err := readBench(source{name: name, data: data}, "Seed/")
	if err != nil {
		return "", err
	}
	d, err := chart.Read(bytes.NewReader(data), name)
	if err != nil {
		return "", err
	}
	rows := d.Rows(chart.FamilySeed)
	if len(rows) == 0 {
		return "", fmt.Errorf("%s: no BenchmarkSeed results", name)
	}
	delay := d.Delay()
	if delay <= 0 {
		return "", fmt.Errorf("%s: no delay: line, so times cannot be put in units of d", name)
	}
	lo, hi := d.Runs()
	runs := fmt.Sprintf("median of %d runs", lo)
	switch {
	case hi != lo:
		runs = fmt.Sprintf("median of %d–%d runs", lo, hi)
	case lo == 1:
		runs = "one run"
	}

	type key struct {
		n        int
		strategy string
	}
	byKey := map[key]map[string]chart.Row{}
	var order []key
	for _, r := range rows {
		k := key{r.N, r.Strategy}
		if byKey[k] == nil {
			byKey[k] = map[string]chart.Row{}
			order = append(order, k)
		}
		byKey[k][r.Conn] = r
	}
	slices.SortStableFunc(order, func(a, b key) int { return a.n - b.n })
	if summary {
		last := order[len(order)-1].n
		order = slices.DeleteFunc(order, func(k key) bool { return k.n != last })
	}
	seed := map[key][]chart.SeedFigure{}
	for _, f := range chart.SeedFigures() {
		k := key{f.N, f.Strategy}
		seed[k] = append(seed[k], f)
	}

	// The Python rows (family python) are not rows of their own: each
	// shows in its Go twin's row, in the column "Python, this machine".
	// A file without them keeps the table it always had.
	hasPy := false
	order = slices.DeleteFunc(order, func(k key) bool {
		d, _ := strategy.Lookup(k.strategy)
		hasPy = hasPy || d.IsPython()
		return d.IsPython()
	})
	over := func(r chart.Row, ok bool) string {
		if !ok {
			return "–"
		}
		s, ok := rb.summary(fmt.Sprintf("Seed/n=%d/strategy=%s/conn=%s", r.N, r.Strategy, r.Conn), "overhead-x")
		if !ok {
			return fmt.Sprintf("%.3f", r.Metrics["overhead-x"].Y)
		}
		return spread("%.3f", s)
	}
	// pyCell is the py twin of k's Go strategy at k.n: its cold batch time
	// (the seed opened a connection per request) and overhead-x warm / cold.
	pyCell := func(k key) string {
		tw, ok := strategy.PythonTwin(k.strategy)
		if !ok {
			return "–"
		}
		conns := byKey[key{k.n, tw.Name}]
		warm, hasWarm := conns["warm"]
		cold, hasCold := conns["cold"]
		if !hasWarm && !hasCold {
			return "–"
		}
		t := cold
		if !hasCold {
			t = warm
		}
		return fmt.Sprintf("%s: %s %s; %s / %s", tw.Name, t.Conn, inD(t.Metrics["sec/op"].Y, delay), over(warm, hasWarm), over(cold, hasCold))
	}

	var b strings.Builder
	switch {
	case summary && hasPy:
		fmt.Fprintf(&b, "n = %d, d = %v, Go and Python: `%s` (%s); seed: SEED.md (d = 3 s, one run).\n\n", order[0].n, delay, name, runs)
		b.WriteString("| strategy | model ideal | seed (laptop, d = 3 s) | Python, this machine: time; overhead-x warm / cold | Go warm | overhead-x warm / cold |\n|---|---|---|---|---|---|\n")
	case summary:
		fmt.Fprintf(&b, "n = %d, d = %v, Go: `%s` (%s); seed: SEED.md (d = 3 s, one run).\n\n", order[0].n, delay, name, runs)
		b.WriteString("| strategy | model ideal | Go warm | overhead-x warm / cold | seed |\n|---|---|---|---|---|\n")
	default:
		who := "Go"
		if hasPy {
			who = "Go and Python"
		}
		fmt.Fprintf(&b, "%s: `%s` (commit %s, %s, GOMAXPROCS %s, %s, d = %v, P = %s, %s).\n",
			who, name, short(d.Config(resultset.KeyCommit)), d.Config(resultset.KeyGo), d.Config(resultset.KeyGOMAXPROCS), d.Config(resultset.KeyCPU), delay, d.Config(resultset.KeyProcs), runs)
		b.WriteString("Seed: Python on an 8-CPU laptop, d = 3 s, one run each (SEED.md). Times are wall time per batch; ×d is that time ÷ the delay; " + spreadNote + ".\n")
		if hasPy {
			b.WriteString("Python, this machine: the seed's client (py twin) in the same run against the same server; its time is the cold batch (a connection per request, as the seed's code did), then its overhead-x warm / cold.\n")
		}
		b.WriteString("\n")
		if hasPy {
			b.WriteString("| n | strategy | model ideal | seed twin (SEED.md row) | seed (laptop) | Python, this machine | Go warm | Go cold | Go overhead-x warm / cold |\n")
			b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
		} else {
			b.WriteString("| n | strategy | model ideal | Go warm | Go cold | overhead-x warm / cold | seed twin (SEED.md row) | seed |\n")
			b.WriteString("|---|---|---|---|---|---|---|---|\n")
		}
	}
	for _, k := range order {
		conns := byKey[k]
		warm, hasWarm := conns["warm"]
		cold, hasCold := conns["cold"]
		any := warm
		if !hasWarm {
			any = cold
		}
		ideal := any.Metrics["ideal-sec"].Y
		cell := func(r chart.Row, ok bool) string {
			if !ok {
				return "–"
			}
			return inD(r.Metrics["sec/op"].Y, delay)
		}
		twin, seedCell := "–", "–"
		if figs := seed[k]; len(figs) > 0 {
			var t, s []string
			for _, f := range figs {
				t = append(t, fmt.Sprintf("%s (%d)", f.Python, f.Row))
				s = append(s, inD(f.Seconds, 3*time.Second))
			}
			twin, seedCell = strings.Join(t, "; "), strings.Join(s, "; ")
		}
		switch {
		case summary && hasPy:
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s / %s |\n",
				k.strategy, inD(ideal, delay), seedCell, pyCell(k), cell(warm, hasWarm), over(warm, hasWarm), over(cold, hasCold))
		case summary:
			fmt.Fprintf(&b, "| %s | %s | %s | %s / %s | %s |\n",
				k.strategy, inD(ideal, delay), cell(warm, hasWarm), over(warm, hasWarm), over(cold, hasCold), seedCell)
		case hasPy:
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n",
				k.n, k.strategy, inD(ideal, delay), twin, seedCell, pyCell(k), cell(warm, hasWarm), cell(cold, hasCold),
				over(warm, hasWarm), over(cold, hasCold))
		default:
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s / %s | %s | %s |\n",
				k.n, k.strategy, inD(ideal, delay), cell(warm, hasWarm), cell(cold, hasCold),
				over(warm, hasWarm), over(cold, hasCold), twin, seedCell)
		}
	}
	return b.String(), nil
}

// inD formats seconds as a multiple of d and in seconds: "16.35 d (817.6 ms)".
func inD(sec float64, d time.Duration) string {
	return fmt.Sprintf("%.2f d (%s)", sec/d.Seconds(), seconds(sec))
}

// seconds formats a time with 4 significant digits.
func seconds(sec float64) string {
	switch {
	case sec >= 1:
		return fmt.Sprintf("%.4g s", sec)
	case sec >= 1e-3:
		return fmt.Sprintf("%.4g ms", sec*1e3)
	}
	return fmt.Sprintf("%.4g µs", sec*1e6)
}
