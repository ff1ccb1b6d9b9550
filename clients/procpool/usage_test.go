package procpool

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage"
)

func TestUsageMessages(t *testing.T) {
	res := sampleResult(t, 3)
	u := &usage.Usage{Procs: 1, PeakRSS: 1 << 20, PeakHeap: 1 << 19, PeakGoroutines: 9, PeakFDs: 12, PeakThreads: 5, CPU: time.Millisecond, Samples: 2}
	m := &Message{V: 1, Type: ResultMsg, Seq: 1, Result: res, Usage: u}
	b, err := EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeMessage(b)
	if err != nil {
		t.Fatalf("DecodeMessage(%s): %v", b, err)
	}
	if got.Usage == nil || *got.Usage != *u {
		t.Errorf("usage round trip: %+v, want %+v", got.Usage, u)
	}
	hello := &Message{V: 1, Type: Hello, Hello: &HelloConfig{Strategy: WorkerFanout, Targets: []string{"http://127.0.0.1/"}, Conn: "warm", SampleNS: int64(50 * time.Millisecond)}}
	b, err = EncodeMessage(hello)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeMessage(b); err != nil || !reflect.DeepEqual(got, hello) {
		t.Errorf("hello with sample_ns: %+v, %v", got, err)
	}

	for _, bad := range []*Message{
		{V: 1, Type: Ready, Usage: u},
		{V: 1, Type: ResultMsg, Seq: 1, Result: res, Usage: &usage.Usage{PeakRSS: -1}},
		{V: 1, Type: Hello, Hello: &HelloConfig{Strategy: WorkerFanout, Targets: []string{"http://127.0.0.1/"}, Conn: "warm", SampleNS: 5}},
		{V: 1, Type: Hello, Hello: &HelloConfig{Strategy: WorkerFanout, Targets: []string{"http://127.0.0.1/"}, Conn: "warm", SampleNS: int64(time.Hour)}},
	} {
		if b, err := EncodeMessage(bad); err == nil {
			t.Errorf("EncodeMessage(%+v) = %s, want an error", bad, b)
		}
	}
	for _, tc := range []struct{ line, want string }{
		{`{"v":1,"type":"ready","usage":{"procs":1,"samples":1}}`, "unexpected field usage"},
		{`{"v":1,"type":"stop","usage":{"bogus":1}}`, `unknown field "bogus"`},
	} {
		if _, err := DecodeMessage([]byte(tc.line)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeMessage(%s) = %v, want %q", tc.line, err, tc.want)
		}
	}
}

func TestConfigSampleRange(t *testing.T) {
	cfg := Config{Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}, Procs: 1}
	for _, s := range []time.Duration{time.Microsecond, 2 * time.Minute, -time.Second} {
		cfg.Sample = s
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "sample") {
			t.Errorf("Validate with Sample %v = %v, want a sample error", s, err)
		}
	}
	for _, s := range []time.Duration{0, time.Millisecond, time.Minute} {
		cfg.Sample = s
		if err := cfg.Validate(); err != nil {
			t.Errorf("Validate with Sample %v = %v", s, err)
		}
	}
}

// Workers asked to sample report their own resource use with each result,
// and it reflects the requests they held open.
func TestPoolUsage(t *testing.T) {
	srv := newTestServer(t, 200*time.Millisecond)
	cfg := srv.config(2)
	cfg.Sample = 5 * time.Millisecond
	p := startPool(t, context.Background(), ProcsFanoutName, cfg)
	if got := p.Usage(); len(got) != 0 {
		t.Errorf("Usage before any Run = %+v, want none", got)
	}
	const n = 200 // 100 in flight per worker
	res, err := p.Run(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != n {
		t.Fatalf("result %v", res)
	}
	use := p.Usage()
	if len(use) != 2 {
		t.Fatalf("Usage() has %d entries, want one per worker", len(use))
	}
	for i, u := range use {
		// Each worker held 100 connections (an fd each) and at least one
		// goroutine per request for 200ms.
		if u.Procs != 1 || u.Samples < 2 || u.PeakFDs < 100 || u.PeakGoroutines < 100 || u.PeakRSS <= 0 || u.PeakHeap <= 0 || u.CPU <= 0 {
			t.Errorf("worker %d usage %+v; want ≥ 100 fds and goroutines, RSS, heap and CPU above 0", i, u)
		}
	}

	plain := startPool(t, context.Background(), ProcsFanoutName, srv.config(2))
	if _, err := plain.Run(t.Context(), 4); err != nil {
		t.Fatal(err)
	}
	for i, u := range plain.Usage() {
		if u != (usage.Usage{}) {
			t.Errorf("worker %d of a pool without Sample reported %+v, want zero", i, u)
		}
	}
}

func TestConfigStopGrace(t *testing.T) {
	cfg := Config{Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}, Procs: 1}
	for _, g := range []time.Duration{-time.Second, MaxStopGrace + 1} {
		cfg.StopGrace = g
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "stop grace") {
			t.Errorf("Validate with StopGrace %v = %v, want a stop grace error", g, err)
		}
	}
}

// A worker that takes longer than the default 2 s to exit after Stop is
// waited for when StopGrace allows it, and killed when it does not.
func TestPoolStopGrace(t *testing.T) {
	slowExit := handshakeThen(`trap '' TERM; while read -r line; do :; done; sleep 3; exit 0`)
	for _, tc := range []struct {
		grace  time.Duration
		killed bool
	}{{0, true}, {10 * time.Second, false}} {
		p, err := Start(context.Background(), ProcsFanoutName, Config{
			Client:    clients.Config{Targets: []string{"http://127.0.0.1:1/"}},
			Procs:     1,
			Command:   slowExit,
			StopGrace: tc.grace,
		})
		if err != nil {
			t.Fatal(err)
		}
		err = p.Close()
		if killed := err != nil && strings.Contains(err.Error(), "was killed"); killed != tc.killed {
			t.Errorf("StopGrace %v: Close = %v; want killed %v", tc.grace, err, tc.killed)
		}
	}
}
