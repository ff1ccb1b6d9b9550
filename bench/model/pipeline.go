package model

import (
	"fmt"
	"math"
	"time"
)

// ReqCPU is the processor time one request on a warm connection costs,
// on the client and on the server: IdealNetworkPipe's per-request work.
type ReqCPU struct {
	Client, Server time.Duration // ≥ 0
}

// Validate returns a *ParamError naming the first bad field.
func (r ReqCPU) Validate() error {
	switch {
	case r.Client < 0:
		return &ParamError{"ReqCPU.Client", fmt.Sprintf("%v must be ≥ 0", r.Client)}
	case r.Server < 0:
		return &ParamError{"ReqCPU.Server", fmt.Sprintf("%v must be ≥ 0", r.Server)}
	}
	return nil
}

// step is one leg of a request's path in the pipeline: processor work on
// one of the shared cores (cpu), or a trip that holds no core.
type step struct {
	cpu bool
	d   time.Duration
}

// pipeSteps returns the legs of one request over n with server delay d,
// the set-up CPU conn (cold connections only) and the request CPU req, in
// order: the trips sum to n.RequestTime(d). The CPU sits where the
// protocol puts it: the server's set-up part when its last set-up flight
// arrives, the client's when the set-up ends, each side's request CPU
// split in halves around the trips (client send and read, server parse
// and write). TLS 1.2's two server flights are lumped into the last.
func pipeSteps(n Network, d time.Duration, conn ConnCPU, req ReqCPU) []step {
	h := n.RTT / 2
	rest := n.RequestTime(d) - d - n.RTT // set-up trips and the body
	var s []step
	if n.Cold {
		setup := time.Duration(n.SetupRTTs()) * n.RTT
		rest -= setup
		s = append(s, step{d: setup - h}, step{cpu: true, d: conn.Server}, step{d: h}, step{cpu: true, d: conn.Client})
	}
	return append(s,
		step{cpu: true, d: req.Client / 2}, step{d: n.RTT - h},
		step{cpu: true, d: req.Server / 2}, step{d: d},
		step{cpu: true, d: req.Server - req.Server/2}, step{d: h + rest},
		step{cpu: true, d: req.Client - req.Client/2})
}

// pipeMakespan returns when the last of m requests that start together at
// 0 has run through steps, every cpu step served whole on one of cores
// cores, in the order the steps became ready (ties by request), and every
// trip taken in parallel. It is a discrete-event simulation, O(m·len(steps)
// ·log(m + cores)).
func pipeMakespan(steps []step, m, cores int) time.Duration {
	if m <= 0 {
		return 0
	}
	free := make(slotHeap, cores) // when each core is next idle
	ev := make(eventHeap, 0, m)
	for j := range m { // an event's seq is its request, lane its next step
		ev.push(event{at: 0, seq: int64(j)})
	}
	var end time.Duration
	for len(ev) > 0 {
		e := ev.pop()
		if int(e.lane) == len(steps) {
			end = max(end, e.at)
			continue
		}
		st, next := steps[e.lane], e.at
		switch {
		case st.cpu && st.d > 0:
			next = max(e.at, free[0]) + st.d
			free.replaceMin(next)
		case !st.cpu:
			next = e.at + st.d
		}
		ev.push(event{at: next, seq: e.seq, lane: e.lane + 1})
	}
	return end
}

// IdealNetworkPipe returns IdealNetwork's batch time with the processor
// work of every request placed on the path as a pipeline: each round of m
// requests that start together runs pipeSteps on conn.Cores cores shared
// by client and server (one machine), and the round lasts until its last
// request ends. Work on one side overlaps the trips of the others, so a
// round of m cold requests pays about the slowest leg's m / Cores jobs,
// not the sum of all legs as IdealNetworkCPU's serialised bound does; on
// a short path (lan) the legs overlap each other and pay the cores' total.
// conn applies to cold batches only; req to every batch. Rounds are those
// of IdealNetwork (unlimited server; a strict HTTP/2 client's stream cap).
// The emulated network's own CPU is not modelled.
func IdealNetworkPipe(p Params, n Network, conn ConnCPU, req ReqCPU) (time.Duration, error) {
	ideal, err := IdealNetwork(p, n)
	if err != nil {
		return 0, err
	}
	if err := conn.Validate(); err != nil {
		return 0, err
	}
	if err := req.Validate(); err != nil {
		return 0, err
	}
	if n == (Network{}) {
		return 0, &ParamError{"Network", "the pipeline model needs a network path (loopback has none)"}
	}
	k := 0
	if n.Streams > 0 && !n.Cold {
		k = n.Streams
	}
	gs, err := Groups(p)
	if err != nil {
		return 0, err
	}
	lanes, err := checkGroups(gs, k)
	if err != nil {
		return 0, fmt.Errorf("model: network pipeline ideal %s: %w", p.Kind, err)
	}
	steps := pipeSteps(n, p.Delay, conn, req)
	var trips time.Duration
	for _, st := range steps {
		if !st.cpu {
			trips += st.d
		}
	}
	extra := map[int]time.Duration{} // rounds of one size cost the same
	s := newSim(gs, lanes)
	for s.waiting() > 0 {
		m := s.waiting()
		if k > 0 {
			m = min(m, k)
		}
		add, ok := extra[m]
		if !ok {
			add = pipeMakespan(steps, m, conn.Cores) - trips
			extra[m] = add
		}
		if ideal > math.MaxInt64-add {
			return 0, &ParamError{"ReqCPU", "the batch time overflows time.Duration"}
		}
		ideal += add
		s.round(m)
	}
	return ideal, nil
}
