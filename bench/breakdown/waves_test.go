package breakdown

import (
	"math"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// wavy is a synthetic case of batches of waves waves against one server,
// a burst per wave, each wave and burst alike.
type wavy struct {
	batches, waves                                    int
	harness, send, arrival, pre, late, post, ret, gap time.Duration
	read, d                                           time.Duration
}

// collector returns a Collector that saw the synthetic case from t
// (CLOCK_MONOTONIC ns), and the loop's elapsed time.
func (s wavy) collector(t int64) (*Collector, time.Duration) {
	co := &Collector{batches: s.batches, lanes: 1, ServerPIDs: []int{0}}
	var st servers.Stats
	var elapsed time.Duration
	span := s.arrival + s.pre + s.d + s.late + s.post
	for range s.batches {
		t += int64(s.harness)
		start := t
		co.stamps.n++
		co.stamps.nWaved++
		co.stamps.start += t
		for w := range s.waves {
			if w == 0 {
				co.stamps.firstWave += t
			} else {
				t += int64(s.gap)
			}
			co.stamps.waves++
			co.stamps.waveStart += t
			t += int64(s.send)
			st.Bursts++
			st.BurstFirstMonoNS += t
			st.BurstSpanNS += int64(span)
			st.BurstArrivalNS += int64(s.arrival)
			st.BurstPreNS += int64(s.pre)
			st.BurstDelayNS += int64(s.d)
			st.BurstLateNS += int64(s.late)
			st.BurstPostNS += int64(s.post)
			t += int64(span + s.ret)
			co.stamps.waveEnd += t
		}
		co.stamps.lastWave += t
		co.stamps.resp += t
		co.stamps.nRes++
		t += int64(s.read)
		co.stamps.end += t
		co.stamps.wall += time.Duration(t - start)
		co.wall += time.Duration(t - start)
		elapsed += s.harness + time.Duration(t-start)
	}
	co.t1.stats = st
	co.t0.rt, co.t1.rt = readRuntime(), readRuntime()
	return co, elapsed
}

// TestTileWaves checks that the parts tile synthetic batches of several
// bursts exactly, a burst per client wave, with sums that wrap: each part
// comes back as built (send, return per wave; the gaps between waves)
// and the residual is zero.
func TestTileWaves(t *testing.T) {
	for _, s := range []wavy{
		{batches: 3, waves: 100, harness: 2e3, send: 60e3, arrival: 0, pre: 4e3, late: 90e3, post: 3e3, ret: 50e3, gap: 70e3, read: 20e3, d: 50e6},
		{batches: 5, waves: 7, harness: 1e3, send: 300e3, arrival: 800e3, pre: 2e3, late: 1e6, post: 5e3, ret: 200e3, gap: 40e3, read: 9e3, d: 5e6},
	} {
		for _, t0 := range []int64{1e12, math.MaxInt64 - int64(time.Second)} {
			co, elapsed := s.collector(t0)
			w := time.Duration(s.waves)
			ideal := w * s.d
			bd, err := co.compute(s.batches, elapsed, ideal)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]time.Duration{
				HarnessMetric: s.harness, SendMetric: w * s.send, ArrivalMetric: w * s.arrival,
				ServerPreMetric: w * s.pre, TimerLateMetric: w * s.late, ServerPostMetric: w * s.post,
				ReturnMetric: w * s.ret, GapMetric: (w - 1) * s.gap, ReadMetric: s.read, ConnectMetric: 0, IPCMetric: 0,
			}
			for name, v := range want {
				if got := bd.Parts[name]; got != v {
					t.Errorf("%d waves at %d: %s = %v, want %v", s.waves, t0, name, got, v)
				}
			}
			if r := bd.Residual(); r != 0 {
				t.Errorf("%d waves at %d: residual %v, want 0 (excess %v)", s.waves, t0, r, bd.Excess)
			}
			if bd.Bursts != float64(s.waves) {
				t.Errorf("bursts %v, want %d", bd.Bursts, s.waves)
			}
		}
	}
}

// TestTileWavesNeedsOneBurstPerWave checks that waves not matched one to
// one with bursts (a wave holding two, or a batch whose waves were not all
// traced) are not placed: the client's parts stay zero.
func TestTileWavesNeedsOneBurstPerWave(t *testing.T) {
	s := wavy{batches: 4, waves: 5, send: 100e3, late: 1e6, ret: 100e3, gap: 300e3, read: 10e3, d: 5e6}
	for name, spoil := range map[string]func(*Collector){
		"a burst more":       func(co *Collector) { co.t1.stats.Bursts++ },
		"a wave untraced":    func(co *Collector) { co.stamps.nWaved-- },
		"two bursts a wave?": func(co *Collector) { co.stamps.waves-- },
	} {
		co, elapsed := s.collector(1e12)
		spoil(co)
		bd, err := co.compute(s.batches, elapsed, 5*s.d)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{SendMetric, ReturnMetric, GapMetric, ReadMetric} {
			if bd.Parts[p] != 0 {
				t.Errorf("%s: %s = %v, want 0 (not placed)", name, p, bd.Parts[p])
			}
		}
	}
}
