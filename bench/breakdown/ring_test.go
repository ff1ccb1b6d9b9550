package breakdown

import (
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers"
)

// ringSynth is a synthetic case of several server bursts per batch, one
// server process: each batch's phases of the same lengths, its bursts'
// arrivals different (burst j's arrival is arrival·(j+1)).
type ringSynth struct {
	batches, bursts                               int
	harness, send, gap, arrival, pre, delay, late time.Duration
	post, ret, read, ideal, connect, ipc          time.Duration
	traced                                        bool
}

// collector returns a Collector that saw the synthetic case (with the
// server's ring as Stop reads it, a straggler burst between batches
// included), and the loop's elapsed time.
func (s ringSynth) collector(t int64) (*Collector, time.Duration) {
	co := &Collector{connect: s.connect, batches: s.batches, lanes: 8, ServerPIDs: []int{0}}
	if s.connect > 0 {
		co.c.Conn = clients.Cold
	}
	co.ring = &servers.BurstLog{}
	var st servers.Stats
	var elapsed time.Duration
	for range s.batches {
		t += int64(s.harness)
		// A burst of the harness's own, outside every batch: not counted.
		co.ring.Bursts = append(co.ring.Bursts, servers.BurstRecord{FirstMonoNS: t - int64(s.harness)/2, LastMonoNS: t - int64(s.harness)/4})
		start := t
		t += int64(s.connect + s.send)
		for j := range s.bursts {
			if j > 0 {
				t += int64(s.connect + s.gap)
			}
			r := servers.BurstRecord{FirstMonoNS: t, ArrivalNS: int64(s.arrival) * int64(j+1), PreNS: int64(s.pre),
				DelayNS: int64(s.delay), LateNS: int64(s.late), PostNS: int64(s.post)}
			t += r.ArrivalNS + r.PreNS + r.DelayNS + r.LateNS + r.PostNS
			r.LastMonoNS = t
			co.ring.Bursts = append(co.ring.Bursts, r)
			st.Bursts++ // the sums' other fields are not used when placed one by one
		}
		t += int64(s.ret)
		b := batchStamp{start: start, end: t + int64(s.read)}
		if s.traced {
			b.resp = t
			co.stamps.nRes++
		} else {
			b.end = t // untraced: the read is in return
		}
		t = b.end
		co.stamps.per = append(co.stamps.per, b)
		co.stamps.n++
		co.stamps.start += b.start
		co.stamps.end += b.end
		co.stamps.wall += time.Duration(b.end - b.start)
		co.wall += time.Duration(b.end - b.start)
		elapsed += s.harness + time.Duration(b.end-b.start)
	}
	co.t1.stats = st
	co.t1.ipc.Path = s.ipc * time.Duration(s.batches)
	co.t0.rt, co.t1.rt = readRuntime(), readRuntime()
	return co, elapsed
}

// TestTileRing checks that batches of several bursts, placed one by one
// against the server's ring, tile exactly: each part comes back as built
// and the residual is zero.
func TestTileRing(t *testing.T) {
	for _, s := range []ringSynth{
		{batches: 3, bursts: 4, harness: 5e3, send: 300e3, gap: 700e3, arrival: 40e6, pre: 4e3, delay: 50e6, late: 900e3,
			post: 6e3, ret: 250e3, read: 90e3, ideal: 600e6, traced: true},
		{batches: 5, bursts: 2, harness: 2e3, send: 800e3, gap: 1.5e6, arrival: 30e6, pre: 2e3, delay: 50e6, late: 1.1e6,
			post: 3e3, ret: 600e3, ideal: 150e6, connect: 70e3, ipc: 400e3},
		{batches: 2, bursts: 3, harness: 2e3, send: 100e3, gap: 200e3, arrival: 30e6, pre: 2e3, delay: 50e6, late: 1.1e6,
			post: 3e3, ret: 150e3, ideal: 150e6, ipc: 2e6}, // more pipe time than the client's side
		{batches: 1, bursts: 7, harness: 1e3, send: 100e3, gap: 50e3, arrival: 1e6, pre: 1e3, delay: 5e6, late: 200e3,
			post: 1e3, ret: 80e3, read: 20e3, ideal: 60e6, connect: 30e3, traced: true},
	} {
		co, elapsed := s.collector(1e12)
		bd, err := co.compute(s.batches, elapsed, s.ideal)
		if err != nil {
			t.Fatal(err)
		}
		k := time.Duration(s.bursts)
		var arrival time.Duration
		for j := range s.bursts {
			arrival += s.arrival * time.Duration(j+1)
		}
		want := map[string]time.Duration{
			HarnessMetric: s.harness, ConnectMetric: s.connect * k, GapMetric: s.gap * (k - 1),
			ArrivalMetric: arrival + k*s.delay - s.ideal, ServerPreMetric: k * s.pre, TimerLateMetric: k * s.late,
			ServerPostMetric: k * s.post, IPCMetric: s.ipc,
		}
		if s.traced {
			want[ReadMetric] = s.read
		}
		if s.ipc == 0 {
			want[SendMetric], want[ReturnMetric] = s.send, s.ret
		} else {
			// The pipe comes out of send, gap and return, at most all of them.
			clientSide := s.send + s.gap*(k-1) + s.ret
			want[IPCMetric] = min(s.ipc, clientSide)
			delete(want, GapMetric)
			if got := bd.Parts[SendMetric] + bd.Parts[GapMetric] + bd.Parts[ReturnMetric]; got != clientSide-want[IPCMetric] {
				t.Errorf("%+v: send + gap + return = %v, want %v less the pipe's %v", s, got, clientSide, want[IPCMetric])
			}
			for _, p := range []string{SendMetric, GapMetric, ReturnMetric} {
				if bd.Parts[p] < 0 {
					t.Errorf("%+v: %s = %v, want >= 0", s, p, bd.Parts[p])
				}
			}
		}
		for name, w := range want {
			if got := bd.Parts[name]; got != w {
				t.Errorf("%+v: %s = %v, want %v", s, name, got, w)
			}
		}
		if bd.Bursts != float64(s.bursts) {
			t.Errorf("%+v: %v bursts per batch, want %d (the harness's own not counted)", s, bd.Bursts, s.bursts)
		}
		if r := bd.Residual(); r != 0 {
			t.Errorf("%+v: residual %v, want 0 (excess %v)", s, r, bd.Excess)
		}

		// Without the ring (overflowed, or not read) nothing is placed.
		co, elapsed = s.collector(1e12)
		co.ring = nil
		bd, err = co.compute(s.batches, elapsed, s.ideal)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{SendMetric, ReturnMetric, GapMetric, ReadMetric} {
			if bd.Parts[name] != 0 {
				t.Errorf("%+v, no ring: %s = %v, want 0 (not placed)", s, name, bd.Parts[name])
			}
		}
	}
}

// TestTileRingNeedsABurstPerBatch checks that a batch with no burst of
// its own in the ring leaves the whole case unplaced.
func TestTileRingNeedsABurstPerBatch(t *testing.T) {
	s := ringSynth{batches: 3, bursts: 2, harness: 1e3, send: 1e5, gap: 1e5, arrival: 1e6, delay: 5e6, ret: 1e5, ideal: 10e6}
	co, _ := s.collector(1e12)
	var kept []servers.BurstRecord
	for _, r := range co.ring.Bursts {
		if r.FirstMonoNS < co.stamps.per[1].start || r.FirstMonoNS >= co.stamps.per[1].end {
			kept = append(kept, r)
		}
	}
	if _, ok := co.stamps.tileRing(s.batches, kept); ok {
		t.Errorf("batch 1's bursts dropped: placed, want not placed")
	}
	if _, ok := co.stamps.tileRing(s.batches, co.ring.Bursts); !ok {
		t.Errorf("every batch's bursts: not placed, want placed")
	}
}
