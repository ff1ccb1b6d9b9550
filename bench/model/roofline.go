package model

import (
	"fmt"
	"math"
	"time"
)

// Crawl is the roofline model of a crawl (issue 11): a breadth-first crawl
// of a site whose pages are answered after a fixed delay Delay by hosts
// serving at most K requests each at once, by a crawler with at most C
// requests in flight and M per host, spending CPU per page on cores.
//
// Throughput is bounded by IO, min(C, M·H, K·H)/d pages/s (IORoof), and by
// CPU, cores/CPU (CPURoof); when the crawler shares the machine's
// MachineCores with other processes that spend Shared CPU per page (the
// site's server), also by MachineCores/(CPU + Shared). Which CPU per page
// to give is the caller's choice: bench/crawl gives parse + work for the
// pure model, and the CPU it measured (the crawler's, HTTP stack included,
// and the site's as Shared) for the ideal it reports. The ideal time (IdealTime) adds up the
// breadth-first levels: the frontier cannot hold a page before its parent
// was fetched and parsed, so level l+1 starts when level l is done (a
// barrier per level; a crawler that overlaps the end of one level with the
// start of the next can beat it by a little).
type Crawl struct {
	// Levels[l][h] is the number of pages of breadth-first level l on host
	// h (servers/site.LevelsByHost); len(Levels[l]) = H.
	Levels [][]int
	Delay  time.Duration // d
	C      int           // requests in flight, ≥ 1
	M      int           // per host; 0: C
	K      int           // server capacity per host; 0: unlimited
	CPU    time.Duration // CPU time per page of the crawler, ≥ 0
	Cores  int           // cores the crawler's CPU work can use, ≥ 1
	// Shared is the CPU time per page of other processes on the same
	// cores (the site's server), ≥ 0; MachineCores is the machine's cores
	// (0: no shared bound; then Shared must be 0).
	Shared       time.Duration
	MachineCores int
}

// Validate checks the parameters; an error names the field.
func (c Crawl) Validate() error {
	switch {
	case len(c.Levels) == 0:
		return fmt.Errorf("model: Crawl.Levels is empty")
	case c.Delay < 0:
		return fmt.Errorf("model: Crawl.Delay %v: want ≥ 0", c.Delay)
	case c.C < 1:
		return fmt.Errorf("model: Crawl.C %d: want ≥ 1", c.C)
	case c.M < 0 || c.K < 0:
		return fmt.Errorf("model: Crawl.M %d, K %d: want ≥ 0", c.M, c.K)
	case c.CPU < 0:
		return fmt.Errorf("model: Crawl.CPU %v: want ≥ 0", c.CPU)
	case c.Cores < 1:
		return fmt.Errorf("model: Crawl.Cores %d: want ≥ 1", c.Cores)
	case c.Shared < 0 || c.MachineCores < 0:
		return fmt.Errorf("model: Crawl.Shared %v, MachineCores %d: want ≥ 0", c.Shared, c.MachineCores)
	case c.Shared > 0 && c.MachineCores == 0:
		return fmt.Errorf("model: Crawl.Shared %v needs MachineCores ≥ 1", c.Shared)
	}
	h := len(c.Levels[0])
	for l, row := range c.Levels {
		if len(row) != h || h == 0 {
			return fmt.Errorf("model: Crawl.Levels[%d] has %d hosts, want %d (> 0)", l, len(row), h)
		}
	}
	return nil
}

// Hosts returns H.
func (c Crawl) Hosts() int { return len(c.Levels[0]) }

// Pages returns the pages in all levels.
func (c Crawl) Pages() int {
	n := 0
	for _, row := range c.Levels {
		for _, x := range row {
			n += x
		}
	}
	return n
}

// perHost is the most requests one host can have in service: min(M, K),
// either 0 meaning unlimited (C bounds it then).
func (c Crawl) perHost() int {
	m := c.C
	if c.M > 0 {
		m = min(m, c.M)
	}
	if c.K > 0 {
		m = min(m, c.K)
	}
	return m
}

// Slots is min(C, M·H, K·H): the requests that can be in service at once.
func (c Crawl) Slots() int { return min(c.C, c.perHost()*c.Hosts()) }

// IORoof is the IO bound on throughput, Slots/d pages per second (+Inf
// when d = 0).
func (c Crawl) IORoof() float64 {
	if c.Delay <= 0 {
		return math.Inf(1)
	}
	return float64(c.Slots()) / c.Delay.Seconds()
}

// CPURoof is the CPU bound, Cores/CPU pages per second, and at most
// MachineCores/(CPU + Shared) when MachineCores is set (+Inf when no CPU is
// spent).
func (c Crawl) CPURoof() float64 {
	roof := math.Inf(1)
	if c.CPU > 0 {
		roof = float64(c.Cores) / c.CPU.Seconds()
	}
	if both := c.CPU + c.Shared; c.MachineCores > 0 && both > 0 {
		roof = min(roof, float64(c.MachineCores)/both.Seconds())
	}
	return roof
}

// cpuTime is the CPU time of n pages spread over the cores: ⌈n/Cores⌉·CPU,
// and at least n·(CPU + Shared)/MachineCores when MachineCores is set.
func (c Crawl) cpuTime(n int) time.Duration {
	t := time.Duration(ceilInt(n, c.Cores)) * c.CPU
	if c.MachineCores > 0 {
		t = max(t, time.Duration(float64(n)*float64(c.CPU+c.Shared)/float64(c.MachineCores)))
	}
	return t
}

// Roof is the lower of the two roofs.
func (c Crawl) Roof() float64 { return min(c.IORoof(), c.CPURoof()) }

// Waves returns the rounds of d that a level of pages per host needs: at
// least ⌈n/Slots⌉ for the whole level and ⌈n_h/perHost⌉ for each host.
func (c Crawl) Waves(row []int) int {
	n, w := 0, 0
	ph := c.perHost()
	for _, x := range row {
		n += x
		w = max(w, ceilInt(x, ph))
	}
	return max(w, ceilInt(n, c.Slots()))
}

// LevelTime is the time of one level: its last wave's fetch plus that page's
// CPU, or its first fetch plus its pages' CPU spread over the cores,
// whichever is longer: max(W·d + cpu, d + ⌈n/cores⌉·cpu) (the second term
// at least d + n·(cpu + shared)/machine cores when the cores are shared).
func (c Crawl) LevelTime(row []int) time.Duration {
	n := 0
	for _, x := range row {
		n += x
	}
	if n == 0 {
		return 0
	}
	io := time.Duration(c.Waves(row))*c.Delay + c.CPU
	cpu := c.Delay + c.cpuTime(n)
	return max(io, cpu)
}

// IdealTime is the crawl's ideal wall time: the sum of its levels' times.
func (c Crawl) IdealTime() (time.Duration, error) {
	if err := c.Validate(); err != nil {
		return 0, err
	}
	var t time.Duration
	for _, row := range c.Levels {
		t += c.LevelTime(row)
	}
	return t, nil
}

func ceilInt(a, b int) int { return (a + b - 1) / b }
