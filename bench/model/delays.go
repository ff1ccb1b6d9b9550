package model

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// IdealDelays is Ideal for a server whose service time varies from request
// to request: request j of the batch, numbered from 0 in the order the
// requests reach the server, is served in delay(j) instead of p.Delay. A
// nil delay serves every request in p.Delay, and then IdealDelays equals
// Ideal. p is validated as by Ideal (p.Delay must be > 0 even when delay
// ignores it).
//
// This is the ideal of a slow server with a delay distribution: the bundled
// server draws request j's delay as servers.DrawDelay(dist, d, sigma, seed,
// j), with j its arrival sequence number since the last stats reset, so
// passing that draw as delay gives the exact zero-overhead wall time of a
// batch whose requests arrive in the model's order. (In a real run the
// arrival order of concurrent requests is racy, so the real schedule draws
// the same delays in a somewhat different order.)
//
// The schedule is MakespanDelays of Groups(p) against p.K slots.
func IdealDelays(p Params, delay func(seq int64) time.Duration) (time.Duration, error) {
	gs, err := Groups(p)
	if err != nil {
		return 0, err
	}
	if delay == nil {
		d := p.Delay
		delay = func(int64) time.Duration { return d }
	}
	t, err := MakespanDelays(gs, p.K, delay)
	if err != nil {
		return 0, fmt.Errorf("model: ideal %s: %w", p.Kind, err)
	}
	return t, nil
}

// MakespanDelays simulates the groups against a FIFO server with k slots (0
// = unlimited) on which request j, numbered from 0 in arrival order, takes
// delay(j), and returns the makespan: the instant the last request
// completes.
//
// It is an event-driven simulation of the same client as Makespan (lanes
// that issue their next request the instant the previous one completes)
// that does not assume a fixed delay. All lanes issue their first request
// at time 0, in group order, then lane order; after that, completions are
// processed in order of (time, sequence number), and a lane's next request
// gets the next sequence number, so sequence numbers follow arrival order
// and simultaneous arrivals are numbered in the order of the completions
// that released them, the tie rule of Makespan. Request j starts at
// max(its arrival, the earliest instant a slot is free): with arrivals in
// sequence order, start times never decrease, so this is FIFO service. With
// a constant delay the result is exactly Makespan × delay.
//
// It runs in O(N log L) time and O(L) memory for N requests and L lanes. It
// is an error if k or a group is invalid (as for Makespan), if delay is nil
// or returns a negative duration, or if a completion time overflows
// time.Duration.
func MakespanDelays(groups []Group, k int, delay func(seq int64) time.Duration) (time.Duration, error) {
	if delay == nil {
		return 0, errors.New("model: makespan: nil delay function")
	}
	lanes, err := checkGroups(groups, k)
	if err != nil {
		return 0, err
	}
	s := newEventSim(groups, lanes, k, delay)
	for gi := range groups {
		for l := 0; l < groups[gi].Lanes && s.remaining[gi] > 0; l++ {
			id := int32(len(s.laneGroup))
			s.laneGroup = append(s.laneGroup, int32(gi))
			s.laneLeft = append(s.laneLeft, s.take(gi))
			if err := s.arrive(id, 0); err != nil {
				return 0, err
			}
		}
	}
	var end time.Duration
	for len(s.events) > 0 {
		ev := s.events.pop()
		end = ev.at // events pop in time order
		s.laneLeft[ev.lane]--
		if s.laneLeft[ev.lane] == 0 {
			gi := int(s.laneGroup[ev.lane])
			if s.remaining[gi] == 0 {
				continue // lane done
			}
			s.laneLeft[ev.lane] = s.take(gi)
		}
		if err := s.arrive(ev.lane, ev.at); err != nil {
			return 0, err
		}
	}
	return end, nil
}

// eventSim is the state of one MakespanDelays run.
type eventSim struct {
	delay     func(int64) time.Duration
	remaining []int   // requests left in each group's list
	unit      []int   // each group's unit
	laneGroup []int32 // group of each lane
	laneLeft  []int   // requests left in each lane's current unit
	events    eventHeap
	slots     slotHeap // the instant each slot is next free; nil when no request can wait
	seq       int64    // sequence number of the next arrival
}

func newEventSim(groups []Group, lanes, k int, delay func(int64) time.Duration) *eventSim {
	s := &eventSim{
		delay:     delay,
		remaining: make([]int, len(groups)),
		unit:      make([]int, len(groups)),
		laneGroup: make([]int32, 0, lanes),
		laneLeft:  make([]int, 0, lanes),
		events:    make(eventHeap, 0, lanes),
	}
	for gi, g := range groups {
		s.remaining[gi] = g.Items
		s.unit[gi] = g.Unit
	}
	if k > 0 && k < lanes {
		// At most lanes requests are ever in the system, so with k ≥ lanes
		// nobody waits and the slots need no tracking.
		s.slots = make(slotHeap, k) // all free at time 0
	}
	return s
}

// take removes the next unit from group gi's list and returns its size.
func (s *eventSim) take(gi int) int {
	u := min(s.unit[gi], s.remaining[gi])
	s.remaining[gi] -= u
	return u
}

// arrive issues lane's next request at time at: it gets the next sequence
// number, the earliest free slot (FIFO: every earlier arrival has taken
// its slot already) and a completion event.
func (s *eventSim) arrive(lane int32, at time.Duration) error {
	seq := s.seq
	s.seq++
	d := s.delay(seq)
	if d < 0 {
		return fmt.Errorf("model: makespan: delay(%d) = %v: want ≥ 0", seq, d)
	}
	start := at
	if s.slots != nil {
		start = max(start, s.slots[0])
	}
	if start > math.MaxInt64-d {
		return fmt.Errorf("model: makespan: request %d starting at %v with delay %v overflows time.Duration (max %v)", seq, start, d, time.Duration(math.MaxInt64))
	}
	done := start + d
	if s.slots != nil {
		s.slots.replaceMin(done)
	}
	s.events.push(event{at: done, seq: seq, lane: lane})
	return nil
}

// event is the completion of request seq, issued by lane.
type event struct {
	at   time.Duration
	seq  int64
	lane int32
}

func (a event) before(b event) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// eventHeap is a binary min-heap of events by (at, seq).
type eventHeap []event

func (h *eventHeap) push(e event) {
	*h = append(*h, e)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !a[i].before(a[p]) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(a) && a[l].before(a[m]) {
			m = l
		}
		if r < len(a) && a[r].before(a[m]) {
			m = r
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}

// slotHeap is a binary min-heap of the instants the server's slots are
// next free.
type slotHeap []time.Duration

// replaceMin replaces the earliest free instant with t.
func (h slotHeap) replaceMin(t time.Duration) {
	h[0] = t
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l] < h[m] {
			m = l
		}
		if r < len(h) && h[r] < h[m] {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
