package pycrawl

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pageKind is how the test site serves a page.
type pageKind int

const (
	normal       pageKind = iota
	octetStream           // Content-Type application/octet-stream
	png                   // Content-Type image/png
	largeLength           // larger than the cap, with Content-Length
	largeChunked          // larger than the cap, chunked (no Content-Length)
	loop                  // links to itself, to page 0 and to #frag only
	status500             // answers 500 Internal Server Error
	redirectOut           // redirects (302) to the host outside the allow list
	stall                 // answers only after the client gave up (stallFor)
)

// stallFor is how long a stall page waits unless its client goes away.
const stallFor = 30 * time.Second

// testSite is a stand-in for servers/site following notes/SITE.md: hosts
// on loopback listeners, page i on host i mod H at /p/i, counters per page.
type testSite struct {
	hosts   []string // host:port, the allow list
	pages   int
	kinds   map[int]pageKind
	refuse  int           // index of a host whose listener is closed, or -1
	delay   time.Duration // per request
	pad     int           // filler bytes per page
	cap     int64         // MaxBody the large pages exceed
	outside string        // host:port of a listener not in the allow list

	hits       []atomic.Int64 // per page
	outsideHit atomic.Int64
	strays     atomic.Int64 // requests for a path that is no page, or on the wrong host

	mu      sync.Mutex
	inHost  []int
	peakH   []int
	inAll   int
	peakAll int
}

// newSite starts a site of pages pages over h hosts.
func newSite(t *testing.T, pages, h int, kinds map[int]pageKind, refuse int) *testSite {
	t.Helper()
	s := &testSite{pages: pages, kinds: kinds, refuse: refuse, pad: 2000, cap: 16 << 10,
		delay: 5 * time.Millisecond, hits: make([]atomic.Int64, pages), inHost: make([]int, h), peakH: make([]int, h)}
	for i := range h {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.hosts = append(s.hosts, ln.Addr().String())
		if i == refuse {
			ln.Close()
			continue
		}
		s.serve(t, ln, s.handler(i))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.outside = ln.Addr().String()
	s.serve(t, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.outsideHit.Add(1)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/p/0">x</a>`)
	}))
	return s
}

func (s *testSite) serve(t *testing.T, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
}

func (s *testSite) handler(host int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/p/"))
		if err != nil || !strings.HasPrefix(r.URL.Path, "/p/") || i < 0 || i >= s.pages || i%len(s.hosts) != host {
			s.strays.Add(1)
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.inHost[host]++
		s.inAll++
		s.peakH[host] = max(s.peakH[host], s.inHost[host])
		s.peakAll = max(s.peakAll, s.inAll)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inHost[host]--
			s.inAll--
			s.mu.Unlock()
		}()
		s.hits[i].Add(1)
		time.Sleep(s.delay)
		body := s.body(i)
		switch s.kinds[i] {
		case status500:
			http.Error(w, "broken page", http.StatusInternalServerError)
			return
		case redirectOut:
			http.Redirect(w, r, "http://"+s.outside+"/p/0", http.StatusFound)
			return
		case stall:
			select {
			case <-r.Context().Done():
			case <-time.After(stallFor):
			}
			return
		case octetStream:
			w.Header().Set("Content-Type", "application/octet-stream")
		case png:
			w.Header().Set("Content-Type", "image/png")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		if s.kinds[i] == largeChunked {
			f := w.(http.Flusher)
			for k := 0; k < len(body); k += 4096 {
				_, _ = w.Write(body[k:min(k+4096, len(body))])
				f.Flush()
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// href returns the link from page i to page j: root-relative on the same
// host, absolute to another.
func (s *testSite) href(i, j int) string {
	if i%len(s.hosts) == j%len(s.hosts) {
		return "/p/" + strconv.Itoa(j)
	}
	return "http://" + s.hosts[j%len(s.hosts)] + "/p/" + strconv.Itoa(j)
}

// hrefs returns page i's links: to i+1 and i+2 (so every page is reachable
// even around a refusing host's pages), two more spread over the site, the
// next page again with a #fragment, and links outside the site.
func (s *testSite) hrefs(i int) []string {
	p := s.pages
	if s.kinds[i] == loop {
		return []string{s.href(i, i), s.href(i, 0), "#top", s.href(i, (i+1)%p), s.href(i, (i+2)%p)}
	}
	return []string{
		s.href(i, (i+1)%p), s.href(i, (i+2)%p), s.href(i, (3*i+1)%p), s.href(i, (i*i+5)%p),
		s.href(i, (i+1)%p) + "#sec",
		"#top", "mailto:someone@example.com", "https://example.com/p/1", "javascript:void(0)",
		"http://" + s.outside + "/p/" + strconv.Itoa(i),
	}
}

func (s *testSite) body(i int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><title>page %d</title></head><body>\n<h1>Page &amp; %d</h1>\n", i, i)
	for _, h := range s.hrefs(i) {
		fmt.Fprintf(&b, "<p>see <a class=\"l\" href=\"%s\">this</a> and <b>that</b></p>\n", h)
	}
	pad := s.pad
	if k := s.kinds[i]; k == largeLength || k == largeChunked {
		pad = int(s.cap) + 1000
	}
	b.WriteString("<p>")
	for b.Len() < pad {
		b.WriteString("lorem ipsum dolor sit amet ")
	}
	b.WriteString("</p></body></html>\n")
	return []byte(b.String())
}

// start is the start URL.
func (s *testSite) start() string { return "http://" + s.hosts[0] + "/p/0" }

// expected is what a crawl of the site must do, computed by a
// breadth-first walk of the site's graph with net/url.
type expected struct {
	fetched                         map[int]bool // pages fetched (any outcome)
	pages, notHTML, tooLarge, refus int64
	status, timeout                 int64
	links, skipped, dups, bytes     int64
}

func (s *testSite) expect(t *testing.T) expected {
	t.Helper()
	allow := map[string]int{}
	for i, h := range s.hosts {
		allow[h] = i
	}
	e := expected{fetched: map[int]bool{0: true}}
	seen := map[string]bool{s.start(): true}
	queue := []int{0}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		switch k := s.kinds[i]; {
		case i%len(s.hosts) == s.refuse:
			e.refus++
			continue
		case k == octetStream || k == png:
			e.notHTML++
			e.bytes += int64(len(s.body(i)))
			continue
		case k == largeLength || k == largeChunked:
			e.tooLarge++
			continue
		case k == status500 || k == redirectOut:
			e.status++
			continue
		case k == stall:
			e.timeout++
			continue
		}
		e.pages++
		e.bytes += int64(len(s.body(i)))
		base, _ := url.Parse("http://" + s.hosts[i%len(s.hosts)] + "/p/" + strconv.Itoa(i))
		for _, h := range s.hrefs(i) {
			e.links++
			ref, err := url.Parse(h)
			if err != nil {
				t.Fatal(err)
			}
			u := base.ResolveReference(ref)
			u.Fragment = ""
			if _, ok := allow[u.Host]; u.Scheme != "http" || !ok {
				e.skipped++
				continue
			}
			if seen[u.String()] {
				e.dups++
				continue
			}
			seen[u.String()] = true
			j, err := strconv.Atoi(strings.TrimPrefix(u.Path, "/p/"))
			if err != nil {
				t.Fatal(err)
			}
			e.fetched[j] = true
			queue = append(queue, j)
		}
	}
	return e
}

// peaks returns the most requests the site had in flight on one host and
// in total.
func (s *testSite) peaks() (host, all int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peakH {
		host = max(host, p)
	}
	return host, s.peakAll
}
