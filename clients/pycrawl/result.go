package pycrawl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/crawlbench/crawlbench/clients"
)

// Result is what one crawl did, with the field names of the Go crawlers.
//
// Every fetch is exactly one of: a page (Pages), NotHTML, TooLarge, or a
// failure counted in Errors; Latency holds one value per fetch. Every link
// (href) seen is exactly one of: Skipped (outside the allow list), a
// Duplicate (its URL was already seen), or a new URL, which is fetched
// unless MaxPages ends the crawl first.
type Result struct {
	// Pages counts pages fetched OK (2xx, text/html, within MaxBody) and parsed.
	Pages int64
	// Errors counts failed fetches by kind (transport failures classified as
	// package clients does; a status outside 2xx, redirects included, is Status).
	Errors map[clients.ErrorKind]int64
	// Samples keeps the first error message of each kind.
	Samples map[clients.ErrorKind]string
	// NotHTML counts 2xx responses whose Content-Type is not text/html.
	NotHTML int64
	// TooLarge counts responses larger than MaxBody (reading stopped there).
	TooLarge int64
	// Links counts hrefs seen; Skipped those outside the allow list;
	// Duplicates those whose URL (without #fragment) was already seen.
	Links, Skipped, Duplicates int64
	// Bytes counts body bytes read.
	Bytes int64
	// Elapsed is the crawl's wall time seen from Go: one JSON line out and
	// one back, around PyElapsed.
	Elapsed time.Duration
	// PyElapsed is the crawl's wall time measured in Python, from the start
	// URL's dispatch until the crawl was over (before the per-process
	// results were gathered).
	PyElapsed time.Duration
	// CPU is the user+system CPU time the crawl used in every Python
	// process (the sum of Procs).
	CPU time.Duration
	// Latency holds every fetch's latency in nanoseconds (request sent to
	// body read), failures included, in package clients' geometry.
	Latency *hdrhistogram.Histogram
	// Procs lists what each Python process did: for procs-asyncio the
	// parent (which only routes links) first, then the P crawling processes.
	Procs []Proc
}

// Proc is one Python process's share of a crawl.
type Proc struct {
	Pid   int
	Pages int64
	CPU   time.Duration
}

// Fetches returns the number of fetches: pages, not HTML, too large and failed.
func (r *Result) Fetches() int64 { return r.Pages + r.NotHTML + r.TooLarge + r.Failed() }

// Failed returns the number of failed fetches (all kinds).
func (r *Result) Failed() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Check verifies the Result's invariants: one latency per fetch, links
// accounted for, CPU the sum of the processes', nothing negative.
func (r *Result) Check() error {
	for _, v := range []int64{r.Pages, r.NotHTML, r.TooLarge, r.Links, r.Skipped, r.Duplicates, r.Bytes} {
		if v < 0 {
			return fmt.Errorf("pycrawl: result: negative count in %+v", *r)
		}
	}
	for k, v := range r.Errors {
		if v < 0 {
			return fmt.Errorf("pycrawl: result: %d %s errors", v, k)
		}
	}
	if got := r.Latency.TotalCount(); got != r.Fetches() {
		return fmt.Errorf("pycrawl: result: %d latencies for %d fetches", got, r.Fetches())
	}
	if r.Skipped+r.Duplicates > r.Links {
		return fmt.Errorf("pycrawl: result: %d skipped + %d duplicates > %d links", r.Skipped, r.Duplicates, r.Links)
	}
	var cpu time.Duration
	var pages int64
	for _, p := range r.Procs {
		cpu += p.CPU
		pages += p.Pages
	}
	if cpu != r.CPU || pages != r.Pages {
		return fmt.Errorf("pycrawl: result: processes %+v sum to CPU %v and %d pages, want %v and %d", r.Procs, cpu, pages, r.CPU, r.Pages)
	}
	return nil
}

func (r *Result) String() string {
	return fmt.Sprintf("%d pages, errors %v, %d not html, %d too large, %d links (%d skipped, %d duplicates), %d bytes, %v (python %v), cpu %v",
		r.Pages, r.Errors, r.NotHTML, r.TooLarge, r.Links, r.Skipped, r.Duplicates, r.Bytes, r.Elapsed, r.PyElapsed, r.CPU)
}

// message is one line from the Python crawler: ready, result or error.
type message struct {
	Type      string            `json:"type"`
	Python    string            `json:"python,omitempty"`      // ready
	Pids      []int             `json:"pids,omitempty"`        // ready
	SpinPerUS float64           `json:"spin_per_us,omitempty"` // ready
	Seq       uint64            `json:"seq,omitempty"`         // result
	Pages     int64             `json:"pages"`
	Errors    map[string]int64  `json:"errors,omitempty"`
	Samples   map[string]string `json:"samples,omitempty"`
	NotHTML   int64             `json:"not_html"`
	TooLarge  int64             `json:"too_large"`
	Links     int64             `json:"links"`
	Skipped   int64             `json:"skipped"`
	Dups      int64             `json:"duplicates"`
	Bytes     int64             `json:"bytes"`
	ElapsedNS int64             `json:"elapsed_ns"`
	CPUNS     int64             `json:"cpu_ns"`
	Lat       []int64           `json:"lat,omitempty"`
	Procs     [][3]int64        `json:"procs,omitempty"` // pid, pages, cpu_ns
	Error     string            `json:"error,omitempty"` // error: the traceback
}

// maxLatency is the top of the histogram; longer values are clamped.
const maxLatency = int64(time.Hour)

// errGarbage marks a line from the crawler that is not a message: the
// process is alive but misbehaving, so it is killed without a grace period.
var errGarbage = errors.New("bad line from the python crawler")

// decodeMessage decodes one line strictly: known fields only, one value,
// a known type.
func decodeMessage(b []byte) (*message, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m message
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w %q: %w", errGarbage, snippet(b), err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w %q: trailing data", errGarbage, snippet(b))
	}
	switch m.Type {
	case "ready", "result", "error":
	default:
		return nil, fmt.Errorf("%w %q: unknown type %q", errGarbage, snippet(b), m.Type)
	}
	return &m, nil
}

// decodeResult turns a result message into a Result and checks it.
func decodeResult(m *message) (*Result, error) {
	if m.ElapsedNS < 0 || m.CPUNS < 0 {
		return nil, fmt.Errorf("result: negative elapsed %d or cpu %d", m.ElapsedNS, m.CPUNS)
	}
	r := &Result{
		Pages: m.Pages, NotHTML: m.NotHTML, TooLarge: m.TooLarge,
		Links: m.Links, Skipped: m.Skipped, Duplicates: m.Dups, Bytes: m.Bytes,
		PyElapsed: time.Duration(m.ElapsedNS), CPU: time.Duration(m.CPUNS),
		Errors:  map[clients.ErrorKind]int64{},
		Samples: map[clients.ErrorKind]string{},
		Latency: clients.NewHistogram(),
	}
	for k, v := range m.Errors {
		kind, ok := clients.ParseErrorKind(k)
		if !ok || kind == clients.Canceled {
			return nil, fmt.Errorf("result: unknown error kind %q", k)
		}
		r.Errors[kind] = v
	}
	for k, v := range m.Samples {
		if kind, ok := clients.ParseErrorKind(k); ok && r.Errors[kind] > 0 {
			r.Samples[kind] = v
		}
	}
	for k := range r.Errors {
		if r.Samples[k] == "" {
			r.Samples[k] = "(no message from python)"
		}
	}
	for i, ns := range m.Lat {
		if ns < 0 {
			return nil, fmt.Errorf("result: fetch %d: negative latency %d", i, ns)
		}
		if err := r.Latency.RecordValue(min(ns, maxLatency)); err != nil {
			return nil, fmt.Errorf("result: fetch %d: latency %d: %w", i, ns, err)
		}
	}
	for _, p := range m.Procs {
		if p[0] <= 0 || p[1] < 0 || p[2] < 0 {
			return nil, fmt.Errorf("result: bad process entry %v", p)
		}
		r.Procs = append(r.Procs, Proc{Pid: int(p[0]), Pages: p[1], CPU: time.Duration(p[2])})
	}
	if err := r.Check(); err != nil {
		return nil, errors.Join(errors.New("result from the python crawler"), err)
	}
	return r, nil
}

// snippet shortens a line for an error message.
func snippet(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(bytes.TrimRight(b, "\n"))
}
