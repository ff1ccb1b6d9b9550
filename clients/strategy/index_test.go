package strategy_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
)

// served is what the server saw of one request.
type served struct {
	index int64         // from the request's index header
	seq   uint64        // its arrival sequence number
	delay time.Duration // the delay the server gave it
	conn  string        // the client's address
}

// reorderingServer is a variable-delay server behind a handler that holds
// each request for a jitter depending on its index before the server sees
// it, so that concurrent requests reach the server out of index order on
// purpose, and that records what the server did with each.
type reorderingServer struct {
	srv  *servers.Server
	url  string
	mu   sync.Mutex
	seen []served
}

func startReordering(t *testing.T, cfg servers.Config) *reorderingServer {
	t.Helper()
	srv, err := servers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rs := &reorderingServer{srv: srv}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		index, err := strconv.ParseInt(r.Header.Get(servers.HeaderIndex), 10, 64)
		if err != nil {
			http.Error(w, "no request index: "+err.Error(), http.StatusBadRequest)
			return
		}
		// Of 8 requests issued together, the last arrives first.
		time.Sleep(time.Duration(7-index%8) * 300 * time.Microsecond)
		srv.ServeHTTP(w, r)
		seq, _ := strconv.ParseUint(w.Header().Get(servers.HeaderSeq), 10, 64)
		delay, _ := time.ParseDuration(w.Header().Get(servers.HeaderDelay))
		rs.mu.Lock()
		rs.seen = append(rs.seen, served{index: index, seq: seq, delay: delay, conn: r.RemoteAddr})
		rs.mu.Unlock()
	}))
	t.Cleanup(ts.Close)
	rs.url = ts.URL + "/"
	return rs
}

// Every strategy numbers its requests as bench/model numbers them, and
// sends the index, so that a variable-delay server gives request j the
// delay of its index whatever order the requests arrive in, and
// model.IdealBatches is exact: against a server whose requests arrive
// reordered on purpose, each request got DrawDelay(seed, its index), the
// batches' indices are FirstIndex..FirstIndex+n-1 without overlap, each
// lane of a worker-pool strategy ran whole shares or chunks of the model's
// plan in index order, and each batch's wall time is at least the model's
// ideal for those delays.
func TestVariableDelaysFollowTheModelsIndices(t *testing.T) {
	const (
		n, batches = 22, 2
		procs, c   = 3, 3
		seed       = 11
		d          = 2 * time.Millisecond
	)
	var names []string
	for _, desc := range strategy.All() {
		if !desc.Unlimited && !desc.IsCrawlerOnly() { // the naive baseline takes no concurrency limit; a crawler is no batch client
			names = append(names, desc.Name)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			skipUnlessRuns(t, name)
			rs := startReordering(t, servers.Config{Delay: d, Dist: servers.DistExp, Seed: seed})
			maxDelay := rs.srv.Config().MaxDelay
			delay := func(index int64) time.Duration {
				return min(servers.DrawDelay(servers.DistExp, d, 0, seed, uint64(index)), maxDelay)
			}
			desc, _ := strategy.Lookup(name)
			p := desc.Params(n, d, c, procs)
			cl, err := strategy.New(t.Context(), name, strategy.Options{Client: clients.Config{Targets: []string{rs.url}, Concurrency: c}, Procs: procs})
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()

			for b := range batches {
				res, err := cl.Run(t.Context(), n)
				if err != nil {
					t.Fatal(err)
				}
				if err := res.Err(); err != nil {
					t.Fatal(err)
				}
				if want := int64(b * n); res.FirstIndex != want {
					t.Fatalf("batch %d: FirstIndex %d, want %d", b, res.FirstIndex, want)
				}
				ideal, err := model.IdealBatches(p, []int64{res.FirstIndex}, delay)
				if err != nil {
					t.Fatal(err)
				}
				if res.Wall < ideal {
					t.Errorf("batch %d: wall %v below the model's ideal %v for the delays the server gave", b, res.Wall, ideal)
				}
			}

			rs.mu.Lock()
			seen := slices.Clone(rs.seen)
			rs.mu.Unlock()
			var indices []int64
			reordered := 0
			for _, s := range seen {
				indices = append(indices, s.index)
				if s.delay != delay(s.index) {
					t.Errorf("request %d (arrival %d): delay %v, want the model's delay(%d) = %v", s.index, s.seq, s.delay, s.index, delay(s.index))
				}
				if uint64(s.index) != s.seq {
					reordered++
				}
			}
			slices.Sort(indices)
			for j, x := range indices {
				if x != int64(j) || len(indices) != batches*n {
					t.Fatalf("indices seen %v, want each of 0..%d once", indices, batches*n-1)
				}
			}
			lanes, err := model.Lanes(p)
			if err != nil {
				t.Fatal(err)
			}
			if lanes > 1 && reordered == 0 {
				t.Fatalf("no request arrived out of index order: the test proves nothing")
			}
			switch name {
			case strategy.Sequential, strategy.PoolEven, strategy.PoolChunked, strategy.PySequential, strategy.PyPoolChunked:
				checkLanesRunWholeUnits(t, p, seen)
			}
		})
	}
}

// checkLanesRunWholeUnits checks, for a strategy whose lanes are
// sequential clients with one warm connection each, that every
// connection ran whole units of the model's plan (Groups: a worker's
// share, a chunk), in index order: the indices a lane carries are those
// the model gives it.
func checkLanesRunWholeUnits(t *testing.T, p model.Params, seen []served) {
	t.Helper()
	gs, err := model.Groups(p)
	if err != nil {
		t.Fatal(err)
	}
	// unitOf[j] is the first index and size of the unit holding index j
	// of a batch.
	type unit struct{ first, size int64 }
	var unitOf []unit
	var off int64
	for _, g := range gs {
		for i := 0; i < g.Items; i += g.Unit {
			u := unit{off + int64(i), int64(min(g.Unit, g.Items-i))}
			for range u.size {
				unitOf = append(unitOf, u)
			}
		}
		off += int64(g.Items)
	}
	byConn := map[string][]int64{}
	for _, s := range seen {
		byConn[s.conn] = append(byConn[s.conn], s.index)
	}
	for conn, xs := range byConn {
		// A lane takes the units of its group in list order.
		if !slices.IsSorted(xs) {
			t.Fatalf("connection %s ran indices %v, want ascending: a lane takes its units in the model's order", conn, xs)
		}
		for i := 0; i < len(xs); {
			batch := xs[i] / int64(p.N)
			u := unitOf[xs[i]%int64(p.N)]
			start := batch*int64(p.N) + u.first
			for k := range u.size {
				if i+int(k) >= len(xs) || xs[i+int(k)] != start+k {
					t.Fatalf("connection %s ran indices %v: not whole units of the model's plan %+v in order", conn, xs, gs)
				}
			}
			i += int(u.size)
		}
	}
}
