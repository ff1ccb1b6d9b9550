package openloop

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// TestShareCoversSchedule: the workers' shares, put back together, are the
// schedule.
func TestShareCoversSchedule(t *testing.T) {
	sched, err := Poisson(1000, time.Second, 7)
	if err != nil {
		t.Fatal(err)
	}
	var all []time.Duration
	for w := range 3 {
		s := Share(sched, w, 3)
		if s.Rate != sched.Rate/3 {
			t.Errorf("share %d rate %v, want %v", w, s.Rate, sched.Rate/3)
		}
		all = append(all, s.Times...)
	}
	slices.Sort(all)
	if !slices.Equal(all, sched.Times) {
		t.Fatalf("shares hold %d times, want the schedule's %d", len(all), len(sched.Times))
	}
}

// TestRunProcsAgainstServer: 3 worker processes pace 300 req/s for 0.5 s
// at d = 5 ms: every request counted once and OK, the server saw every
// index exactly once (the workers' strides interleave), latencies ≥ d;
// with a warm-up the server also served each worker's warm-up requests.
func TestRunProcsAgainstServer(t *testing.T) {
	const d = 5 * time.Millisecond
	srv := servertest.Start(t, servers.Config{Delay: d})
	for _, fast := range []bool{false, true} {
		res, err := RunProcs(context.Background(), ProcsConfig{
			Procs: 3, FastHTTP: fast, Conns: 16,
			Client:   clients.Config{Targets: []string{srv.URL}, Timeout: 10 * time.Second},
			Schedule: ScheduleSpec{Arrival: ArrivalPoisson, Rate: 300, Duration: 500 * time.Millisecond, Seed: 3},
			Run:      Config{Delay: d},
			Warmup:   map[bool]float64{true: 100}[fast], // fasthttp: 3 workers × 4 warm-up requests
		})
		if err != nil {
			t.Fatal(err)
		}
		sched, _ := Poisson(300, 500*time.Millisecond, 3)
		n := int64(len(sched.Times))
		if res.Scheduled != n || res.OK != n || res.Sent != n || res.Failed() != 0 {
			t.Fatalf("fasthttp=%v: Scheduled %d OK %d Sent %d Failed %d (%v); want %d OK", fast, res.Scheduled, res.OK, res.Sent, res.Failed(), res.Errors, n)
		}
		if res.Corrected.TotalCount() != n || res.Uncorrected.TotalCount() != n || res.Lag.TotalCount() != n {
			t.Fatalf("histogram counts %d, %d, %d; want %d", res.Corrected.TotalCount(), res.Uncorrected.TotalCount(), res.Lag.TotalCount(), n)
		}
		if m := time.Duration(res.Uncorrected.Min()); m < d-d/100 {
			t.Fatalf("uncorrected min %v below d", m)
		}
		if res.Corrected.Max() < res.Uncorrected.Max() {
			t.Fatalf("corrected max %d < uncorrected max %d", res.Corrected.Max(), res.Uncorrected.Max())
		}
	}
	if st := srv.Stats(); st.Served != 2*int64(len(mustPoisson(t, 300, 500*time.Millisecond, 3).Times))+12 {
		t.Fatalf("server served %d", st.Served)
	}
}

func mustPoisson(t *testing.T, rate float64, d time.Duration, seed uint64) Schedule {
	s, err := Poisson(rate, d, seed)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRunProcsFailures: a refused target is counted per request in the
// workers, and bad configurations name the field.
func TestRunProcsFailures(t *testing.T) {
	res, err := RunProcs(context.Background(), ProcsConfig{
		Procs: 2, Conns: 4,
		Client:   clients.Config{Targets: []string{"http://127.0.0.1:1/"}, Timeout: 5 * time.Second},
		Schedule: ScheduleSpec{Arrival: ArrivalConstant, Rate: 100, Duration: 200 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors[clients.Refused] != 20 || res.OK != 0 {
		t.Fatalf("errors %v OK %d; want 20 refused", res.Errors, res.OK)
	}
	for _, tc := range []struct {
		cfg  ProcsConfig
		want string
	}{
		{ProcsConfig{Procs: 0}, "procs = 0"},
		{ProcsConfig{Procs: 2, Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}, Schedule: ScheduleSpec{Arrival: "burst", Rate: 1, Duration: time.Second}}, `arrival "burst"`},
		{ProcsConfig{Procs: 2, Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}, Schedule: ScheduleSpec{Arrival: ArrivalConstant, Rate: 0, Duration: time.Second}}, "rate 0"},
		{ProcsConfig{Procs: 2, Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}, Schedule: ScheduleSpec{Arrival: ArrivalConstant, Rate: 1000, Duration: time.Second},
			Run: Config{MaxInFlight: 10, Delay: 50 * time.Millisecond}}, "cannot fit"},
	} {
		if _, err := RunProcs(context.Background(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RunProcs(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
}

// TestRunClosed: c lanes against d = 5 ms send about c / d per second;
// uncorrected latency ≥ d, corrected ≥ uncorrected, every request counted.
func TestRunClosed(t *testing.T) {
	const d = 5 * time.Millisecond
	srv := servertest.Start(t, servers.Config{Delay: d})
	doer, err := NetHTTP(clients.Config{Targets: []string{srv.URL}, Timeout: 10 * time.Second}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer doer.Close()
	res, err := RunClosed(context.Background(), doer, 4, 4/d.Seconds(), 300*time.Millisecond, "closed")
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != res.Sent || res.Sent != res.Scheduled || res.Corrected.TotalCount() != res.Sent {
		t.Fatalf("OK %d Sent %d Scheduled %d corrected count %d", res.OK, res.Sent, res.Scheduled, res.Corrected.TotalCount())
	}
	// 4 lanes × 300 ms / 5 ms = 240 at most.
	if res.Sent > 244 || res.Sent < 40 {
		t.Fatalf("sent %d, want at most 4 × 300 ms / d", res.Sent)
	}
	if res.Corrected.Max() < res.Uncorrected.Max() || time.Duration(res.Uncorrected.Min()) < d-d/100 {
		t.Fatalf("corrected max %d uncorrected max %d min %d", res.Corrected.Max(), res.Uncorrected.Max(), res.Uncorrected.Min())
	}
	if _, err := RunClosed(context.Background(), doer, 0, 1, time.Second, "x"); err == nil || !strings.Contains(err.Error(), "c = 0") {
		t.Errorf("c = 0: %v", err)
	}
}
