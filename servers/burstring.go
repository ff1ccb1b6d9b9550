package servers

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
)

// BurstsPath is the control endpoint of the latest bursts one by one:
// GET /_stats/bursts?since=<CLOCK_MONOTONIC ns> answers a BurstLog of
// the bursts that began at or after since (all it keeps without since).
const BurstsPath = "/_stats/bursts"

// BurstRingSize is how many of the latest bursts a Server keeps.
const BurstRingSize = 4096

// BurstRecord is one ended burst of the slow endpoint (see Stats.Bursts):
// its first entry and last exit on CLOCK_MONOTONIC (internal/monoclock)
// and its parts, Arrival + Pre + Delay + Late + Post = Last − First.
type BurstRecord struct {
	FirstMonoNS int64 `json:"first"`
	LastMonoNS  int64 `json:"last"`
	ArrivalNS   int64 `json:"arrival"`
	PreNS       int64 `json:"pre"`
	DelayNS     int64 `json:"delay"`
	LateNS      int64 `json:"late"`
	PostNS      int64 `json:"post"`
}

// BurstLog is the answer of GET /_stats/bursts.
type BurstLog struct {
	// SinceMonoNS is the request's since.
	SinceMonoNS int64 `json:"since"`
	// Bursts are the kept bursts that began at or after SinceMonoNS,
	// oldest first (a server's bursts do not overlap).
	Bursts []BurstRecord `json:"bursts"`
	// Overflow is true if a burst that began at or after SinceMonoNS has
	// been dropped from the ring: Bursts then misses its oldest ones.
	Overflow bool `json:"overflow"`
	// Active is the requests in the slow handler as it answered: a burst
	// under way (not yet in Bursts) if > 0.
	Active int `json:"active"`
}

// burstRing keeps the latest BurstRingSize bursts; guarded by bursts.mu.
type burstRing struct {
	recs        []BurstRecord // allocated on the first add
	n           int64         // bursts added in all
	lastDropped int64         // the newest overwritten burst's first entry
}

// add appends r, overwriting the oldest when full.
func (g *burstRing) add(r BurstRecord) {
	if g.recs == nil {
		g.recs = make([]BurstRecord, BurstRingSize)
	}
	i := g.n % BurstRingSize
	if g.n >= BurstRingSize {
		g.lastDropped = g.recs[i].FirstMonoNS
	}
	g.recs[i] = r
	g.n++
}

// since returns the kept bursts that began at or after t, oldest first.
func (g *burstRing) since(t int64) BurstLog {
	l := BurstLog{SinceMonoNS: t, Bursts: []BurstRecord{}}
	kept := min(g.n, BurstRingSize)
	for k := g.n - kept; k < g.n; k++ {
		if r := g.recs[k%BurstRingSize]; r.FirstMonoNS >= t {
			l.Bursts = append(l.Bursts, r)
		}
	}
	l.Overflow = g.n > BurstRingSize && g.lastDropped >= t
	return l
}

// Bursts returns the kept bursts that began at or after since
// (CLOCK_MONOTONIC ns), as GET /_stats/bursts does. ResetStats does not
// clear them.
func (s *Server) Bursts(since int64) BurstLog {
	s.bursts.mu.Lock()
	defer s.bursts.mu.Unlock()
	l := s.bursts.ring.since(since)
	l.Active = s.bursts.active
	return l
}

// serveBursts answers GET /_stats/bursts?since=.
func (s *Server) serveBursts(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.reject(w, http.StatusMethodNotAllowed, fmt.Sprintf("method: %s %s is not allowed; want GET", echo(r.Method), BurstsPath))
		return
	}
	since := int64(math.MinInt64)
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.reject(w, http.StatusBadRequest, fmt.Sprintf("since: %q is not an integer (CLOCK_MONOTONIC ns, -2⁶³..2⁶³−1)", echo(v)))
			return
		}
		since = t
	}
	b, err := json.Marshal(s.Bursts(since))
	if err != nil { // cannot happen: plain integers
		http.Error(w, "bursts: "+err.Error(), http.StatusInternalServerError)
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
