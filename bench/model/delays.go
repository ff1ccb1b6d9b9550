package model

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// IdealDelays is Ideal for a server whose service time varies from request
// to request: the request with index j is served in delay(j) instead of
// p.Delay. A nil delay serves every request in p.Delay, and then
// IdealDelays equals Ideal. p is validated as by Ideal (p.Delay must be > 0
// even when delay ignores it).
//
// Indices number the batch's requests 0..N-1 the way the crawlbench
// clients number them (see MakespanDelays): in issue order for sequential,
// fake-async, fanout and fasthttp; worker w of pool-even and procs-fanout
// runs the indices of its share (shares in worker order, the first N%P one
// request larger); pool-chunked's chunk c holds indices c·s..c·s+s−1 and
// chunks are dispatched in order. The clients send each request's index to
// the bundled server, which draws its delay as servers.DrawDelay(dist, d,
// sigma, seed, index), so passing that draw (offset by the batch's first
// index, clients.Result.FirstIndex) as delay gives the exact zero-overhead
// wall time of the batch, whatever order its requests reach the server in.
//
// The schedule is MakespanDelays of Groups(p) against p.K slots.
func IdealDelays(p Params, delay func(index int64) time.Duration) (time.Duration, error) {
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

// IdealBatches returns the mean of IdealDelays over batches of p whose
// first request indices are firsts: batch b's request j has index
// firsts[b]+j and is served in delay(firsts[b]+j). It is the ideal of a
// benchmark's timed batches against a server that draws each delay from
// the request's index. firsts must not be empty or negative.
func IdealBatches(p Params, firsts []int64, delay func(index int64) time.Duration) (time.Duration, error) {
	if len(firsts) == 0 {
		return 0, errors.New("model: ideal batches: no batches")
	}
	if delay == nil {
		return 0, errors.New("model: ideal batches: nil delay function")
	}
	var sum float64 // ns; a float, because the sum may overflow int64
	for _, first := range firsts {
		if first < 0 || first > math.MaxInt64-int64(p.N) {
			return 0, fmt.Errorf("model: ideal batches: first index %d: want 0..%d", first, math.MaxInt64-int64(p.N))
		}
		d, err := IdealDelays(p, func(j int64) time.Duration { return delay(first + j) })
		if err != nil {
			return 0, err
		}
		sum += float64(d)
	}
	return time.Duration(sum / float64(len(firsts))), nil
}

// MakespanDelays simulates the groups against a FIFO server with k slots (0
// = unlimited) on which the request with index j takes delay(j), and
// returns the makespan: the instant the last request completes.
//
// Group g's list holds the indices o..o+Items−1, where o is the number of
// items of the groups before it; a lane that needs work takes the next
// unit of its group's list (Unit consecutive indices, fewer for the last)
// and issues them one after the other. This is how the clients number
// their requests, so the indices do not depend on when requests complete.
//
// It is an event-driven simulation of the same client as Makespan (lanes
// that issue their next request the instant the previous one completes)
// that does not assume a fixed delay. All lanes issue their first request
// at time 0, in group order, then lane order; after that, completions are
// processed in order of (time, arrival number), and a lane's next request
// gets the next arrival number, so arrival numbers follow arrival order
// and simultaneous arrivals are numbered in the order of the completions
// that released them, the tie rule of Makespan. Request j starts at
// max(its arrival, the earliest instant a slot is free): with arrivals in
// arrival-number order, start times never decrease, so this is FIFO
// service. With a constant delay the result is exactly Makespan × delay.
//
// It runs in O(N log L) time and O(L) memory for N requests and L lanes. It
// is an error if k or a group is invalid (as for Makespan), if delay is nil
// or returns a negative duration, or if a completion time overflows
// time.Duration.
func MakespanDelays(groups []Group, k int, delay func(index int64) time.Duration) (time.Duration, error) {
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
			s.laneLeft = append(s.laneLeft, 0)
			s.laneNext = append(s.laneNext, 0)
			s.take(id, gi)
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
			s.take(ev.lane, gi)
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
	next      []int64 // index of the first request left in each group's list
	laneGroup []int32 // group of each lane
	laneLeft  []int   // requests left in each lane's current unit
	laneNext  []int64 // index of each lane's next request
	events    eventHeap
	slots     slotHeap // the instant each slot is next free; nil when no request can wait
	seq       int64    // arrival number of the next arrival
}

func newEventSim(groups []Group, lanes, k int, delay func(int64) time.Duration) *eventSim {
	s := &eventSim{
		delay:     delay,
		remaining: make([]int, len(groups)),
		unit:      make([]int, len(groups)),
		next:      make([]int64, len(groups)),
		laneGroup: make([]int32, 0, lanes),
		laneLeft:  make([]int, 0, lanes),
		laneNext:  make([]int64, 0, lanes),
		events:    make(eventHeap, 0, lanes),
	}
	var first int64
	for gi, g := range groups {
		s.remaining[gi] = g.Items
		s.unit[gi] = g.Unit
		s.next[gi] = first
		first += int64(g.Items)
	}
	if k > 0 && k < lanes {
		// At most lanes requests are ever in the system, so with k ≥ lanes
		// nobody waits and the slots need no tracking.
		s.slots = make(slotHeap, k) // all free at time 0
	}
	return s
}

// take gives lane the next unit of group gi's list.
func (s *eventSim) take(lane int32, gi int) {
	u := min(s.unit[gi], s.remaining[gi])
	s.remaining[gi] -= u
	s.laneLeft[lane] = u
	s.laneNext[lane] = s.next[gi]
	s.next[gi] += int64(u)
}

// arrive issues lane's next request at time at: it gets the lane's next
// index, the next arrival number, the earliest free slot (FIFO: every
// earlier arrival has taken its slot already) and a completion event.
func (s *eventSim) arrive(lane int32, at time.Duration) error {
	seq := s.seq
	s.seq++
	index := s.laneNext[lane]
	s.laneNext[lane]++
	d := s.delay(index)
	if d < 0 {
		return fmt.Errorf("model: makespan: delay(%d) = %v: want ≥ 0", index, d)
	}
	start := at
	if s.slots != nil {
		start = max(start, s.slots[0])
	}
	if start > math.MaxInt64-d {
		return fmt.Errorf("model: makespan: request %d starting at %v with delay %v overflows time.Duration (max %v)", index, start, d, time.Duration(math.MaxInt64))
	}
	done := start + d
	if s.slots != nil {
		s.slots.replaceMin(done)
	}
	s.events.push(event{at: done, seq: seq, lane: lane})
	return nil
}

// event is the completion of the request with arrival number seq, issued
// by lane.
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
