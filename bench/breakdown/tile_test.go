package breakdown

import (
	"math"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers"
)

// synth is a synthetic case: batches batches against g servers, each
// batch's phases of the same lengths, its first start at t (CLOCK_MONOTONIC
// ns, chosen near the int64 limit so that the sums wrap).
type synth struct {
	batches, g                                         int
	harness, send, arrival, pre, late, post, ret, read time.Duration
	ideal, connect                                     time.Duration
	traced                                             bool
}

// collector returns a Collector that saw the synthetic case, and the
// loop's elapsed time.
func (s synth) collector(t int64) (*Collector, time.Duration) {
	co := &Collector{connect: s.connect, batches: s.batches, lanes: 100}
	if s.connect > 0 {
		co.c.Conn = clients.Cold
	}
	for range s.g {
		co.ServerPIDs = append(co.ServerPIDs, 0)
	}
	var st servers.Stats
	wall := s.send + s.arrival + s.pre + s.ideal + s.late + s.post + s.ret + s.read
	for range s.batches {
		t += int64(s.harness) // the loop's own time, before the batch
		co.stamps.start += t
		first := t + int64(s.send+s.connect)
		for range s.g {
			st.Bursts++
			st.BurstFirstMonoNS += first
			st.BurstSpanNS += int64(s.arrival + s.pre + s.ideal + s.late + s.post)
			st.BurstArrivalNS += int64(s.arrival)
			st.BurstPreNS += int64(s.pre)
			st.BurstDelayNS += int64(s.ideal)
			st.BurstLateNS += int64(s.late)
			st.BurstPostNS += int64(s.post)
		}
		if s.traced {
			co.stamps.resp += t + int64(wall+s.connect-s.read)
			co.stamps.nRes++
		}
		t += int64(wall + s.connect)
		co.stamps.end += t
		co.stamps.wall += wall + s.connect
		co.wall += wall + s.connect
	}
	co.t1.stats = st
	co.t0.rt, co.t1.rt = readRuntime(), readRuntime()
	return co, time.Duration(s.batches) * (s.harness + wall + s.connect)
}

// TestTile checks that the parts tile synthetic batches exactly: each
// comes back as built, and the residual is zero, with sums that wrap.
func TestTile(t *testing.T) {
	for _, s := range []synth{
		{batches: 7, g: 1, harness: 3e3, send: 400e3, arrival: 900e3, pre: 5e3, late: 1200e3, post: 8e3, ret: 300e3, read: 150e3, ideal: 50e6, traced: true},
		{batches: 3, g: 4, harness: 9e3, send: 2e6, arrival: 4e6, pre: 2e3, late: 3e6, post: 1e3, ret: 800e3, read: 40e3, ideal: 1e9, traced: true},
		{batches: 5, g: 1, harness: 1e3, send: 700e3, arrival: 2e6, pre: 3e3, late: 1e6, post: 2e3, ret: 600e3, ideal: 50e6, connect: 60e3},
	} {
		for _, t0 := range []int64{1e12, math.MaxInt64 - int64(time.Second)} {
			co, elapsed := s.collector(t0)
			bd, err := co.compute(s.batches, elapsed, s.ideal)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]time.Duration{
				HarnessMetric: s.harness, ConnectMetric: s.connect, SendMetric: s.send, ArrivalMetric: s.arrival,
				ServerPreMetric: s.pre, TimerLateMetric: s.late, ServerPostMetric: s.post, ReturnMetric: s.ret,
				ReadMetric: s.read, IPCMetric: 0,
			}
			for name, w := range want {
				if got := bd.Parts[name]; got != w {
					t.Errorf("%+v at %d: %s = %v, want %v", s, t0, name, got, w)
				}
			}
			if r := bd.Residual(); r != 0 {
				t.Errorf("%+v at %d: residual %v, want 0 (excess %v)", s, t0, r, bd.Excess)
			}
		}
	}
}

// TestTileNeedsOneBurstPerBatch checks that batches of several bursts
// (waves) are not placed: the client's parts stay zero and the residual
// keeps them.
func TestTileNeedsOneBurstPerBatch(t *testing.T) {
	s := synth{batches: 4, g: 1, harness: 1e3, send: 500e3, arrival: 1e6, late: 1e6, ret: 400e3, read: 100e3, ideal: 50e6, traced: true}
	co, elapsed := s.collector(1e12)
	co.t1.stats.Bursts++ // one more burst than batches
	bd, err := co.compute(s.batches, elapsed, s.ideal)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{SendMetric, ReturnMetric, ReadMetric} {
		if bd.Parts[name] != 0 {
			t.Errorf("%s = %v, want 0 (not placed)", name, bd.Parts[name])
		}
	}
	if r, want := bd.Residual(), s.send+s.ret+s.read; r < want*9/10 {
		t.Errorf("residual %v, want about the client's %v", r, want)
	}
}

// TestTakeIPC checks that the pipe time comes out of send and return in
// proportion, their sum less it exactly.
func TestTakeIPC(t *testing.T) {
	tl := timeline{send: 3e6, ret: 1e6}
	tl.takeIPC(2e6)
	if tl.send != 1.5e6 || tl.ret != 0.5e6 {
		t.Errorf("send %v, return %v; want 1.5ms, 500µs", tl.send, tl.ret)
	}
}
