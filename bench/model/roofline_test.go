package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// simLevel simulates one breadth-first level event by event, independently
// of the closed form: fetches of d each, dispatched the moment a slot frees
// (all completions at an instant first) to the host with the most pages
// left that is under its limit; each fetched page then takes cpu on the
// first free of cores cores, in arrival order. It returns when the last
// page's CPU ends.
func simLevel(c Crawl, row []int) time.Duration {
	rem := slices.Clone(row)
	inflight := make([]int, len(row))
	ph := c.perHost()
	slots := c.Slots()
	type flight struct {
		t time.Duration
		h int
	}
	var flights []flight // all take d, so FIFO is completion order
	dispatch := func(now time.Duration) {
		for len(flights) < slots {
			best := -1
			for h := range rem {
				if rem[h] > 0 && inflight[h] < ph && (best < 0 || rem[h] > rem[best]) {
					best = h
				}
			}
			if best < 0 {
				return
			}
			rem[best]--
			inflight[best]++
			flights = append(flights, flight{now + c.Delay, best})
		}
	}
	cores := make([]time.Duration, c.Cores)
	var last time.Duration
	dispatch(0)
	for len(flights) > 0 {
		now := flights[0].t
		for len(flights) > 0 && flights[0].t == now {
			f := flights[0]
			flights = flights[1:]
			inflight[f.h]--
			k := 0
			for i := range cores {
				if cores[i] < cores[k] {
					k = i
				}
			}
			cores[k] = max(f.t, cores[k]) + c.CPU
			last = max(last, cores[k])
		}
		dispatch(now)
	}
	return last
}

func simCrawl(c Crawl) time.Duration {
	var t time.Duration
	for _, row := range c.Levels {
		t += simLevel(c, row)
	}
	return t
}

func randomCrawl(r *rand.Rand) Crawl {
	h := 1 + r.IntN(6)
	levels := make([][]int, 1+r.IntN(4))
	for l := range levels {
		levels[l] = make([]int, h)
		for i := range levels[l] {
			levels[l][i] = r.IntN(12)
		}
	}
	levels[0][0] = max(levels[0][0], 1)
	return Crawl{Levels: levels, Delay: time.Duration(1+r.IntN(5)) * time.Millisecond,
		C: 1 + r.IntN(10), M: r.IntN(4), K: r.IntN(4), Cores: 1 + r.IntN(3)}
}

// With no CPU per page the closed form is exact: the simulation's time.
func TestCrawlIdealIOMatchesSimulation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		c := randomCrawl(r)
		got, err := c.IdealTime()
		if err != nil {
			t.Fatal(err)
		}
		if want := simCrawl(c); got != want {
			t.Fatalf("%+v: closed form %v, simulation %v", c, got, want)
		}
	}
}

// With CPU per page the closed form is a lower bound of the simulated
// schedule, exact when the level fits one wave or the CPU is negligible,
// and never more than 2× below it (list scheduling).
func TestCrawlIdealCPUBoundsSimulation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	exact := 0
	for range 3000 {
		c := randomCrawl(r)
		c.CPU = time.Duration(r.IntN(3000)) * time.Microsecond
		got, err := c.IdealTime()
		if err != nil {
			t.Fatal(err)
		}
		sim := simCrawl(c)
		if got > sim || sim > 2*got {
			t.Fatalf("%+v: closed form %v, simulation %v: want closed ≤ sim ≤ 2 × closed", c, got, sim)
		}
		if got == sim {
			exact++
		}
		// One wave per level and cores for every page: exact.
		c.C, c.M, c.K, c.Cores = 1000, 0, 0, 1000
		if got, _ := c.IdealTime(); got != simCrawl(c) {
			t.Fatalf("%+v: closed form %v, simulation %v with one wave", c, got, simCrawl(c))
		}
	}
	if exact < 300 {
		t.Errorf("closed form exact in only %d of 3000 cases", exact)
	}
}

func TestCrawlRoofs(t *testing.T) {
	levels := [][]int{{1, 0, 0, 0}, {5, 5, 5, 5}, {100, 100, 100, 100}}
	c := Crawl{Levels: levels, Delay: 10 * time.Millisecond, C: 64, M: 4, K: 8, CPU: time.Millisecond, Cores: 2}
	if c.Slots() != 16 || math.Abs(c.IORoof()-1600) > 1e-9 || math.Abs(c.CPURoof()-2000) > 1e-9 || c.Roof() != c.IORoof() {
		t.Errorf("slots %d, IO roof %g, CPU roof %g, want 16, 1600, 2000", c.Slots(), c.IORoof(), c.CPURoof())
	}
	ideal, err := c.IdealTime()
	if err != nil {
		t.Fatal(err)
	}
	// Level 2: 400 pages, 16 slots: 25 waves; level 1: 20 pages, 2 waves.
	if want := 10*time.Millisecond + time.Millisecond + 2*10*time.Millisecond + time.Millisecond + 25*10*time.Millisecond + time.Millisecond; ideal != want {
		t.Errorf("ideal %v, want %v", ideal, want)
	}
	if rate := float64(c.Pages()) / ideal.Seconds(); rate > c.Roof() {
		t.Errorf("ideal rate %g above the roof %g", rate, c.Roof())
	}
	for _, bad := range []Crawl{{}, {Levels: levels, C: 0, Cores: 1}, {Levels: levels, C: 1, Cores: 0}, {Levels: [][]int{{1}, {1, 2}}, C: 1, Cores: 1}} {
		if _, err := bad.IdealTime(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// The site's CPU on shared cores lowers the CPU roof and lengthens a
// CPU-bound level; without MachineCores, Shared is refused.
func TestCrawlSharedCores(t *testing.T) {
	levels := [][]int{{1, 0}, {400, 400}}
	c := Crawl{Levels: levels, Delay: time.Millisecond, C: 64, M: 32, CPU: time.Millisecond, Cores: 2}
	alone, err := c.IdealTime()
	if err != nil {
		t.Fatal(err)
	}
	c.Shared, c.MachineCores = time.Millisecond, 2
	// 2 cores for 2 ms per page (1 the crawler's, 1 the site's): 1000 pages/s.
	if math.Abs(c.CPURoof()-1000) > 1e-9 {
		t.Errorf("CPU roof %g, want 1000", c.CPURoof())
	}
	shared, err := c.IdealTime()
	if err != nil {
		t.Fatal(err)
	}
	// Level 1: d + 800 × 2 ms / 2 = 801 ms instead of d + 400 × 1 ms.
	if want := alone + 400*time.Millisecond; shared != want {
		t.Errorf("ideal with the site's CPU %v, want %v (alone %v)", shared, want, alone)
	}
	// Fewer crawler cores than the machine's: the crawler's own bound wins.
	c.Cores = 1
	if math.Abs(c.CPURoof()-1000) > 1e-9 {
		t.Errorf("CPU roof with 1 core %g, want 1000 (1/1 ms and 2/2 ms)", c.CPURoof())
	}
	c.MachineCores = 0
	if _, err := c.IdealTime(); err == nil {
		t.Error("Shared without MachineCores: no error")
	}
}
