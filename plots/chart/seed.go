package chart

import (
	"fmt"
	"slices"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

// SeedFigure is one "cost time" the seed experiment published, mapped to
// the Go strategy that is its twin in this suite.
type SeedFigure struct {
	Row      int     // row number in SEED.md's table "Client strategies and measured times"
	N        int     // tasks (requests) in the batch
	Strategy string  // the Go strategy it maps to
	Seconds  float64 // the published wall time, at d = 3 s on an 8-CPU laptop
	Python   string  // what the seed ran
}

// SeedFigures returns the seed's published Python timings. They are quoted
// from /work/shared/seed/SEED.md (table "Client strategies and measured
// times", server delay d = 3 s, 8 CPUs), not measured by this suite:
//
//	row 6: plain loop of requests.get, 100 tasks, 305.17 s  → sequential (the n = 100 baseline)
//	row 5: aiohttp, a new ClientSession per request, 100 tasks, 3.11 s → fanout (cold: one connection per request)
//	row 7: multiprocessing.Pool(8).map, 100 tasks, 48.17 s → pool-chunked
//	row 8: aiomultiprocess.Pool, aiohttp, 100 tasks, 3.12 s → procs-fanout
//	row 1: requests.get inside coroutines, 5 tasks, 15.05 s → sequential (the n = 5 baseline:
//	       sequential underneath; the seed has no plain loop at n = 5)
//	row 3: requests.get wrapped in another coroutine, 5 tasks, 15.13 s → fake-async
//	row 4: aiohttp, a new ClientSession per request, 5 tasks, 3.02 s → fanout (cold)
//
// Row 2 (15.05 s and a TypeError) has no twin: Go's compiler rules it out.
// The figures come from the strategy registry (strategy.SeedTwin), batch
// size 100 first. The slice is new on every call.
func SeedFigures() []SeedFigure {
	var out []SeedFigure
	for _, d := range strategy.All() {
		for _, tw := range d.Seed {
			out = append(out, SeedFigure{Row: tw.Row, N: tw.N, Strategy: d.Name, Seconds: tw.Seconds, Python: tw.Python})
		}
	}
	slices.SortStableFunc(out, func(a, b SeedFigure) int { return b.N - a.N })
	return out
}

// seedPythonSpeedups returns the seed's speed-up over its sequential figure
// for each strategy at batch size n, or nil when the seed has no sequential
// figure at n.
func seedPythonSpeedups(n int) map[string]float64 {
	var base float64
	for _, f := range SeedFigures() {
		if f.N == n && f.Strategy == strategy.Sequential {
			base = f.Seconds
		}
	}
	if base == 0 {
		return nil
	}
	out := make(map[string]float64)
	for _, f := range SeedFigures() {
		if f.N == n {
			out[f.Strategy] = base / f.Seconds
		}
	}
	return out
}

// seedPythonName is the legend name of the seed's bars at n: which rows
// they come from and which row is the baseline.
func seedPythonName(n int) string {
	var rows []int
	base := 0
	for _, f := range SeedFigures() {
		if f.N == n {
			rows = append(rows, f.Row)
			if f.Strategy == strategy.Sequential {
				base = f.Row
			}
		}
	}
	slices.Sort(rows)
	return fmt.Sprintf("Python seed, d = 3 s (SEED.md rows %s; ÷ row %d)", joinInts(rows), base)
}
