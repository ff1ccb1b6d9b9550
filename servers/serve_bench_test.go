package servers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// nullWriter is an http.ResponseWriter that keeps nothing, so that a
// benchmark of the handler counts only the handler's own work.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(code int)        { w.code = code }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkServeSlow measures the slow endpoint's own CPU and allocations
// per request (one op), without net/http's connection handling: d=0s in
// parallel (the counters shared by concurrent handlers), and d=1µs one at
// a time (the timer path; its ns/op is mostly the wake-up).
func BenchmarkServeSlow(b *testing.B) {
	newReq := func(i int) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set(servers.HeaderIndex, strconv.Itoa(1000+i))
		return r
	}
	serve := func(b *testing.B, s *servers.Server, w *nullWriter, r *http.Request) {
		clear(w.h)
		s.ServeHTTP(w, r)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
	b.Run("d=0s", func(b *testing.B) {
		s, err := servers.New(servers.Config{ErrorLog: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w, r := &nullWriter{h: http.Header{}}, newReq(0)
			for pb.Next() {
				serve(b, s, w, r)
			}
		})
	})
	b.Run("d=1µs", func(b *testing.B) {
		s, err := servers.New(servers.Config{Delay: time.Microsecond, ErrorLog: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		w, r := &nullWriter{h: http.Header{}}, newReq(0)
		b.ReportAllocs()
		for b.Loop() {
			serve(b, s, w, r)
		}
	})
}
