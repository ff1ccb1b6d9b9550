package model

import (
	"fmt"
)

// Group is one part of a client's arrival structure: a task list of Items
// requests shared by Lanes client lanes. A lane is a thread of control that
// has at most one request outstanding and issues its next request the instant
// the previous one completes (zero client overhead). A free lane takes the
// next Unit requests (a chunk; fewer at the end of the list) from its
// group's list and issues them one after the other; a lane with no work left
// stops.
//
// Sequential is one group {N, 1, 1}; fanout is {N, 1, min(C, N)}; pool-even is
// one {share, 1, 1} group per worker; pool-chunked is {N, ChunkSize(N, P), P};
// procs-fanout is one {share, 1, min(C, share)} group per process.
type Group struct {
	Items int // requests in the group's task list, ≥ 0
	Unit  int // requests a lane takes from the list at a time (chunk size), ≥ 1
	Lanes int // client lanes serving the list, ≥ 1 when Items > 0
}

// Groups returns the arrival structure of p's strategy: the task lists and
// lanes that Makespan simulates. Groups with no items are omitted.
func Groups(p Params) ([]Group, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	switch p.Kind {
	case Sequential, FakeAsync:
		return []Group{{Items: p.N, Unit: 1, Lanes: 1}}, nil
	case Fanout:
		return []Group{{Items: p.N, Unit: 1, Lanes: effective(p.C, p.N)}}, nil
	case PoolEven:
		sh := shares(p.N, p.P)
		gs := make([]Group, len(sh))
		for i, s := range sh {
			gs[i] = Group{Items: s, Unit: 1, Lanes: 1}
		}
		return gs, nil
	case PoolChunked:
		cs := ChunkSize(p.N, p.P)
		chunks := (p.N + cs - 1) / cs
		return []Group{{Items: p.N, Unit: cs, Lanes: min(p.P, chunks)}}, nil
	case ProcsFanout:
		sh := shares(p.N, p.P)
		gs := make([]Group, len(sh))
		for i, s := range sh {
			gs[i] = Group{Items: s, Unit: 1, Lanes: effective(p.C, s)}
		}
		return gs, nil
	}
	return nil, &ParamError{"Kind", fmt.Sprintf("unknown kind %v", p.Kind)}
}

// Makespan simulates the groups against a server with k slots (0 =
// unlimited) that serves requests in arrival order (FIFO), each for the same
// fixed delay d, and returns the makespan in units of d: the number of
// service rounds until the last request completes.
//
// Because every service takes exactly d and all lanes start at time 0, every
// event happens at a multiple of d, so the simulation runs in rounds: in each
// round the server starts the first min(k, waiting) queued requests; they
// complete together at the round's end, and their lanes append their next
// requests to the queue in the order the completed requests had started.
// Requests arriving at the same instant as earlier-queued ones therefore
// queue behind them, and ties at time 0 follow group order, then lane order.
// The run time and memory are O(N + lanes).
func Makespan(groups []Group, k int) (int64, error) {
	lanes, err := checkGroups(groups, k)
	if err != nil {
		return 0, err
	}

	s := newSim(groups, lanes)
	var rounds int64
	for s.waiting() > 0 {
		rounds++
		serve := s.waiting()
		if k > 0 && k < serve {
			serve = k
		}
		s.round(serve)
	}
	return rounds, nil
}

// checkGroups validates the arguments of Makespan and MakespanDelays and
// returns the number of lanes that get any work.
func checkGroups(groups []Group, k int) (lanes int, err error) {
	if k < 0 {
		return 0, fmt.Errorf("model: makespan: server capacity k = %d must be ≥ 0 (0 = unlimited)", k)
	}
	total := 0
	for i, g := range groups {
		switch {
		case g.Items < 0:
			return 0, fmt.Errorf("model: makespan: group %d: Items = %d must be ≥ 0", i, g.Items)
		case g.Unit < 1:
			return 0, fmt.Errorf("model: makespan: group %d: Unit = %d must be ≥ 1", i, g.Unit)
		case g.Lanes < 0:
			return 0, fmt.Errorf("model: makespan: group %d: Lanes = %d must be ≥ 0", i, g.Lanes)
		case g.Items > 0 && g.Lanes == 0:
			return 0, fmt.Errorf("model: makespan: group %d: %d items but no lanes to issue them", i, g.Items)
		}
		if g.Items > MaxN-total {
			return 0, fmt.Errorf("model: makespan: more than %d items in total", MaxN)
		}
		total += g.Items
		units := g.Items/g.Unit + boolInt(g.Items%g.Unit != 0)
		lanes += min(g.Lanes, units)
	}
	return lanes, nil
}

// sim is the state of one Makespan run.
type sim struct {
	remaining []int   // requests left in each group's list
	unit      []int   // each group's unit
	laneGroup []int32 // group of each lane
	laneLeft  []int   // requests left in each lane's current unit
	queue     []int32 // ring buffer of waiting lanes, capacity = lanes
	head, n   int
}

func newSim(groups []Group, lanes int) *sim {
	s := &sim{
		remaining: make([]int, len(groups)),
		unit:      make([]int, len(groups)),
		laneGroup: make([]int32, 0, lanes),
		laneLeft:  make([]int, 0, lanes),
		queue:     make([]int32, lanes),
	}
	for gi, g := range groups {
		s.remaining[gi] = g.Items
		s.unit[gi] = g.Unit
		for l := 0; l < g.Lanes && s.remaining[gi] > 0; l++ {
			id := int32(len(s.laneGroup))
			s.laneGroup = append(s.laneGroup, int32(gi))
			s.laneLeft = append(s.laneLeft, s.take(gi))
			s.push(id)
		}
	}
	return s
}

// take removes the next unit from group gi's list and returns its size.
func (s *sim) take(gi int) int {
	u := min(s.unit[gi], s.remaining[gi])
	s.remaining[gi] -= u
	return u
}

func (s *sim) waiting() int { return s.n }

func (s *sim) push(id int32) {
	s.queue[(s.head+s.n)%len(s.queue)] = id
	s.n++
}

func (s *sim) pop() int32 {
	id := s.queue[s.head]
	s.head = (s.head + 1) % len(s.queue)
	s.n--
	return id
}

// round serves the first serve waiting requests; each completes and its lane
// either issues its next request (re-queued at the back) or stops.
func (s *sim) round(serve int) {
	for range serve {
		id := s.pop()
		s.laneLeft[id]--
		if s.laneLeft[id] == 0 {
			gi := int(s.laneGroup[id])
			if s.remaining[gi] == 0 {
				continue // lane done
			}
			s.laneLeft[id] = s.take(gi)
		}
		s.push(id)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
