package netem_test

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers/netem"
)

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNetemRequest measures the process's CPU per warm HTTP request
// (client and server together) on a plain loopback listener and through the
// emulator at RTT 2 ms and at the lan preset (whose ns/op shows the timers'
// resolution against a 1 ms RTT); the difference between the rows' cpu-ns (client and server CPU per request) is the
// emulator's own cost per request.
func BenchmarkNetemRequest(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  netem.Config
	}{
		{"plain", netem.Loopback},
		{"netem", netem.Config{RTT: 2 * time.Millisecond, Bandwidth: 125_000_000}},
		{"lan", netem.LAN},
	} {
		b.Run("path="+tc.name, func(b *testing.B) {
			url := serve(b, tc.cfg, make([]byte, 1024))
			c := &http.Client{Transport: &http.Transport{}}
			defer c.CloseIdleConnections()
			get(b, c, url)
			start := cpuTime(b)
			b.ResetTimer()
			for b.Loop() {
				get(b, c, url)
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns")
		})
	}
}

// BenchmarkNetemRequestParallel is BenchmarkNetemRequest with 32 requests in
// flight (32 warm connections), where the runtime's wake-ups are shared.
func BenchmarkNetemRequestParallel(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  netem.Config
	}{
		{"plain", netem.Loopback},
		{"netem", netem.Config{RTT: 2 * time.Millisecond, Bandwidth: 125_000_000}},
	} {
		b.Run("path="+tc.name, func(b *testing.B) {
			url := serve(b, tc.cfg, make([]byte, 1024))
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			defer c.CloseIdleConnections()
			start := cpuTime(b)
			b.SetParallelism(16) // 32 goroutines on 2 CPUs
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := c.Get(url)
					if err != nil {
						b.Error(err) // Fatal is for the benchmark's own goroutine
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns")
		})
	}
}
