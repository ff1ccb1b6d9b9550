package model

import (
	"errors"
	"testing"
	"time"
)

var (
	wanTLS13 = Network{RTT: 40 * time.Millisecond, Bandwidth: 12_500_000, Body: 2, TLS: TLS13}
	hsCPU    = ConnCPU{Client: 427 * time.Microsecond, Server: 350 * time.Microsecond, Cores: 2}
)

// TestPipeNoCPUIsNetwork: with no CPU anywhere the pipeline is the round-trip
// model, cold and warm, waves and strict streams.
func TestPipeNoCPUIsNetwork(t *testing.T) {
	for _, c := range []int{1, 10, 100} {
		for _, n := range []Network{wanTLS13, {RTT: time.Millisecond, Cold: true}, {RTT: 40 * time.Millisecond, Cold: true, TLS: TLS12}, {RTT: 40 * time.Millisecond, Streams: 30}} {
			p := Params{Kind: Fanout, N: 100, C: c, Delay: 50 * time.Millisecond}
			want, err := IdealNetwork(p, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := IdealNetworkPipe(p, n, ConnCPU{Cores: 2}, ReqCPU{})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("c=%d %+v: pipeline %v, network %v", c, n, got, want)
			}
		}
	}
}

// TestPipeFlowShop: on a path whose one-way trip is longer than every
// leg's drain, the legs never share the cores, so a cold round of m pays
// one job of each leg plus (⌈m/cores⌉ − 1) of the slowest: the flow shop's
// closed form, here the client's 427 µs.
func TestPipeFlowShop(t *testing.T) {
	n := wanTLS13
	n.Cold = true
	for _, m := range []int{1, 2, 10, 100} {
		p := Params{Kind: Fanout, N: m, C: m, Delay: 50 * time.Millisecond}
		base, err := IdealNetwork(p, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := IdealNetworkPipe(p, n, hsCPU, ReqCPU{})
		if err != nil {
			t.Fatal(err)
		}
		rounds := (m + 1) / 2
		want := hsCPU.Server + time.Duration(rounds)*hsCPU.Client
		if got-base != want {
			t.Errorf("m=%d: extra %v, flow shop %v", m, got-base, want)
		}
		// The serialised bound charges both legs in full.
		ser, err := IdealNetworkCPU(p, n, hsCPU)
		if err != nil {
			t.Fatal(err)
		}
		if m > hsCPU.Cores && got >= ser {
			t.Errorf("m=%d: pipeline %v not below the serialised bound %v", m, got, ser)
		}
	}
}

// TestPipeShortPathPaysTheCores: with no trips to hide under (RTT and d
// tiny), every leg competes for the cores, so the round pays at least the
// total work ÷ cores (less the path's few µs), and at most all of it on one core.
func TestPipeShortPathPaysTheCores(t *testing.T) {
	n := Network{RTT: 2 * time.Microsecond, Cold: true, TLS: TLS13}
	req := ReqCPU{Client: 40 * time.Microsecond, Server: 36 * time.Microsecond}
	const m = 100
	p := Params{Kind: Fanout, N: m, C: m, Delay: time.Microsecond}
	base, err := IdealNetwork(p, n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := IdealNetworkPipe(p, n, hsCPU, req)
	if err != nil {
		t.Fatal(err)
	}
	work := m * (hsCPU.Client + hsCPU.Server + req.Client + req.Server)
	// The path's own few µs may overlap the work.
	if extra := got - base; extra < work/2-base || extra > work {
		t.Errorf("extra %v outside [total/cores − path %v, total %v]", extra, work/2-base, work)
	}
}

// TestPipeWarmRequestCPU: a warm round's extra grows with the request CPU
// and is at least one request's own.
func TestPipeWarmRequestCPU(t *testing.T) {
	p := Params{Kind: Fanout, N: 100, C: 100, Delay: 50 * time.Millisecond}
	base, err := IdealNetwork(p, wanTLS13)
	if err != nil {
		t.Fatal(err)
	}
	prev := time.Duration(0)
	for _, r := range []ReqCPU{{Client: 10 * time.Microsecond, Server: 10 * time.Microsecond}, {Client: 40 * time.Microsecond, Server: 36 * time.Microsecond}, {Client: 80 * time.Microsecond, Server: 70 * time.Microsecond}} {
		got, err := IdealNetworkPipe(p, wanTLS13, hsCPU, r) // conn CPU: ignored when warm
		if err != nil {
			t.Fatal(err)
		}
		extra := got - base
		if extra <= prev || extra < r.Client+r.Server {
			t.Errorf("%+v: extra %v (previous %v)", r, extra, prev)
		}
		prev = extra
	}
}

func TestPipeBadInput(t *testing.T) {
	p := Params{Kind: Fanout, N: 10, C: 10, Delay: time.Millisecond}
	for name, f := range map[string]func() error{
		"loopback":   func() error { _, err := IdealNetworkPipe(p, Network{}, hsCPU, ReqCPU{}); return err },
		"req client": func() error { _, err := IdealNetworkPipe(p, wanTLS13, hsCPU, ReqCPU{Client: -1}); return err },
		"req server": func() error { _, err := IdealNetworkPipe(p, wanTLS13, hsCPU, ReqCPU{Server: -1}); return err },
		"cores":      func() error { _, err := IdealNetworkPipe(p, wanTLS13, ConnCPU{}, ReqCPU{}); return err },
	} {
		var pe *ParamError
		if err := f(); !errors.As(err, &pe) {
			t.Errorf("%s: %v, want a *ParamError", name, err)
		}
	}
}
