package openloop

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
)

// fakeClock is a clock the test moves: SleepUntil(t) sets the time to t
// (if later) plus a scripted oversleep, so each send's lag is known.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	sleep  int
	over   func(i int) time.Duration // oversleep of the i-th SleepUntil
	stop   int                       // the i-th SleepUntil cancels (−1: never)
	cancel context.CancelFunc
}

func (c *fakeClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.sleep
	c.sleep++
	if i == c.stop {
		c.cancel()
		return ctx.Err()
	}
	c.now = max(c.now, t) + c.over(i)
	return nil
}

// blockDoer blocks every request until release is closed, then answers
// code.
type blockDoer struct {
	release chan struct{}
	code    int
}

func (d *blockDoer) Do(ctx context.Context, _ int64) (int, int64, error) {
	select {
	case <-d.release:
		return d.code, 0, nil
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}

func (d *blockDoer) Close() error { return nil }

// TestLatenessAccounting drives run with a fake clock: sends 10 and 50
// oversleep by 3 ms, which carries over to the next sends of the 1 ms
// schedule; the lag histogram and the late count must show exactly that.
func TestLatenessAccounting(t *testing.T) {
	sched, err := Constant(1000, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{stop: -1, over: func(i int) time.Duration {
		if i == 10 || i == 50 {
			return 3 * time.Millisecond
		}
		return 0
	}}
	d := &blockDoer{release: make(chan struct{}), code: 200}
	close(d.release)
	res, err := run(context.Background(), clk, d, sched, Config{Samples: true, Tolerance: 1500 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	// Lags: 3 ms at 10, then 2 ms and 1 ms at 11 and 12; the same from 50.
	want := map[int]time.Duration{10: 3e6, 11: 2e6, 12: 1e6, 50: 3e6, 51: 2e6, 52: 1e6}
	for i, s := range res.Samples {
		if got := s.Sent - s.Intended; got != want[i] {
			t.Errorf("request %d: lag %v, want %v", i, got, want[i])
		}
	}
	if res.Late != 4 { // lags of 3 and 2 ms exceed the 1.5 ms tolerance
		t.Errorf("Late = %d, want 4", res.Late)
	}
	if got := res.Lag.Max(); !res.Lag.ValuesAreEquivalent(got, 3e6) {
		t.Errorf("lag max = %d ns, want 3 ms", got)
	}
	if got := res.Lag.TotalCount(); got != 100 {
		t.Errorf("lag count = %d, want 100", got)
	}
	if res.OK != 100 || res.Sent != 100 || res.Dropped != 0 {
		t.Errorf("OK %d, Sent %d, Dropped %d; want 100, 100, 0", res.OK, res.Sent, res.Dropped)
	}
}

// TestDropsPastCap: every request blocks, so with a cap of 3 the first 3
// are sent and the next 97 dropped, each counted; the clock then ends the
// run at the 101st send, so the 3 in flight and the last one count as
// Canceled.
func TestDropsPastCap(t *testing.T) {
	sched, _ := Constant(1000, 101*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := &fakeClock{stop: 100, cancel: cancel, over: func(int) time.Duration { return 0 }}
	d := &blockDoer{release: make(chan struct{}), code: 200}
	res, err := run(ctx, clk, d, sched, Config{MaxInFlight: 3, Samples: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Scheduled != 101 || res.Sent != 3 || res.OK != 0 || res.Dropped != 97 || res.PeakInFlight != 3 || res.Errors[clients.Canceled] != 4 {
		t.Fatalf("Scheduled %d, Sent %d, OK %d, Dropped %d, peak %d, errors %v; want 101, 3, 0, 97, 3, 4 canceled",
			res.Scheduled, res.Sent, res.OK, res.Dropped, res.PeakInFlight, res.Errors)
	}
	for i, s := range res.Samples[:100] {
		if s.Dropped != (i >= 3) || s.Issued != (i < 3) {
			t.Fatalf("request %d: dropped %v issued %v", i, s.Dropped, s.Issued)
		}
	}
}

// TestCancelCountsUnsent: ctx ends at the 40th send; the 60 never sent and
// any in flight count as Canceled, and nothing is lost.
func TestCancelCountsUnsent(t *testing.T) {
	sched, _ := Constant(1000, 100*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := &fakeClock{stop: 40, cancel: cancel, over: func(int) time.Duration { return 0 }}
	d := &blockDoer{release: make(chan struct{})} // never released: ctx ends them
	res, err := run(ctx, clk, d, sched, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 40 || res.Errors[clients.Canceled] != 100 || res.OK != 0 {
		t.Fatalf("Sent %d, Canceled %d, OK %d; want 40, 100, 0", res.Sent, res.Errors[clients.Canceled], res.OK)
	}
}

func TestRunConfigErrors(t *testing.T) {
	sched, _ := Constant(400, time.Second)
	d := &blockDoer{release: make(chan struct{})}
	for _, tc := range []struct {
		sched Schedule
		cfg   Config
		want  string
	}{
		{Schedule{}, Config{}, "empty schedule"},
		{Schedule{Times: []time.Duration{0}, Rate: 0, Duration: time.Second}, Config{}, "rate"},
		{Schedule{Times: []time.Duration{0}, Rate: 1, Duration: time.Millisecond}, Config{}, "duration"},
		{Schedule{Times: []time.Duration{5, 1}, Rate: 2, Duration: time.Second}, Config{}, "nondecreasing"},
		{sched, Config{MaxInFlight: -1}, "MaxInFlight"},
		{sched, Config{Delay: -1}, "Delay"},
		{sched, Config{Tolerance: -1}, "Tolerance"},
		{sched, Config{FirstIndex: -1}, "FirstIndex"},
		// 400 req/s × 5 ms = 2 in flight at the least: a cap of 1 cannot fit.
		{sched, Config{MaxInFlight: 1, Delay: 5 * time.Millisecond}, "MaxInFlight = 1 cannot fit"},
	} {
		_, err := Run(context.Background(), d, tc.sched, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%+v) = %v, want an error with %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := Run(context.Background(), d, Schedule{}, Config{}); err == nil {
		t.Error("no error")
	}
}

type doerMaker func(clients.Config, int) (Doer, error)

func doers() map[string]doerMaker {
	return map[string]doerMaker{"net/http": NetHTTP, "fasthttp": FastHTTP}
}

// TestRunAgainstServer: 200 req/s for 0.5 s at d = 5 ms, both transports:
// every request counted and OK, corrected ≥ uncorrected per request, no
// latency below d.
func TestRunAgainstServer(t *testing.T) {
	const d = 5 * time.Millisecond
	srv := servertest.Start(t, servers.Config{Delay: d})
	for name, mk := range doers() {
		for _, sleep := range Sleeps() {
			t.Run(name+"/"+string(sleep), func(t *testing.T) {
				doer, err := mk(clients.Config{Targets: []string{srv.URL}, Timeout: 10 * time.Second}, 16)
				if err != nil {
					t.Fatal(err)
				}
				defer doer.Close()
				sched, _ := Constant(200, 500*time.Millisecond)
				res, err := Run(context.Background(), doer, sched, Config{Name: name, Samples: true, Delay: d, MaxInFlight: 16, Sleep: sleep})
				if err != nil {
					t.Fatal(err)
				}
				if res.Scheduled != 100 || res.OK != 100 || res.Sent != 100 || res.Failed() != 0 || res.Dropped != 0 {
					t.Fatalf("Scheduled %d OK %d Sent %d Failed %d (%v) Dropped %d; want 100 OK", res.Scheduled, res.OK, res.Sent, res.Failed(), res.Errors, res.Dropped)
				}
				if res.Corrected.TotalCount() != 100 || res.Uncorrected.TotalCount() != 100 {
					t.Fatalf("histogram counts %d, %d; want 100", res.Corrected.TotalCount(), res.Uncorrected.TotalCount())
				}
				for i, s := range res.Samples {
					corr, unc := s.Done-s.Intended, s.Done-s.Sent
					if s.Sent < s.Intended {
						t.Fatalf("request %d sent %v before its time", i, s.Intended-s.Sent)
					}
					if corr < unc || unc < d {
						t.Fatalf("request %d: corrected %v, uncorrected %v; want corrected ≥ uncorrected ≥ d = %v", i, corr, unc, d)
					}
				}
				if m := time.Duration(res.Uncorrected.Min()); m < d-d/100 { // HDR buckets: within 1 %
					t.Fatalf("uncorrected min %v below d = %v", m, d)
				}
				if r := res.AchievedRate(); r > 200.0001 || r < 150 {
					t.Fatalf("achieved rate %.1f/s for a target of 200/s", r)
				}
			})
		}
	}
	sched, _ := Constant(200, 500*time.Millisecond)
	if _, err := Run(context.Background(), nil, sched, Config{Sleep: "spin"}); err == nil || !strings.Contains(err.Error(), "Sleep") {
		t.Errorf("Sleep \"spin\": error %v, want one naming Sleep", err)
	}
}

// TestRunDropsAgainstServer: a cap of 1 at 400 req/s and d = 5 ms cannot
// hold: at least every other request is dropped, and all are counted.
func TestRunDropsAgainstServer(t *testing.T) {
	const d = 5 * time.Millisecond
	srv := servertest.Start(t, servers.Config{Delay: d})
	doer, err := NetHTTP(clients.Config{Targets: []string{srv.URL}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer doer.Close()
	sched, _ := Constant(400, 250*time.Millisecond)
	res, err := Run(context.Background(), doer, sched, Config{MaxInFlight: 1, Delay: d, AllowDrops: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK+res.Failed()+res.Dropped != res.Scheduled {
		t.Fatalf("OK %d + failed %d + dropped %d ≠ scheduled %d", res.OK, res.Failed(), res.Dropped, res.Scheduled)
	}
	if res.Dropped < res.Scheduled/2-1 || res.PeakInFlight != 1 {
		t.Fatalf("Dropped %d of %d, peak %d; want ≥ half dropped, peak 1", res.Dropped, res.Scheduled, res.PeakInFlight)
	}
}

// TestRunCountsFailures: nothing listens at the target; every request is a
// counted Refused failure with its latency recorded, over both transports.
func TestRunCountsFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	for name, mk := range doers() {
		t.Run(name, func(t *testing.T) {
			doer, err := mk(clients.Config{Targets: []string{url}}, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer doer.Close()
			sched, _ := Constant(200, 100*time.Millisecond)
			res, err := Run(context.Background(), doer, sched, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors[clients.Refused] != 20 || res.OK != 0 || res.Corrected.TotalCount() != 20 {
				t.Fatalf("errors %v, OK %d, recorded %d; want 20 refused, all recorded", res.Errors, res.OK, res.Corrected.TotalCount())
			}
		})
	}
}

func TestDoerErrors(t *testing.T) {
	for name, mk := range doers() {
		if _, err := mk(clients.Config{}, 1); err == nil {
			t.Errorf("%s: no targets: no error", name)
		}
		if _, err := mk(clients.Config{Targets: []string{"http://127.0.0.1:1/"}}, 0); err == nil || !strings.Contains(err.Error(), "conns") {
			t.Errorf("%s: conns = 0: %v", name, err)
		}
	}
}
