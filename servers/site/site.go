package site

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// Status is the JSON of GET /_site.
type Status struct {
	Pages   int      `json:"pages"`
	Hosts   []string `json:"hosts"`   // base URLs, http://127.0.0.1:PORT, host h at index h
	Fetches []int64  `json:"fetches"` // per page: requests answered with the page
	// Misses counts requests for no page of the site or of the wrong host.
	Misses int64 `json:"misses"`
	// Canceled counts requests whose client went away before the answer.
	Canceled int64 `json:"canceled"`
	// MaxInFlight is the largest number of requests in service at once on
	// any one host.
	MaxInFlight int64 `json:"max_in_flight"`
}

// Site serves a generated site on Hosts loopback listeners.
type Site struct {
	cfg     Config
	graph   *Graph
	urls    []string
	servers []*http.Server
	hosts   []*host
	fetches []atomic.Int64
	misses  atomic.Int64
	cancels atomic.Int64
	maxIn   atomic.Int64
	wg      sync.WaitGroup
}

type host struct {
	s        *Site
	index    int
	sem      chan struct{}
	inFlight atomic.Int64
}

// Start validates cfg, listens on Hosts loopback ports (127.0.0.1:0) and
// serves until Close. Refused hosts get a port that is closed at once.
func Start(ctx context.Context, cfg Config) (*Site, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Site{cfg: cfg, graph: NewGraph(cfg), fetches: make([]atomic.Int64, cfg.Pages)}
	var lc net.ListenConfig
	lns := make([]net.Listener, cfg.Hosts)
	for h := range cfg.Hosts {
		ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lns[:h] {
				_ = l.Close()
			}
			return nil, fmt.Errorf("site: listening for host %d: %w", h, err)
		}
		lns[h] = ln
		s.urls = append(s.urls, "http://"+ln.Addr().String())
	}
	for h, ln := range lns {
		hs := &host{s: s, index: h}
		if cfg.Capacity > 0 {
			hs.sem = make(chan struct{}, cfg.Capacity)
		}
		s.hosts = append(s.hosts, hs)
		srv := &http.Server{Handler: hs, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
			ErrorLog: nil}
		s.servers = append(s.servers, srv)
		if slices.Contains(cfg.Refuse, h) {
			_ = ln.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			_ = srv.Serve(ln)
		}()
	}
	return s, nil
}

// URLs returns the hosts' base URLs; host h is index h.
func (s *Site) URLs() []string { return slices.Clone(s.urls) }

// Start returns the start page's URL, http://<host0>/p/0.
func (s *Site) Start() string { return s.urls[0] + "/p/0" }

// Config returns the site's configuration with defaults filled in.
func (s *Site) Config() Config { return s.cfg }

// Graph returns the site's link graph.
func (s *Site) Graph() *Graph { return s.graph }

// Status returns the counters.
func (s *Site) Status() Status {
	st := Status{Pages: s.cfg.Pages, Hosts: s.URLs(), Fetches: make([]int64, s.cfg.Pages),
		Misses: s.misses.Load(), Canceled: s.cancels.Load(), MaxInFlight: s.maxIn.Load()}
	for i := range s.fetches {
		st.Fetches[i] = s.fetches[i].Load()
	}
	return st
}

// Reset zeroes the counters.
func (s *Site) Reset() {
	for i := range s.fetches {
		s.fetches[i].Store(0)
	}
	s.misses.Store(0)
	s.cancels.Store(0)
	s.maxIn.Store(0)
}

// Close stops every host at once, closing open connections, and waits for
// the servers to return.
func (s *Site) Close() error {
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Shutdown stops accepting and waits for requests in service, up to ctx.
func (s *Site) Shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

func (h *host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	switch r.URL.Path {
	case "/_site":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Status())
		return
	case "/_site/reset":
		if r.Method != http.MethodPost {
			http.Error(w, "POST /_site/reset", http.StatusMethodNotAllowed)
			return
		}
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	num, ok := strings.CutPrefix(r.URL.Path, "/p/")
	i, err := strconv.Atoi(num)
	if !ok || err != nil || i < 0 || i >= s.cfg.Pages || strconv.Itoa(i) != num || i%s.cfg.Hosts != h.index {
		s.misses.Add(1)
		http.Error(w, "no such page on this host", http.StatusNotFound)
		return
	}
	ctx := r.Context()
	if h.sem != nil {
		select {
		case h.sem <- struct{}{}:
		case <-ctx.Done():
			s.cancels.Add(1)
			panic(http.ErrAbortHandler)
		}
		defer func() { <-h.sem }()
	}
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	for {
		m := s.maxIn.Load()
		if n <= m || s.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	if d := servers.DrawDelay(s.cfg.Dist, s.cfg.Delay, s.cfg.Sigma, s.cfg.Seed, uint64(i)); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.cancels.Add(1)
			panic(http.ErrAbortHandler)
		}
	}
	s.fetches[i].Add(1)
	s.writePage(w, r, i)
}

func (s *Site) writePage(w http.ResponseWriter, r *http.Request, i int) {
	size := s.cfg.PageBytes
	if slices.Contains(s.cfg.Huge, i) {
		size = s.cfg.HugeBytes
	}
	var b strings.Builder
	s.graph.render(&b, s.cfg, i, size, func(j int) string { return s.urls[j%s.cfg.Hosts] })
	hdr := w.Header()
	if slices.Contains(s.cfg.NotHTML, i) {
		hdr.Set("Content-Type", "application/octet-stream")
	} else {
		hdr.Set("Content-Type", "text/html; charset=utf-8")
	}
	if s.cfg.Gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		hdr.Set("Content-Encoding", "gzip")
		hdr.Set("Vary", "Accept-Encoding")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		_, _ = io.WriteString(zw, b.String())
		_ = zw.Close()
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = io.WriteString(w, b.String())
}

// FetchStatus reads GET /_site from a host's base URL.
func FetchStatus(ctx context.Context, baseURL string) (Status, error) {
	var st Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/_site", nil)
	if err != nil {
		return st, fmt.Errorf("site: status of %s: %w", baseURL, err)
	}
	resp, err := noProxy().Do(req)
	if err != nil {
		return st, fmt.Errorf("site: status of %s: %w", baseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("site: status of %s: HTTP %s", baseURL, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("site: decoding the status of %s: %w", baseURL, err)
	}
	return st, nil
}

// ResetStatus zeroes a site's counters through POST /_site/reset.
func ResetStatus(ctx context.Context, baseURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/_site/reset", nil)
	if err != nil {
		return fmt.Errorf("site: reset %s: %w", baseURL, err)
	}
	resp, err := noProxy().Do(req)
	if err != nil {
		return fmt.Errorf("site: reset %s: %w", baseURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("site: reset %s: HTTP %s", baseURL, resp.Status)
	}
	return nil
}

func noProxy() *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 30 * time.Second}
}

// Check reports, from a Status, every page not fetched exactly once (at most
// the first few), or nil.
func (st Status) Check(want func(page int) int64) error {
	var bad []string
	for i, n := range st.Fetches {
		if w := want(i); n != w {
			if len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("page %d fetched %d times, want %d", i, n, w))
			} else {
				bad = append(bad[:5], "...")
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("site: %s", strings.Join(bad, "; "))
	}
	return nil
}
