package servers

import (
	"sync"
	"time"

	"github.com/crawlbench/crawlbench/internal/monoclock"
)

// bursts follows the slow endpoint's bursts of requests: a burst starts
// when a request enters the handler while none is in it and ends when the
// last one leaves (a benchmark batch of one wave is one burst). Of each
// burst it keeps the critical request, the one whose delay expires last,
// and splits the burst's span exactly into
//
//	arrival (first entry → the critical request's entry)
//	+ pre (its entry → its delay's start) + its delay
//	+ late (its expiry → the last wake-up) + post (→ the last exit).
type bursts struct {
	clock  monoclock.Clock // converts the first entries for sum.first
	mu     sync.Mutex
	active int       // requests in the handler
	first  time.Time // the burst's first entry
	crit   struct {  // the request whose delay expires last
		ok                   bool
		entry, start, expiry time.Time
		delay                time.Duration
	}
	lastWake, lastEnd time.Time
	sum               burstSums // over the bursts ended since the last reset
	ring              burstRing // the latest bursts, one by one (burstring.go)
	timer             timerSums // over the requests since the last reset
}

// timerSums are the timer counters (Stats.TimerLateNS, TimerLateMaxNS,
// TimerWakes, PreTimerNS, PostTimerNS). They are kept under the bursts'
// lock, which every timed request takes anyway, rather than in atomics
// of their own that concurrent handlers would contend for.
type timerSums struct {
	late, lateMax, wakes, pre, post int64
}

// burstSums are the bursts' parts added up (Stats.Burst*).
type burstSums struct {
	n, span, arrival, pre, delay, late, post int64
	first                                    int64 // CLOCK_MONOTONIC ns, wrapping
}

// enter notes a request entering the handler at t.
func (b *bursts) enter(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.active == 0 {
		b.first, b.lastWake, b.lastEnd = t, time.Time{}, time.Time{}
		b.crit.ok = false
	}
	b.active++
}

// timed notes a request that entered at entry, started its delay d at
// start and woke at wake, in the bursts and in the timer counters.
func (b *bursts) timed(entry, start time.Time, d time.Duration, wake time.Time) {
	late := max(0, int64(wake.Sub(start)-d))
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timer.late += late
	b.timer.lateMax = max(b.timer.lateMax, late)
	b.timer.wakes++
	b.timer.pre += int64(start.Sub(entry))
	if exp := start.Add(d); !b.crit.ok || exp.After(b.crit.expiry) {
		b.crit.ok, b.crit.entry, b.crit.start, b.crit.expiry, b.crit.delay = true, entry, start, exp, d
	}
	if wake.After(b.lastWake) {
		b.lastWake = wake
	}
}

// leave notes a request leaving the handler at t, post after its delay
// ended (negative if it did not wait its delay in full); the last one ends
// the burst, which is counted if a request in it waited its delay in full.
func (b *bursts) leave(t time.Time, post time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if post >= 0 {
		b.timer.post += int64(post)
	}
	if t.After(b.lastEnd) {
		b.lastEnd = t
	}
	if b.active--; b.active > 0 || !b.crit.ok {
		return
	}
	c := b.crit
	b.sum.n++
	b.sum.span += int64(b.lastEnd.Sub(b.first))
	b.sum.arrival += int64(c.entry.Sub(b.first))
	b.sum.pre += int64(c.start.Sub(c.entry))
	b.sum.delay += int64(c.delay)
	b.sum.late += int64(b.lastWake.Sub(c.expiry))
	b.sum.post += int64(b.lastEnd.Sub(b.lastWake))
	b.sum.first += b.clock.NS(b.first) // wraps; only differences mean anything
	b.ring.add(BurstRecord{
		FirstMonoNS: b.clock.NS(b.first), LastMonoNS: b.clock.NS(b.lastEnd),
		ArrivalNS: int64(c.entry.Sub(b.first)), PreNS: int64(c.start.Sub(c.entry)), DelayNS: int64(c.delay),
		LateNS: int64(b.lastWake.Sub(c.expiry)), PostNS: int64(b.lastEnd.Sub(b.lastWake)),
	})
}

// stats copies the sums and the timer counters into st.
func (b *bursts) stats(st *Stats) {
	b.mu.Lock()
	s, tm := b.sum, b.timer
	b.mu.Unlock()
	st.TimerLateNS, st.TimerLateMaxNS, st.TimerWakes = tm.late, tm.lateMax, tm.wakes
	st.PreTimerNS, st.PostTimerNS = tm.pre, tm.post
	st.Bursts, st.BurstSpanNS, st.BurstArrivalNS, st.BurstPreNS = s.n, s.span, s.arrival, s.pre
	st.BurstDelayNS, st.BurstLateNS, st.BurstPostNS = s.delay, s.late, s.post
	st.BurstFirstMonoNS = s.first
}

// reset zeroes the sums (a burst under way is counted when it ends).
func (b *bursts) reset() {
	b.mu.Lock()
	b.sum, b.timer = burstSums{}, timerSums{}
	b.mu.Unlock()
}
