package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// BenchmarkRecord measures the harness's cost of recording one request:
// clients.Recorder.Begin (count it in flight, take the start time) and End
// (take the latency, classify the outcome, record it in the HDR histogram,
// count the status code). The target is under 100 ns per request, small
// beside the tens of microseconds a loopback HTTP request costs.
func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	rec := clients.NewRecorder("record", 1, time.Minute)
	for b.Loop() {
		start := rec.Begin()
		rec.End(ctx, start, 200, 6, nil)
	}
}

// BenchmarkRecordParallel is BenchmarkRecord from GOMAXPROCS goroutines
// at once, as a fan-out records: it shows what contention on the
// Recorder's lock adds.
func BenchmarkRecordParallel(b *testing.B) {
	ctx := context.Background()
	rec := clients.NewRecorder("record", 1, time.Minute)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := rec.Begin()
			rec.End(ctx, start, 200, 6, nil)
		}
	})
}

// serverAddedSleepers are the sleeper counts BenchmarkServerAdded runs at.
var serverAddedSleepers = []int{0, 10_000}

// BenchmarkServerAdded measures the bundled server's own added latency
// while it holds many sleeping requests: how much later than its delay a
// request is answered.
//
// The server runs in its own process with -delay = -delay (d). First s
// "sleepers" are put in flight over warm connections with ?delay=10m, and
// the benchmark waits until the server holds all of them and has read
// every request. Then each iteration sends one probe (a GET with the
// server's delay d, over a keep-alive connection of its own, one at a
// time so that probes never queue behind each other) and records its
// latency minus d. Reported: added-p50-ns, added-p99-ns and added-max-ns
// (the target is added-p99 under 2 ms with 10,000 sleepers), and
// srv-inflight, the requests the server held during the probes (s + 1).
// The probe's latency includes the client's and the kernel's share of a
// loopback round trip, so the figures are an upper bound on the server's.
//
//	go test ./bench -run '^$' -bench ServerAdded -benchtime 400x -delay 50ms
//
// The sleepers are canceled (their connections closed) at the end.
func BenchmarkServerAdded(b *testing.B) {
	if config.target != "" {
		b.Skip("ServerAdded measures the bundled server; -target is set")
	}
	for _, s := range serverAddedSleepers {
		b.Run(fmt.Sprintf("sleepers=%d", s), func(b *testing.B) { runServerAdded(b, s) })
	}
}

// sleeperDelay is how long a sleeper sleeps: far longer than any probing.
const sleeperDelay = 10 * time.Minute

func runServerAdded(b *testing.B, sleepers int) {
	ctx := b.Context()
	p, err := serverproc.Start(ctx, []string{"-addr", "127.0.0.1:0", "-delay", config.delay.String(), "-shutdown-timeout", "1s"})
	if err != nil {
		b.Fatalf("start slow server: %v", err)
	}
	defer func() {
		if err := p.Stop(); err != nil {
			b.Errorf("stop slow server: %v", err)
		}
	}()
	url := p.URL + "/"
	timeout := config.reqTimeout

	sleepCtx, stopSleepers := context.WithCancel(ctx)
	sleepDone := make(chan *clients.Result, 1)
	var sleep clients.Client
	if sleepers > 0 {
		sleep, err = clients.NewFanout("sleepers", clients.Config{
			Targets: []string{fmt.Sprintf("%s?delay=%v", url, sleeperDelay)}, Concurrency: sleepers, Timeout: sleeperDelay + time.Minute,
		})
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			res, _ := sleep.Run(sleepCtx, sleepers) // canceled below; every request ends Canceled
			sleepDone <- res
		}()
	} else {
		sleepDone <- nil
	}
	defer func() {
		stopSleepers()
		<-sleepDone
		if sleep != nil {
			_ = sleep.Close()
		}
	}()
	// Wait until the server holds every sleeper, then a little more for
	// it to finish reading the burst of requests.
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := p.Stats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.InFlight >= int64(sleepers) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d sleepers in flight after a minute", st.InFlight, sleepers)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)

	probe, err := clients.NewSequential("probe", clients.Config{Targets: []string{url}, Timeout: timeout})
	if err != nil {
		b.Fatal(err)
	}
	defer probe.Close()
	if _, err := probe.Run(ctx, 1); err != nil { // opens the probe's connection
		b.Fatal(err)
	}
	total := clients.NewResult("probe")
	var held int64
	for b.Loop() {
		res, err := probe.Run(ctx, 1)
		if err != nil {
			b.Fatal(err)
		}
		if err := total.Merge(res); err != nil {
			b.Fatal(err)
		}
	}
	st, err := p.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	held = st.MaxInFlight
	added := func(q float64) float64 { return float64((total.Quantile(q) - config.delay).Nanoseconds()) }
	b.ReportMetric(added(0.50), "added-p50-ns")
	b.ReportMetric(added(0.99), "added-p99-ns")
	b.ReportMetric(float64((total.Max() - config.delay).Nanoseconds()), "added-max-ns")
	b.ReportMetric(float64(held), "srv-inflight")
	b.ReportMetric(float64(total.Failed()), "errors")
	if err := total.Err(); err != nil {
		b.Errorf("PROBES FAILED: %v", err)
	}
}
