package model

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// walkCPU is walk (a cold fan-out, hop by hop, no stream cap) with each
// wave of requests that start at one instant first running its set-ups'
// CPU on a pool of cpu.Cores cores: every request's client part, then
// every server part, each job on the core that frees first. It schedules
// the jobs one by one, an account independent of SetupCPU's closed form.
func walkCPU(n, lanes int, d time.Duration, nw Network, cpu ConnCPU) time.Duration {
	hop := nw.RTT / 2
	body := time.Duration(0)
	if nw.Bandwidth > 0 {
		body = time.Duration(nw.Body * int64(time.Second) / nw.Bandwidth)
	}
	cores := make([]time.Duration, cpu.Cores)
	laneFree := make([]time.Duration, lanes)
	issued, end := 0, time.Duration(0)
	for issued < n {
		t := slices.Min(laneFree)
		var wave []int
		for l, f := range laneFree {
			if f == t && issued+len(wave) < n {
				wave = append(wave, l)
			}
		}
		ready := t
		for _, part := range []time.Duration{cpu.Client, cpu.Server} {
			last := ready
			for range wave {
				c := slices.Index(cores, slices.Min(cores))
				cores[c] = max(cores[c], ready) + part
				last = max(last, cores[c])
			}
			ready = last
		}
		for _, l := range wave {
			done := ready
			for range flights(nw.TLS, nw.Resumed) {
				done += hop
			}
			done += hop + d + hop + body
			laneFree[l] = done
			end = max(end, done)
		}
		issued += len(wave)
	}
	return end
}

// TestIdealNetworkCPUMatchesWalk checks IdealNetworkCPU against walkCPU
// for cold fan-outs over several paths, TLS set-ups, core counts and CPU
// costs, and that it is IdealNetwork for warm batches and zero CPU.
func TestIdealNetworkCPUMatchesWalk(t *testing.T) {
	const d = 50 * time.Millisecond
	for _, rtt := range []time.Duration{0, 40 * time.Millisecond} {
		for _, sec := range []Security{Plain, TLS12, TLS13} {
			for _, cpu := range []ConnCPU{
				{Cores: 2},
				{Client: 500 * time.Microsecond, Server: 380 * time.Microsecond, Cores: 2},
				{Client: 300 * time.Microsecond, Server: 900 * time.Microsecond, Cores: 1},
				{Client: time.Millisecond, Server: time.Millisecond, Cores: 3},
			} {
				for _, nc := range [][2]int{{1, 1}, {100, 100}, {100, 0}, {1000, 64}, {37, 5}, {7, 3}} {
					nw := Network{RTT: rtt, Bandwidth: 12_500_000, Body: 5000, TLS: sec, Cold: true}
					p := Params{Kind: Fanout, N: nc[0], C: nc[1], Delay: d}
					got, err := IdealNetworkCPU(p, nw, cpu)
					if err != nil {
						t.Fatalf("IdealNetworkCPU(%+v, %+v, %+v): %v", p, nw, cpu, err)
					}
					if want := walkCPU(p.N, effective(p.C, p.N), d, nw, cpu); got != want {
						t.Fatalf("IdealNetworkCPU(%+v, %+v, %+v) = %v, walkCPU says %v", p, nw, cpu, got, want)
					}
					nw.Cold = false
					warm, _ := IdealNetwork(p, nw)
					if got, err := IdealNetworkCPU(p, nw, cpu); err != nil || got != warm {
						t.Errorf("warm: IdealNetworkCPU = %v, %v; want IdealNetwork's %v", got, err, warm)
					}
				}
			}
		}
	}
}

// TestIdealNetworkCPUNumbers pins the case that motivated the term: a cold
// TLS 1.3 fan-out of n = c = 100 at RTT 40 ms, d = 50 ms, on 2 cores with
// 0.5 ms client and 0.38 ms server CPU per handshake: 3 RTT + d = 170 ms of
// round trips, plus 50 × 0.88 ms = 44 ms of CPU.
func TestIdealNetworkCPUNumbers(t *testing.T) {
	p := Params{Kind: Fanout, N: 100, C: 100, Delay: 50 * time.Millisecond}
	nw := Network{RTT: 40 * time.Millisecond, TLS: TLS13, Cold: true}
	cpu := ConnCPU{Client: 500 * time.Microsecond, Server: 380 * time.Microsecond, Cores: 2}
	rt, _ := IdealNetwork(p, nw)
	got, err := IdealNetworkCPU(p, nw, cpu)
	if err != nil || rt != 170*time.Millisecond || got != 214*time.Millisecond {
		t.Errorf("round trips %v (want 170ms), with CPU %v, %v (want 214ms)", rt, got, err)
	}
	// Two rounds of 50 on n = 100, c = 50: 2 × (170 ms + 25 × 0.88 ms).
	p.C = 50
	if got, _ := IdealNetworkCPU(p, nw, cpu); got != 2*(170*time.Millisecond+22*time.Millisecond) {
		t.Errorf("n = 100, c = 50: %v, want 384ms", got)
	}
}

func TestConnCPUBadInput(t *testing.T) {
	p := Params{Kind: Fanout, N: 10, Delay: time.Second}
	nw := Network{RTT: time.Millisecond, Cold: true}
	for _, tc := range []struct {
		cpu   ConnCPU
		field string
	}{
		{ConnCPU{Client: -1, Cores: 1}, "ConnCPU.Client"},
		{ConnCPU{Server: -1, Cores: 1}, "ConnCPU.Server"},
		{ConnCPU{Client: time.Millisecond}, "ConnCPU.Cores"},
	} {
		_, err := IdealNetworkCPU(p, nw, tc.cpu)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Field != tc.field {
			t.Errorf("IdealNetworkCPU(%+v) = %v, want a ParamError naming %s", tc.cpu, err, tc.field)
		}
	}
}
