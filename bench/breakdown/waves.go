package breakdown

import "time"

// A batch's client waves: a wave starts when a traced request begins
// (net/http: httptrace GetConn; fasthttp: DoTrace.Sent) while the client
// has none in flight, and ends when its last one in flight gets its
// response (net/http: the first byte; fasthttp: read in full). A
// sequential client's every request is a wave; a fan-out of one wave is
// one. A server burst lies inside a client wave, so where the batches'
// waves are as many as the server's bursts, each wave holds one burst and
// the two can be placed against each other from sums (tileWaves).

// waveTrace is one batch's waves so far (CLOCK_MONOTONIC ns, sums wrap).
type waveTrace struct {
	inflight    int   // traced requests begun and not yet answered
	n           int   // waves begun
	start, end  int64 // Σ wave start, Σ wave end
	first, last int64 // the first wave's start, the last wave's end
	broken      bool  // an answer without a request (not placed)
}

// begin notes a traced request's start.
func (t *batchTrace) begin() {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := &t.w
	if w.inflight++; w.inflight > 1 {
		return
	}
	now := t.clock.NS(time.Now())
	if w.n == 0 {
		w.first = now
	}
	w.n++
	w.start += now
}

// end notes a traced request's answer.
func (t *batchTrace) end() {
	t.mu.Lock()
	w := &t.w
	if w.inflight == 0 {
		w.broken = true
		t.mu.Unlock()
		return
	}
	w.inflight--
	if w.inflight > 0 {
		t.mu.Unlock()
		return
	}
	now := t.clock.NS(time.Now())
	w.end += now
	w.last = now
	t.mu.Unlock()
	if t.slowGap > 0 { // the tests' client, slow between its waves
		time.Sleep(t.slowGap)
	}
}

func (t *batchTrace) resetWaves() {
	t.mu.Lock()
	t.w = waveTrace{}
	t.mu.Unlock()
}

// waves returns the batch's waves, ok only if there were some and every
// request begun was answered (a failed net/http request has no first
// byte: its batch is not placed).
func (t *batchTrace) waves() (waveTrace, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.w, t.w.n > 0 && t.w.inflight == 0 && !t.w.broken
}

// tileWaves places the client's waves of batches batches against one
// server process's bursts (first = ΣBurstFirstMonoNS, span =
// ΣBurstSpanNS over the same batches): ok only if every batch's waves
// were traced and they are exactly as many as the bursts, one burst per
// wave. Then, with a the waves' starts, e their ends, f and x the bursts'
// first entries and last exits, per batch
//
//	send = (a₁ − start) + Σ(f − a)   return = Σ(e − x)
//	gap  = Σ(a_{w+1} − e_w)          read   = end − e_last
//
// which add up to the batch less its bursts' spans.
func (s stamps) tileWaves(batches int, bursts, first, span int64) (timeline, bool) {
	if batches < 1 || s.nWaved != batches || bursts < 1 || s.waves != bursts {
		return timeline{}, false
	}
	nb := int64(batches)
	exit := first + span // wraps alike
	tl := timeline{
		send: time.Duration((s.firstWave - s.start + first - s.waveStart) / nb),
		ret:  time.Duration((s.waveEnd - exit) / nb),
		gap:  time.Duration((s.waveStart - s.firstWave - s.waveEnd + s.lastWave) / nb),
		read: time.Duration((s.end - s.lastWave) / nb),
	}
	if s.nWrote == batches {
		tl.write = time.Duration((s.wrote - s.start) / nb)
	}
	return tl, true
}
