package crawl

import (
	"context"
	"net/url"
	"runtime"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// page is the outcome of fetching and parsing one URL.
type page struct {
	fetched  bool // the request is over (its slot is free); parsing follows
	host     int
	ok       bool
	kind     clients.ErrorKind // failed request: its kind ("" otherwise)
	msg      string            // the failure's message
	notHTML  bool
	tooLarge bool
	bytes    int64
	latency  time.Duration
	links    links
	sink     uint64 // the work loop's result
}

// fetcher makes one request and reads the body, at most max bytes; it
// reports ok with the body of a 2xx text/html answer.
type fetcher interface {
	get(ctx context.Context, rawURL string, max int64, p *page) []byte
	close()
}

// engine is the frontier, the visited set and the dispatcher of one
// crawl (or of one worker process's partition of it).
type engine struct {
	cfg    Config
	allow  map[string]int
	fetch  fetcher
	burner Burner
	// mine reports whether this engine crawls host h (nil: every host).
	mine func(h int) bool

	queues   [][]string // per host, FIFO
	queued   int
	inflight []int
	total    int // requests in flight
	parsing  int // pages fetched, not yet parsed and worked on
	cursor   int
	visited  map[string]struct{}
	results  chan page // per visit, a fetched event, then the page
	res      *Result
	foreign  []string // links for other partitions, not yet handed over
	sink     uint64
	// cpu admits GOMAXPROCS pages at a time to parsing and work, so that
	// CPU-bound goroutines never crowd out the dispatcher and the network.
	cpu chan struct{}
}

func newEngine(cfg Config, f fetcher, b Burner, strategy string) *engine {
	return &engine{
		cfg: cfg, allow: cfg.allowMap(), fetch: f, burner: b,
		queues: make([][]string, len(cfg.Allow)), inflight: make([]int, len(cfg.Allow)),
		visited: map[string]struct{}{}, results: make(chan page, 2*cfg.Concurrency),
		res: newResult(strategy), cpu: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
}

// add takes one in-site URL: a duplicate is counted, a foreign one set
// aside, a new one queued.
func (e *engine) add(u string) {
	if _, dup := e.visited[u]; dup {
		e.res.Duplicates++
		return
	}
	e.visited[u] = struct{}{}
	h, ok := hostOf(u, e.allow)
	if !ok { // resolve kept only allowed hosts
		e.res.Skipped++
		return
	}
	if e.mine != nil && !e.mine(h) {
		e.foreign = append(e.foreign, u)
		return
	}
	e.queues[h] = append(e.queues[h], u)
	e.queued++
}

// budget reports whether another request may start under MaxPages.
func (e *engine) budget() bool {
	return e.cfg.MaxPages == 0 || e.res.Pages+int64(e.total+e.parsing) < int64(e.cfg.MaxPages)
}

// done reports whether MaxPages pages were fetched.
func (e *engine) done() bool {
	return e.cfg.MaxPages > 0 && e.res.Pages >= int64(e.cfg.MaxPages)
}

// dispatch starts requests, hosts in turn, while c and m allow.
func (e *engine) dispatch(ctx context.Context) {
	n := len(e.queues)
	for e.queued > 0 && e.total < e.cfg.Concurrency && e.budget() {
		started := false
		for range n {
			h := e.cursor
			e.cursor = (e.cursor + 1) % n
			if len(e.queues[h]) == 0 || e.inflight[h] >= e.cfg.PerHost {
				continue
			}
			u := e.queues[h][0]
			e.queues[h][0] = ""
			e.queues[h] = e.queues[h][1:]
			e.queued--
			e.inflight[h]++
			e.total++
			go e.visit(ctx, h, u)
			started = true
			break
		}
		if !started {
			return
		}
	}
}

// visit fetches, parses and works on one page, in its own goroutine. The
// request's slot (of c and of m) is freed once the body is read: parsing
// and work hold a CPU, not a connection.
func (e *engine) visit(ctx context.Context, h int, u string) {
	p := page{host: h}
	body := e.fetch.get(ctx, u, e.cfg.MaxBody, &p)
	e.results <- page{fetched: true, host: h, ok: p.ok}
	if p.ok {
		e.cpu <- struct{}{}
		defer func() { <-e.cpu }()
		base, err := url.Parse(u)
		if err == nil {
			p.links = extract(body, base, e.allow)
		}
		if e.cfg.Work > 0 {
			p.sink = e.burner.Burn(e.cfg.Work)
		}
	}
	e.results <- p
}

// collect accounts for one finished request and queues its links.
func (e *engine) collect(p page) {
	if p.fetched {
		e.inflight[p.host]--
		e.total--
		e.parsing++ // every visit sends its page next
		return
	}
	e.parsing--
	r := e.res
	_ = r.Latency.RecordValue(int64(p.latency)) // the geometry spans every timeout
	e.sink ^= p.sink
	r.Bytes += p.bytes
	switch {
	case p.kind != "":
		r.Errors[p.kind]++
		if _, ok := r.Samples[p.kind]; !ok {
			r.Samples[p.kind] = p.msg
		}
	case p.notHTML:
		r.NotHTML++
	case p.tooLarge:
		r.TooLarge++
	case p.ok:
		r.Pages++
		r.Links += p.links.seen
		r.Skipped += p.links.skipped
		for _, u := range p.links.in {
			e.add(u)
		}
	}
}

// run crawls from seeds until the frontier is empty and nothing is in
// flight, MaxPages is reached or ctx ends (then requests in flight are
// awaited: each is bounded by ReqTimeout).
func (e *engine) run(ctx context.Context, seeds []string) {
	for _, u := range seeds {
		e.add(u)
	}
	for {
		if ctx.Err() == nil && !e.done() {
			e.dispatch(ctx)
		}
		if e.total == 0 && e.parsing == 0 {
			return
		}
		e.collect(<-e.results)
	}
}
