package breakdown

import (
	"context"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/internal/monoclock"
)

// stamps are the client's timestamps of a case's timed batches, on
// CLOCK_MONOTONIC (the clock of the server's Stats.BurstFirstMonoNS),
// added up; the sums wrap, only differences mean anything.
type stamps struct {
	n            int   // batches run
	start, end   int64 // Σ batch start, Σ batch end (RunBatch around cl.Run)
	wall         time.Duration
	wrote, resp  int64        // Σ of the last request written, of the last response seen
	nWrote, nRes int          // batches that had them (traced clients only)
	per          []batchStamp // each batch's own (ring.go)

	// The client's waves (waves.go), over the batches whose waves all
	// ended (nWaved): their count, Σ wave start, Σ wave end, Σ each
	// batch's first wave start and Σ its last wave end.
	nWaved                        int
	waves                         int64
	waveStart, waveEnd, firstWave int64
	lastWave                      int64
}

// batchTrace is one batch's latest request written (net/http) or issued
// (fasthttp) and latest response seen (net/http: its first byte;
// fasthttp: read in full), CLOCK_MONOTONIC ns, 0 for none.
type batchTrace struct {
	clock       monoclock.Clock
	wrote, resp atomic.Int64
	http        *httptrace.ClientTrace
	fast        *clients.DoTrace

	mu      sync.Mutex // guards w
	w       waveTrace
	slowGap time.Duration // tests only: sleep after each wave's end
}

func newBatchTrace(clock monoclock.Clock) *batchTrace {
	t := &batchTrace{clock: clock}
	t.http = &httptrace.ClientTrace{
		GetConn:              func(string) { t.begin() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { t.note(&t.wrote) },
		GotFirstResponseByte: func() { t.note(&t.resp); t.end() },
	}
	t.fast = &clients.DoTrace{
		Sent: func() { t.begin(); t.note(&t.wrote) },
		Done: func() { t.note(&t.resp); t.end() },
	}
	return t
}

// note raises v to now.
func (t *batchTrace) note(v *atomic.Int64) {
	now := t.clock.NS(time.Now())
	for {
		old := v.Load()
		if now <= old || v.CompareAndSwap(old, now) {
			return
		}
	}
}

// RunBatch runs one timed batch (harness.BatchRunner): it stamps the
// batch's start and end around cl.Run and traces its requests through
// the context (net/http/httptrace for the net/http strategies,
// clients.DoTrace for fasthttp; worker processes are not traced).
func (co *Collector) RunBatch(ctx context.Context, cl clients.Client, n int) (*clients.Result, error) {
	tr := co.trace
	tr.wrote.Store(0)
	tr.resp.Store(0)
	tr.resetWaves()
	ctx = clients.WithDoTrace(httptrace.WithClientTrace(ctx, tr.http), tr.fast)
	start := time.Now()
	res, err := cl.Run(ctx, n)
	if co.slowRead > 0 { // the tests' client, slow after its last response
		time.Sleep(co.slowRead)
	}
	end := time.Now()
	s := &co.stamps
	s.n++
	s.start += co.clock.NS(start)
	s.end += co.clock.NS(end)
	s.wall += end.Sub(start)
	if w := tr.wrote.Load(); w != 0 {
		s.wrote += w
		s.nWrote++
	}
	bs := batchStamp{start: co.clock.NS(start), end: co.clock.NS(end)}
	if r := tr.resp.Load(); r != 0 {
		s.resp += r
		s.nRes++
		bs.resp = r
	}
	s.per = append(s.per, bs)
	if w, ok := tr.waves(); ok {
		s.nWaved++
		s.waves += int64(w.n)
		s.waveStart += w.start
		s.waveEnd += w.end
		s.firstWave += w.first
		s.lastWave += w.last
	}
	return res, err
}

// timeline is the client's side of a batch, placed against the server's
// bursts: per batch and server process.
type timeline struct {
	send, ret, read time.Duration // batch start → first arrival; last exit → last response; → batch end
	gap             time.Duration // waves: a wave's last response → the next wave's first request
	write           time.Duration // batch start → last request written (0: not traced)
}

// tile places the client's stamps of batches batches against the
// servers' bursts (g processes; first = ΣBurstFirstMonoNS, span =
// ΣBurstSpanNS, over the same batches): ok only with exactly one burst
// per batch and process, where the phases follow one another.
func (s stamps) tile(batches, g int, bursts, first, span int64) (timeline, bool) {
	if batches < 1 || g < 1 || bursts != int64(batches)*int64(g) {
		return timeline{}, false
	}
	gg, per := int64(g), int64(batches)*int64(g)
	// Every sum wraps alike; the differences are small and exact.
	tl := timeline{send: time.Duration((first - gg*s.start) / per)}
	exit := first + span
	if s.nRes == batches {
		tl.ret = time.Duration((gg*s.resp - exit) / per)
		tl.read = time.Duration((s.end - s.resp) / int64(batches))
	} else {
		tl.ret = time.Duration((gg*s.end - exit) / per)
	}
	if s.nWrote == batches {
		tl.write = time.Duration((s.wrote - s.start) / int64(batches))
	}
	return tl, true
}

// takeIPC takes the pipe time out of send and return, which both contain
// some (the work's way out, the result's way back): in proportion to
// their lengths, as its split between the two ends is not measured.
func (tl *timeline) takeIPC(ipc time.Duration) {
	if ipc == 0 {
		return
	}
	send, ret := max(0, tl.send), max(0, tl.ret)
	if send+ret == 0 {
		tl.ret -= ipc
		return
	}
	out := time.Duration(float64(ipc) * float64(send) / float64(send+ret))
	tl.send -= out
	tl.ret -= ipc - out
}
