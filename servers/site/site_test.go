package site_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers/site"
)

func TestGraphDeterministicAndConnected(t *testing.T) {
	c := site.Config{Seed: 3, Pages: 2000, Hosts: 16}
	a, b := site.NewGraph(c), site.NewGraph(c)
	for i := range a.Out {
		if len(a.Out[i]) != len(b.Out[i]) {
			t.Fatalf("page %d: %d links then %d", i, len(a.Out[i]), len(b.Out[i]))
		}
		for k := range a.Out[i] {
			if a.Out[i][k] != b.Out[i][k] {
				t.Fatalf("page %d link %d differs", i, k)
			}
		}
		if len(a.Out[i]) < site.DefaultLinks {
			t.Errorf("page %d: %d links, want at least %d", i, len(a.Out[i]), site.DefaultLinks)
		}
	}
	sum := 0
	levels := a.Levels()
	for _, n := range levels {
		sum += n
	}
	if sum != c.Pages || levels[0] != 1 {
		t.Errorf("levels %v add up to %d, want %d starting with 1", levels, sum, c.Pages)
	}
	if other := site.NewGraph(site.Config{Seed: 4, Pages: 2000, Hosts: 16}); other.Out[0][0] == a.Out[0][0] && other.Out[1][0] == a.Out[1][0] && other.Out[2][0] == a.Out[2][0] {
		t.Errorf("seeds 3 and 4 give the same first links")
	}
}

func get(t *testing.T, u string, gz bool) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := (&http.Transport{}).RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

var hrefRE = regexp.MustCompile(`<a [^>]*href="([^"]*)"`)

func TestServePages(t *testing.T) {
	const pages, hosts = 200, 4
	s, err := site.Start(context.Background(), site.Config{Seed: 1, Pages: pages, Hosts: hosts, Gzip: true,
		NotHTML: []int{5}, Huge: []int{6}, HugeBytes: 100_000, Refuse: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	urls := s.URLs()
	resp, body := get(t, s.Start(), false)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("page 0: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if n := len(body); n < site.DefaultPageBytes-500 || n > site.DefaultPageBytes+2000 {
		t.Errorf("page 0 is %d bytes, want about %d", n, site.DefaultPageBytes)
	}
	inSite, out := 0, 0
	for _, m := range hrefRE.FindAllStringSubmatch(string(body), -1) {
		h := m[1]
		switch {
		case strings.HasPrefix(h, "/p/"):
			inSite++
		case strings.HasPrefix(h, "http://127.0.0.1:"):
			inSite++
			host := h[:strings.Index(h, "/p/")]
			j, _ := strconv.Atoi(strings.SplitN(h[len(host)+3:], "#", 2)[0])
			if host != urls[j%hosts] {
				t.Errorf("href %s: page %d lives on %s", h, j, urls[j%hosts])
			}
		default:
			out++
		}
	}
	if inSite < site.DefaultLinks || out != site.DefaultExternal {
		t.Errorf("%d in-site and %d outside links, want ≥ %d and %d", inSite, out, site.DefaultLinks, site.DefaultExternal)
	}
	if resp, body2 := get(t, urls[0]+"/p/4", true); resp.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(string(body2), "<!DOCTYPE html>") {
		t.Errorf("gzip: encoding %q, body %.20q", resp.Header.Get("Content-Encoding"), body2)
	}
	if resp, _ := get(t, urls[1]+"/p/5", false); resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("not-HTML page: %q", resp.Header.Get("Content-Type"))
	}
	if _, b := get(t, urls[2]+"/p/6", false); len(b) < 99_000 {
		t.Errorf("huge page: %d bytes", len(b))
	}
	if resp, _ := get(t, urls[1]+"/p/4", false); resp.StatusCode != 404 {
		t.Errorf("page 4 on host 1: %s, want 404", resp.Status)
	}
	if _, err := http.Get(urls[3] + "/p/3"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refused host: %v", err)
	}
	st, err := site.FetchStatus(context.Background(), urls[2])
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]int64{0: 1, 4: 1, 5: 1, 6: 1}
	if err := st.Check(func(i int) int64 { return want[i] }); err != nil || st.Misses != 1 {
		t.Errorf("counters: %v, misses %d", err, st.Misses)
	}
	if err := st.Check(func(int) int64 { return 1 }); err == nil {
		t.Errorf("Check passed pages never fetched")
	}
	if err := site.ResetStatus(context.Background(), urls[1]); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Fetches[0] != 0 || st.Misses != 0 {
		t.Errorf("after reset: %+v", st.Fetches[:8])
	}
}

func TestDelayAndCapacity(t *testing.T) {
	s, err := site.Start(context.Background(), site.Config{Pages: 8, Hosts: 1, Delay: 20 * time.Millisecond, Capacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan struct{})
	for i := range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			resp, err := http.Get(s.URLs()[0] + "/p/" + strconv.Itoa(i))
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	for range 6 {
		<-done
	}
	if st := s.Status(); st.MaxInFlight != 2 {
		t.Errorf("max in flight %d, want the capacity 2", st.MaxInFlight)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		c     site.Config
		field string
	}{
		{site.Config{Pages: 0, Hosts: 1}, "Pages"},
		{site.Config{Pages: 10, Hosts: 11}, "Hosts"},
		{site.Config{Pages: 10, Hosts: 1, PageBytes: 10}, "PageBytes"},
		{site.Config{Pages: 10, Hosts: 1, Delay: -1}, "Delay"},
		{site.Config{Pages: 10, Hosts: 1, Dist: "zipf"}, "Dist"},
		{site.Config{Pages: 10, Hosts: 2, Refuse: []int{0}}, "Refuse"},
		{site.Config{Pages: 10, Hosts: 2, NotHTML: []int{10}}, "NotHTML"},
	} {
		err := tc.c.WithDefaults().Validate()
		var se *site.Error
		if !errors.As(err, &se) || se.Field != tc.field {
			t.Errorf("%+v: %v, want an error naming %s", tc.c, err, tc.field)
		}
	}
}
