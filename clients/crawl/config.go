package crawl

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/crawlbench/crawlbench/clients"
)

// Limits of Config.
const (
	MaxConcurrency    = 100_000
	MaxProcs          = 64
	DefaultMaxBody    = 1 << 20
	MaxMaxBody        = 1 << 30
	DefaultReqTimeout = 30 * time.Second
	MaxWork           = time.Second
	// MaxLinksPerPage bounds the links kept from one page.
	MaxLinksPerPage = 100_000
)

// Config configures one crawl.
type Config struct {
	// Start is the first URL, http://host:port/path, its host in Allow.
	Start string
	// Allow lists the host:port pairs a crawler may fetch from.
	Allow []string
	// MaxPages stops the crawl after this many pages fetched OK; 0 crawls
	// until the frontier is empty.
	MaxPages int
	// Concurrency c is the most requests in flight, all processes
	// together; 1..MaxConcurrency. The sequential strategy uses 1.
	Concurrency int
	// PerHost m is the most requests in flight to one host; 0 means c.
	PerHost int
	// Work is the CPU time spent on each page after parsing it; 0..MaxWork.
	Work time.Duration
	// MaxBody is the largest page read, bytes; larger ones count TooLarge.
	// 0 means DefaultMaxBody; 1..MaxMaxBody.
	MaxBody int64
	// ReqTimeout bounds each request; 0 means DefaultReqTimeout.
	ReqTimeout time.Duration
	// Procs is the number of worker processes of procs-fanout (0: 2);
	// 1..MaxProcs.
	Procs int
	// WorkerGOMAXPROCS sets GOMAXPROCS in each worker process (0: the
	// runtime's default).
	WorkerGOMAXPROCS int
	// Burner is the calibrated work loop; nil calibrates one when Work > 0.
	Burner *Burner
}

// withDefaults fills the zero optional fields.
func (c Config) withDefaults() Config {
	if c.PerHost == 0 {
		c.PerHost = c.Concurrency
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.ReqTimeout == 0 {
		c.ReqTimeout = DefaultReqTimeout
	}
	if c.Procs == 0 {
		c.Procs = 2
	}
	return c
}

// validate checks c after withDefaults; an error names the field and its
// range.
func (c Config) validate() error {
	u, err := url.Parse(c.Start)
	switch {
	case len(c.Allow) == 0:
		return fmt.Errorf("crawl: Allow is empty: want the site's host:port pairs")
	case err != nil || u.Scheme != "http" || u.Host == "":
		return fmt.Errorf("crawl: Start %q: want an http://host:port/ URL", c.Start)
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("crawl: Concurrency %d: want 1..%d", c.Concurrency, MaxConcurrency)
	case c.PerHost < 1 || c.PerHost > MaxConcurrency:
		return fmt.Errorf("crawl: PerHost %d: want 0 (= Concurrency) or 1..%d", c.PerHost, MaxConcurrency)
	case c.MaxPages < 0:
		return fmt.Errorf("crawl: MaxPages %d: want 0 (all) or more", c.MaxPages)
	case c.Work < 0 || c.Work > MaxWork:
		return fmt.Errorf("crawl: Work %v: want 0..%v", c.Work, MaxWork)
	case c.MaxBody < 1 || c.MaxBody > MaxMaxBody:
		return fmt.Errorf("crawl: MaxBody %d: want 0 (%d) or 1..%d", c.MaxBody, DefaultMaxBody, MaxMaxBody)
	case c.ReqTimeout < time.Millisecond || c.ReqTimeout > time.Hour:
		return fmt.Errorf("crawl: ReqTimeout %v: want 0 (%v) or 1ms..1h", c.ReqTimeout, DefaultReqTimeout)
	case c.Procs < 1 || c.Procs > MaxProcs:
		return fmt.Errorf("crawl: Procs %d: want 0 (2) or 1..%d", c.Procs, MaxProcs)
	case c.WorkerGOMAXPROCS < 0 || c.WorkerGOMAXPROCS > 1024:
		return fmt.Errorf("crawl: WorkerGOMAXPROCS %d: want 0 (default) or 1..1024", c.WorkerGOMAXPROCS)
	}
	if _, ok := c.allowMap()[u.Host]; !ok {
		return fmt.Errorf("crawl: Start %q: host %s is not in Allow %v", c.Start, u.Host, c.Allow)
	}
	return nil
}

// allowMap maps each allowed host:port to its index in Allow.
func (c Config) allowMap() map[string]int {
	m := make(map[string]int, len(c.Allow))
	for i, h := range c.Allow {
		if _, dup := m[h]; !dup {
			m[h] = i
		}
	}
	return m
}

// Result is what one crawl did (the fields of notes/SITE.md).
type Result struct {
	Strategy string
	// Pages counts pages fetched OK (2xx, HTML, within MaxBody) and parsed.
	Pages int64
	// Errors counts failed requests by kind (transport errors and non-2xx).
	Errors map[clients.ErrorKind]int64
	// Samples keeps the first message of each error kind.
	Samples map[clients.ErrorKind]string
	// NotHTML counts 2xx answers whose Content-Type is not text/html.
	NotHTML int64
	// TooLarge counts answers over MaxBody.
	TooLarge int64
	// Links counts <a href> elements seen; Skipped those outside Allow;
	// Duplicates the in-site links to URLs already seen.
	Links, Skipped, Duplicates int64
	// Bytes counts body bytes read.
	Bytes int64
	// Elapsed is the crawl's wall time; CPU the CPU time (user + system)
	// of every process of the crawler.
	Elapsed, CPU time.Duration
	// Latency holds every request's latency, ns (clients.NewHistogram).
	Latency *hdrhistogram.Histogram
}

func newResult(strategy string) *Result {
	return &Result{Strategy: strategy, Errors: map[clients.ErrorKind]int64{}, Samples: map[clients.ErrorKind]string{},
		Latency: clients.NewHistogram()}
}

// Failed returns the number of failed requests.
func (r *Result) Failed() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Requests returns the number of requests made: pages, bad pages and
// failures.
func (r *Result) Requests() int64 { return r.Pages + r.NotHTML + r.TooLarge + r.Failed() }

// Err returns an error listing the failed requests by kind with a sample
// message each, or nil when none failed.
func (r *Result) Err() error {
	if r.Failed() == 0 {
		return nil
	}
	var parts []string
	for _, k := range clients.ErrorKinds() {
		if n := r.Errors[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d (%s)", k, n, r.Samples[k]))
		}
	}
	return fmt.Errorf("%d of %d requests failed: %s", r.Failed(), r.Requests(), strings.Join(parts, ", "))
}

// String summarises r on one line.
func (r *Result) String() string {
	return fmt.Sprintf("%s: %d pages in %v (cpu %v), %d failed, not-html %d, too-large %d, links %d, skipped %d, duplicates %d, %d bytes",
		r.Strategy, r.Pages, r.Elapsed.Round(time.Millisecond), r.CPU.Round(time.Millisecond), r.Failed(), r.NotHTML, r.TooLarge,
		r.Links, r.Skipped, r.Duplicates, r.Bytes)
}

// merge adds o's counts into r (not Elapsed or CPU).
func (r *Result) merge(o *Result) {
	r.Pages += o.Pages
	r.NotHTML += o.NotHTML
	r.TooLarge += o.TooLarge
	r.Links += o.Links
	r.Skipped += o.Skipped
	r.Duplicates += o.Duplicates
	r.Bytes += o.Bytes
	for k, v := range o.Errors {
		r.Errors[k] += v
		if _, ok := r.Samples[k]; !ok && o.Samples[k] != "" {
			r.Samples[k] = o.Samples[k]
		}
	}
	r.Latency.Merge(o.Latency)
}

// MarshalJSON encodes r with its histogram.
func (r *Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		*plain
		Latency *hdrhistogram.Snapshot
	}{(*plain)(r), r.Latency.Export()})
}

// UnmarshalJSON decodes what MarshalJSON encoded.
func (r *Result) UnmarshalJSON(b []byte) error {
	type plain Result
	var w struct {
		*plain
		Latency *hdrhistogram.Snapshot
	}
	w.plain = (*plain)(r)
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.Latency = clients.NewHistogram()
	if w.Latency != nil {
		r.Latency.Merge(hdrhistogram.Import(w.Latency))
	}
	if r.Errors == nil {
		r.Errors = map[clients.ErrorKind]int64{}
	}
	if r.Samples == nil {
		r.Samples = map[clients.ErrorKind]string{}
	}
	return nil
}
