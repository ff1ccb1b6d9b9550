package servers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crawlbench/crawlbench/internal/monoclock"
)

// Paths of the control endpoints; every other path is the slow endpoint.
const (
	StatsPath = "/_stats"
	ResetPath = "/_stats/reset"
)

// Response headers of the slow endpoint that let a client check what it got.
const (
	// HeaderSeq carries the request's arrival sequence number since the last
	// reset (the seq argument of DrawFault, and of DrawDelay for a request
	// without HeaderIndex).
	HeaderSeq = "X-Slowserver-Seq"
	// HeaderDelay carries the delay the request was given (after the cap), as
	// a Go duration.
	HeaderDelay = "X-Slowserver-Delay"
	// HeaderFault names the fault injected into the response (see Fault):
	// "fail", "reset" or "stall"; absent on a normal response.
	HeaderFault = "X-Slowserver-Fault"
	// HeaderIndex is the request header in which a client sends the
	// request's own index, a decimal integer 0..2⁶⁴−1: the request's
	// delay is then drawn from (Config.Seed, index) instead of its arrival
	// sequence number, so it does not depend on the order in which
	// concurrent requests happen to arrive. The crawlbench clients number
	// their requests and send it; a request without it (curl, wrk, hey)
	// draws from its arrival sequence number. Faults are drawn from the
	// arrival sequence number either way.
	HeaderIndex = "X-Slowserver-Index"
)

// Timeouts and limits of the http.Server returned by Server.HTTPServer.
const (
	// ReadHeaderTimeout is the default of Config.ReadHeaderTimeout.
	ReadHeaderTimeout = DefaultReadHeaderTimeout
	// IdleTimeout is the default of Config.IdleTimeout.
	IdleTimeout = DefaultIdleTimeout
	// MaxHeaderBytes caps a request's header block; beyond it the request
	// is answered 431 Request Header Fields Too Large.
	MaxHeaderBytes = 64 << 10
	// errorLogLines is how many error-log lines pass before the rest are
	// suppressed.
	errorLogLines = 20
	// chunkSize is the least size of the buffer that bodies are written from.
	chunkSize = 32 << 10
	// textPlain is the Content-Type of the slow endpoint's bodies.
	textPlain = "text/plain; charset=utf-8"
)

// Stats are a Server's counters since the last reset, as served by
// GET /_stats.
type Stats struct {
	// Served counts slow-endpoint requests answered in full with 200.
	Served int64 `json:"served"`
	// Canceled counts slow-endpoint requests whose client went away while
	// they queued, waited or were being written; nothing more is written
	// and the connection is closed, so such a request never gets a
	// success. A client that half-closes its connection (shutdown SHUT_WR)
	// has gone away too: net/http ends the request's context when it reads
	// the end of the client's stream.
	Canceled int64 `json:"canceled"`
	// BadRequests counts requests answered 400, 405 or 413.
	BadRequests int64 `json:"bad_requests"`
	// Failed counts requests answered 500 by the ?fail= fault (after their
	// delay; one whose client left first counts as Canceled).
	Failed int64 `json:"failed"`
	// Resets counts connections reset mid-body by the ?reset= fault (after
	// the delay; one whose client left first counts as Canceled).
	Resets int64 `json:"resets"`
	// Stalled counts requests held by the ?stall= fault, when they end:
	// their client gave up, or Config.MaxDelay passed and they were
	// answered 503.
	Stalled int64 `json:"stalled"`
	// InFlight is the number of requests in service now (holding a capacity
	// slot: waiting their delay or being written). A live gauge.
	InFlight int64 `json:"in_flight"`
	// MaxInFlight is the most requests in service at once.
	MaxInFlight int64 `json:"max_in_flight"`
	// Queued is the number of requests waiting for a capacity slot now. A
	// live gauge.
	Queued int64 `json:"queued"`
	// MaxQueued is the most requests waiting for a slot at once.
	MaxQueued int64 `json:"max_queued"`
	// Conns counts client connections accepted, not counting connections
	// whose first request is a control request (/_stats, /_stats/reset), so
	// that reading the stats does not change them. The exclusion needs
	// Server.ConnContext wired (HTTPServer does).
	Conns int64 `json:"conns"`
	// DelayNS and Dist are the server's configured delay d in nanoseconds
	// and its distribution (Config.Delay, Config.Dist), so that a client
	// can check it measures the server it thinks it does. Not counters:
	// a reset keeps them.
	DelayNS int64  `json:"delay_ns"`
	Dist    string `json:"dist"`
	// TimerLateNS, TimerLateMaxNS and TimerWakes measure how late the
	// delays fire: for every delay waited in full, the time from its start
	// to the handler running again, minus the delay (its sum, its largest
	// value, and how many). A timer that fires on time adds about zero.
	TimerLateNS    int64 `json:"timer_late_ns"`
	TimerLateMaxNS int64 `json:"timer_late_max_ns"`
	TimerWakes     int64 `json:"timer_wakes"`
	// PreTimerNS and PostTimerNS add up, over the same delays, the
	// handler's time before its delay started (parsing, queueing for a
	// slot) and after it fired (writing the answer into the response;
	// net/http sends it after the handler returns).
	PreTimerNS  int64 `json:"pre_timer_ns"`
	PostTimerNS int64 `json:"post_timer_ns"`
	// Bursts counts the bursts of slow-endpoint requests that ended (from
	// a request entering an idle handler to the last one leaving; a
	// batch of one wave is one), and the Burst*NS fields add up their
	// spans and the exact parts of each span, taken along the request
	// whose delay expired last (the critical one): Arrival from the
	// burst's first entry to the critical request's, Pre to its delay's
	// start, Delay, Late from its expiry to the burst's last wake-up, Post
	// to the burst's last exit. Span = Arrival + Pre + Delay + Late + Post.
	Bursts         int64 `json:"bursts"`
	BurstSpanNS    int64 `json:"burst_span_ns"`
	BurstArrivalNS int64 `json:"burst_arrival_ns"`
	BurstPreNS     int64 `json:"burst_pre_ns"`
	BurstDelayNS   int64 `json:"burst_delay_ns"`
	BurstLateNS    int64 `json:"burst_late_ns"`
	BurstPostNS    int64 `json:"burst_post_ns"`
	// BurstFirstMonoNS adds up the bursts' first entries on CLOCK_MONOTONIC
	// (ns since boot, shared by every process of the machine; package
	// internal/monoclock), so that a client can place the bursts on its own
	// timeline (bench/breakdown). The sum wraps around: only the difference
	// of two readings, less the client's own sums, means anything.
	BurstFirstMonoNS int64 `json:"burst_first_mono_ns"`
	// PID is the server's process id, so that a client on the same machine
	// can read its CPU time (bench/breakdown); set by GET /_stats, zero
	// from Server.Stats. Not a counter.
	PID int `json:"pid,omitempty"`
}

// Server is the slow HTTP handler. Create it with New; it is safe for
// concurrent use. All of its state lives in the struct.
type Server struct {
	cfg   Config        // with defaults applied
	sem   chan struct{} // capacity slots; nil when unlimited
	chunk []byte        // cfg.Body repeated to at least chunkSize bytes
	log   *quietWriter
	// params are the Params of a request without a query; bodyLen and
	// delayText are the header values of its Bytes and Delay, so that the
	// common request formats neither.
	params    Params
	bodyLen   string
	delayText string

	seq         atomic.Uint64
	served      atomic.Int64
	canceled    atomic.Int64
	badRequests atomic.Int64
	failed      atomic.Int64
	resets      atomic.Int64
	stalled     atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	queued      atomic.Int64
	maxQueued   atomic.Int64
	bursts      bursts    // and the timer counters, under the same lock
	base        time.Time // New's time; now counts from it
	timers      sync.Pool // of *time.Timer, stopped or fired and drained

	// afterWake, if not nil, runs when a delay's timer has fired, before
	// its lateness is measured; tests make a sleep late with it.
	afterWake func()

	connMu  sync.Mutex
	conns   int64                   // guarded by connMu
	gen     uint64                  // reset generation, guarded by connMu
	pending map[net.Conn]*connEntry // ConnContext → ConnState hand-off, guarded by connMu
}

// connEntry follows one connection, from Server.ConnContext on.
type connEntry struct {
	requests atomic.Int64 // requests seen on the connection
	gen      uint64       // reset generation it was counted in; guarded by Server.connMu
	counted  bool         // it is in Server.conns; guarded by Server.connMu
}

// connKey is the context key of a request's *connEntry.
type connKey struct{}

// New returns a Server for cfg, or the error of cfg.Validate.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("servers: invalid config: %w", err)
	}
	cfg = cfg.WithDefaults()
	s := &Server{cfg: cfg, base: time.Now(), pending: make(map[net.Conn]*connEntry)}
	clock, err := monoclock.New()
	if err != nil {
		return nil, fmt.Errorf("servers: %w", err)
	}
	s.bursts.clock = clock
	if cfg.Capacity > 0 {
		s.sem = make(chan struct{}, cfg.Capacity)
	}
	reps := max(1, (chunkSize+len(cfg.Body)-1)/len(cfg.Body))
	s.chunk = make([]byte, 0, reps*len(cfg.Body))
	for range reps {
		s.chunk = append(s.chunk, cfg.Body...)
	}
	w := cfg.ErrorLog
	if w == nil {
		w = os.Stderr
	}
	s.log = &quietWriter{w: w, limit: errorLogLines}
	if s.params, err = ParseParams(nil, cfg); err != nil {
		return nil, fmt.Errorf("servers: %w", err)
	}
	s.bodyLen = strconv.FormatInt(s.params.Bytes, 10)
	s.delayText = s.params.Delay.String()
	return s, nil
}

// Config returns the server's configuration with defaults applied.
func (s *Server) Config() Config { return s.cfg }

// ServeHTTP implements http.Handler: GET /_stats, POST /_stats/reset, and the
// slow endpoint on every other path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case StatsPath:
		s.control(r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.reject(w, http.StatusMethodNotAllowed, fmt.Sprintf("method: %s %s is not allowed; want GET", echo(r.Method), StatsPath))
			return
		}
		s.serveStats(w)
	case ResetPath:
		s.control(r)
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.reject(w, http.StatusMethodNotAllowed, fmt.Sprintf("method: %s %s is not allowed; want POST", echo(r.Method), ResetPath))
			return
		}
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case BurstsPath:
		s.control(r)
		s.serveBursts(w, r)
	default:
		s.serveSlow(w, r)
	}
}

// serveSlow is the slow endpoint: queue for a slot, wait the delay, answer.
func (s *Server) serveSlow(w http.ResponseWriter, r *http.Request) {
	entered := s.now()
	s.bursts.enter(entered)
	// post is the time after the delay, if it was waited in full, and
	// left the time the request was done; the request leaves the burst
	// also when it aborts.
	var post time.Duration = -1
	var left time.Time
	defer func() {
		if left.IsZero() {
			left = s.now()
		}
		s.bursts.leave(left, post)
	}()
	ctx := r.Context()
	if e, ok := ctx.Value(connKey{}).(*connEntry); ok {
		e.requests.Add(1)
	}
	p := s.params
	if r.URL.RawQuery != "" {
		var err error
		if p, err = ParseQuery(r.URL.RawQuery, s.cfg); err != nil {
			s.reject(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	index, hasIndex, err := requestIndex(r.Header)
	if err != nil {
		s.reject(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.drainBody(w, r) {
		return
	}
	seq := s.seq.Add(1) - 1
	if !hasIndex {
		index = seq
	}
	delay := min(DrawDelay(s.cfg.Dist, p.Delay, s.cfg.Sigma, s.cfg.Seed, index), s.cfg.MaxDelay)
	fault := DrawFault(s.cfg.Seed, seq, p.Fail, p.Reset, p.Stall)
	if fault == FaultStall {
		delay = s.cfg.MaxDelay
	}
	// Every request ends in exactly one counter.
	outcome := &s.canceled
	if fault == FaultStall {
		outcome = &s.stalled
	}
	if !s.acquire(ctx) {
		outcome.Add(1)
		abort()
	}
	raise(&s.maxInFlight, s.inFlight.Add(1))
	answered := false // a whole answer was handed to the connection
	if woke, ok := s.sleep(ctx, delay, entered); ok {
		answered = true
		switch fault {
		case FaultNone:
			if s.write(w, r, p.Bytes, seq, delay) {
				outcome = &s.served
			} else {
				answered = false
			}
		case FaultFail:
			s.answerFault(w, http.StatusInternalServerError, seq, delay, fault,
				fmt.Sprintf("fail: request %d answered 500 by ?fail=%g (injected fault)", seq, p.Fail))
			outcome = &s.failed
		case FaultReset:
			s.resetConn(w, r, p.Bytes, seq, delay)
			outcome = &s.resets
		case FaultStall:
			s.answerFault(w, http.StatusServiceUnavailable, seq, delay, fault,
				fmt.Sprintf("stall: request %d held for the server's max delay %v by ?stall=%g (injected fault)", seq, delay, p.Stall))
		}
		left = s.now()
		post = left.Sub(woke)
	}
	// Counted before it leaves InFlight, so a Stats that shows InFlight 0
	// counts every request served so far; and it leaves InFlight before
	// its slot is released, so InFlight never exceeds k.
	outcome.Add(1)
	s.inFlight.Add(-1)
	s.release()
	if !answered {
		abort()
	}
}

// abort ends a request whose client went away (its context ended: it
// closed, or half-closed, its connection) without answering it. A handler
// that merely returned would make net/http send an empty 200 OK, a success
// for a request that was never served; http.ErrAbortHandler makes it close
// the connection (or reset the HTTP/2 stream) instead, unlogged.
func abort() {
	panic(http.ErrAbortHandler)
}

// requestIndex returns the request index sent in HeaderIndex, and ok =
// false when there is none. More than one value, or a value that is not a
// decimal integer in 0..2⁶⁴−1, is an error naming the header.
func requestIndex(h http.Header) (index uint64, ok bool, err error) {
	vs := h[HeaderIndex]
	switch len(vs) {
	case 0:
		return 0, false, nil
	case 1:
		if index, err = strconv.ParseUint(vs[0], 10, 64); err == nil {
			return index, true, nil
		}
	}
	return 0, false, fmt.Errorf("header %s: %s: want one request index, a decimal integer 0..%d", HeaderIndex, echo(strings.Join(vs, ", ")), uint64(math.MaxUint64))
}

// acquire takes a capacity slot, queueing FIFO while none is free. It reports
// false, holding no slot, if ctx is done first.
func (s *Server) acquire(ctx context.Context) bool {
	if s.sem == nil {
		return true
	}
	select {
	case s.sem <- struct{}{}:
		return true
	default:
	}
	raise(&s.maxQueued, s.queued.Add(1))
	defer s.queued.Add(-1)
	// Blocked senders on a channel are woken in arrival order, and a freed
	// slot is handed straight to the first of them.
	select {
	case s.sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Server) release() {
	if s.sem != nil {
		<-s.sem
	}
}

// sleep waits d and reports true with the time it woke, or reports false
// as soon as ctx is done. A wait that ends with its timer is counted in the
// timer-lateness counters (Stats.TimerLateNS), and the time from entered
// (the handler's start) to the wait's in Stats.PreTimerNS.
func (s *Server) sleep(ctx context.Context, d time.Duration, entered time.Time) (time.Time, bool) {
	if d <= 0 {
		return s.now(), ctx.Err() == nil
	}
	start := s.now()
	// A timer from the pool: since Go 1.23 a stopped or fired timer's
	// channel holds no stale value, so Reset restarts it cleanly.
	t, _ := s.timers.Get().(*time.Timer)
	if t == nil {
		t = time.NewTimer(d)
	} else {
		t.Reset(d)
	}
	select {
	case <-t.C:
		s.timers.Put(t)
		if s.afterWake != nil {
			s.afterWake()
		}
		woke := s.now()
		s.bursts.timed(entered, start, d, woke)
		return woke, true
	case <-ctx.Done():
		t.Stop()
		s.timers.Put(t)
		return time.Time{}, false
	}
}

// drainBody reads and discards the request body, at most cfg.MaxBody bytes.
// It answers 413 or 400 and reports false on failure; a client gone away
// is counted canceled and the request aborted (see abort).
func (s *Server) drainBody(w http.ResponseWriter, r *http.Request) bool {
	tooLarge := func() bool {
		w.Header().Set("Connection", "close")
		s.reject(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes; want 0..%d bytes", s.cfg.MaxBody, s.cfg.MaxBody))
		return false
	}
	if r.ContentLength > s.cfg.MaxBody {
		return tooLarge()
	}
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	_, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err == nil {
		return true
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge()
	}
	if r.Context().Err() != nil {
		s.canceled.Add(1)
		abort()
	}
	s.reject(w, http.StatusBadRequest, fmt.Sprintf("body: reading failed: %v", err))
	return false
}

// write answers 200 with n bytes of the repeated body; it reports whether
// the whole response was handed to the connection.
func (s *Server) write(w http.ResponseWriter, r *http.Request, n int64, seq uint64, delay time.Duration) bool {
	// What h.Set does, with the four values in one allocation: the keys
	// are canonical already, and each value slice is capped so that an
	// append to one cannot overwrite the next.
	v := make([]string, 4)
	v[0] = textPlain
	if v[1] = s.bodyLen; n != s.params.Bytes {
		v[1] = strconv.FormatInt(n, 10)
	}
	v[2] = strconv.FormatUint(seq, 10)
	if v[3] = s.delayText; delay != s.params.Delay {
		v[3] = delay.String()
	}
	h := w.Header()
	h["Content-Type"], h["Content-Length"], h[HeaderSeq], h[HeaderDelay] = v[0:1:1], v[1:2:2], v[2:3:3], v[3:4:4]
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return true
	}
	for n > 0 {
		k := min(n, int64(len(s.chunk)))
		if _, err := w.Write(s.chunk[:k]); err != nil {
			return false
		}
		n -= k
	}
	return true
}

// answerFault answers an injected fault's status code with a one-line
// message, naming the fault in HeaderFault.
func (s *Server) answerFault(w http.ResponseWriter, code int, seq uint64, delay time.Duration, fault Fault, msg string) {
	h := w.Header()
	h.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	h.Set(HeaderDelay, delay.String())
	h.Set(HeaderFault, string(fault))
	writeLine(w, code, msg)
}

// resetConn is the reset fault: it announces a body of n bytes (at least
// 1), writes half of it, flushes, and resets the connection: hijacked, with
// SO_LINGER 0 so that closing it sends a TCP RST. Where the connection
// cannot be hijacked (HTTP/2, a test recorder), it returns after the short
// write; net/http then closes the connection, because the body is short.
func (s *Server) resetConn(w http.ResponseWriter, r *http.Request, n int64, seq uint64, delay time.Duration) {
	declared := max(n, 1)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.FormatInt(declared, 10))
	h.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	h.Set(HeaderDelay, delay.String())
	h.Set(HeaderFault, string(FaultReset))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		for left := declared / 2; left > 0; {
			k := min(left, int64(len(s.chunk)))
			if _, err := w.Write(s.chunk[:k]); err != nil {
				return // the client is gone already
			}
			left -= k
		}
	}
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tc.SetLinger(0) // best effort: without it the close is a FIN, still a short body
	}
	_ = conn.Close()
}

// reject answers code with a one-line plain-text message and counts it.
func (s *Server) reject(w http.ResponseWriter, code int, msg string) {
	s.badRequests.Add(1)
	writeLine(w, code, msg)
}

// writeLine answers code with msg as a one-line plain-text body.
func writeLine(w http.ResponseWriter, code int, msg string) {
	body := msg + "\n"
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body) // the client may be gone; nothing to do
}

func (s *Server) serveStats(w http.ResponseWriter) {
	st := s.Stats()
	st.PID = os.Getpid()
	b, err := json.Marshal(st)
	if err != nil { // cannot happen: Stats is plain integers
		http.Error(w, "stats: "+err.Error(), http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // the client may be gone; nothing to do
}

// control notes a control request: if it is the first request on a
// connection counted since the last reset, that connection is taken out of
// Conns again (it was opened to read the stats, not by the client under
// test).
func (s *Server) control(r *http.Request) {
	e, ok := r.Context().Value(connKey{}).(*connEntry)
	if !ok || e.requests.Add(1) != 1 {
		return
	}
	s.connMu.Lock()
	if e.counted && e.gen == s.gen {
		s.conns--
		e.counted = false
	}
	s.connMu.Unlock()
}

// Stats returns a snapshot of the counters. The gauges are read first and
// a request is counted before it leaves service, so a snapshot whose
// InFlight is 0 counts every request that was in service before it.
func (s *Server) Stats() Stats {
	st := Stats{InFlight: s.inFlight.Load(), Queued: s.queued.Load(), DelayNS: int64(s.cfg.Delay), Dist: string(s.cfg.Dist)}
	s.connMu.Lock()
	st.Conns = s.conns
	s.connMu.Unlock()
	st.Served = s.served.Load()
	st.Canceled = s.canceled.Load()
	st.BadRequests = s.badRequests.Load()
	st.Failed = s.failed.Load()
	st.Resets = s.resets.Load()
	st.Stalled = s.stalled.Load()
	st.MaxInFlight = s.maxInFlight.Load()
	st.MaxQueued = s.maxQueued.Load()
	s.bursts.stats(&st)
	return st
}

// ResetStats zeroes the counters and restarts the arrival sequence (so the
// next request draws the fault of seq 0 again, and the delay of seq 0 if it
// sends no HeaderIndex). The live gauges InFlight and
// Queued are kept, and MaxInFlight and MaxQueued restart from them (zero on
// an idle server).
func (s *Server) ResetStats() {
	s.connMu.Lock()
	s.conns = 0
	s.gen++
	s.connMu.Unlock()
	s.seq.Store(0)
	s.served.Store(0)
	s.canceled.Store(0)
	s.badRequests.Store(0)
	s.failed.Store(0)
	s.resets.Store(0)
	s.stalled.Store(0)
	s.maxInFlight.Store(s.inFlight.Load())
	s.maxQueued.Store(s.queued.Load())
	s.bursts.reset()
}

// ConnState counts new connections in Conns; wire it into
// http.Server.ConnState (HTTPServer does).
func (s *Server) ConnState(c net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.connMu.Lock()
		s.conns++
		if e, ok := s.pending[c]; ok {
			delete(s.pending, c)
			e.gen = s.gen
			e.counted = true
		}
		s.connMu.Unlock()
	case http.StateHijacked, http.StateClosed:
		s.connMu.Lock()
		delete(s.pending, c) // only if StateNew never came
		s.connMu.Unlock()
	}
}

// ConnContext attaches a per-connection record to the connection's context,
// so that connections opened only to read the stats are not counted in
// Conns; wire it into http.Server.ConnContext together with ConnState (which
// releases the record), as HTTPServer does.
func (s *Server) ConnContext(ctx context.Context, c net.Conn) context.Context {
	e := &connEntry{}
	s.connMu.Lock()
	s.pending[c] = e
	s.connMu.Unlock()
	return context.WithValue(ctx, connKey{}, e)
}

// HTTPServer returns an http.Server for s on addr, hardened for a benchmark
// server that may be left running: Config.ReadHeaderTimeout (10s by
// default: a client that trickles its headers is cut off),
// Config.IdleTimeout (120s by default), MaxHeaderBytes 64 KiB, no read or
// write timeout (a request may legitimately wait up to MaxDelay, which caps
// it), ConnState and ConnContext wired, and an error log to Config.ErrorLog
// that stops after 20 lines.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnState:         s.ConnState,
		ConnContext:       s.ConnContext,
		ErrorLog:          log.New(s.log, "slowserver: http: ", 0),
	}
}

// now returns the time from one reading of the monotonic clock: time.Now
// reads the wall clock too, which doubles its cost. Its wall-clock part is
// the Server's creation time plus the monotonic time since, so it is meant
// for durations (and monoclock.Clock.NS), not for display.
func (s *Server) now() time.Time { return s.base.Add(time.Since(s.base)) }

// raise lifts the high-water mark m to v if v is higher.
func raise(m *atomic.Int64, v int64) {
	for {
		cur := m.Load()
		if v <= cur || m.CompareAndSwap(cur, v) {
			return
		}
	}
}

// quietWriter passes the first limit writes (log lines) to w, then one notice,
// then nothing.
type quietWriter struct {
	mu    sync.Mutex
	w     io.Writer
	n     int
	limit int
}

func (q *quietWriter) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.n++
	switch {
	case q.n <= q.limit:
		if _, err := q.w.Write(p); err != nil {
			return 0, fmt.Errorf("error log: %w", err)
		}
	case q.n == q.limit+1:
		_, _ = io.WriteString(q.w, "slowserver: http: further server errors are not logged\n")
	}
	return len(p), nil
}
