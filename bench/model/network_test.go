package model

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// flights lists a new connection's set-up as the one-way trips its
// messages make before the request can leave, spelled out message by
// message (an independent account of SetupRTTs): true for client to
// server, false for server to client.
func flights(sec Security, resumed bool) []bool {
	tcp := []bool{true, false} // SYN; SYN-ACK (the ACK travels with the next flight)
	switch sec {
	case TLS13: // ClientHello; ServerHello…Finished (client Finished travels with the request)
		return append(tcp, true, false)
	case TLS12:
		if resumed { // ClientHello+ticket; ServerHello, ChangeCipherSpec, Finished
			return append(tcp, true, false)
		}
		// ClientHello; ServerHello…Done; ClientKeyExchange, CCS, Finished; CCS, Finished
		return append(tcp, true, false, true, false)
	}
	return tcp
}

// walk simulates a fan-out batch of n requests over lanes lanes, one
// message hop at a time: each request, cold, first walks its set-up
// flights (RTT/2 each); then, holding one of streams slots (0 = no cap)
// from the moment its request leaves until its response's last byte
// arrives (slots handed out FIFO), sends the request (RTT/2), is served
// in d, and its response returns (RTT/2 plus body/bandwidth). A lane
// issues its next request when its previous one completes.
func walk(n, lanes, streams int, d time.Duration, nw Network) time.Duration {
	hop := nw.RTT / 2
	body := time.Duration(0)
	if nw.Bandwidth > 0 {
		body = time.Duration(nw.Body * int64(time.Second) / nw.Bandwidth)
	}
	laneFree := make([]time.Duration, lanes) // when each lane can issue
	var slots []time.Duration                // when each held stream slot frees
	issued, end := 0, time.Duration(0)
	for issued < n {
		// The next request goes on the lane that frees first (ties: lowest).
		l := 0
		for i := range laneFree {
			if laneFree[i] < laneFree[l] {
				l = i
			}
		}
		t := laneFree[l]
		if nw.Cold {
			for range flights(nw.TLS, nw.Resumed) {
				t += hop
			}
		}
		if streams > 0 && !nw.Cold {
			if len(slots) == streams {
				slices.Sort(slots)
				t = max(t, slots[0])
				slots = slots[1:]
			}
		}
		done := t + hop + d + hop + body
		if streams > 0 && !nw.Cold {
			slots = append(slots, done)
		}
		laneFree[l] = done
		end = max(end, done)
		issued++
	}
	return end
}

// TestIdealNetworkMatchesWalk checks IdealNetwork against the hop-by-hop
// walk for fan-outs over every TLS set-up, cold and warm, with and without
// a stream cap.
func TestIdealNetworkMatchesWalk(t *testing.T) {
	const d = 50 * time.Millisecond
	for _, rtt := range []time.Duration{0, time.Millisecond, 40 * time.Millisecond, 200 * time.Millisecond} {
		for _, sec := range []Security{Plain, TLS12, TLS13} {
			for _, resumed := range []bool{false, true} {
				for _, cold := range []bool{false, true} {
					for _, streams := range []int{0, 1, 7, 100, 250} {
						for _, nc := range [][2]int{{1, 1}, {100, 100}, {100, 0}, {1024, 1024}, {1000, 64}, {37, 5}} {
							nw := Network{RTT: rtt, Bandwidth: 12_500_000, Body: 5000, TLS: sec, Resumed: resumed, Cold: cold, Streams: streams}
							p := Params{Kind: Fanout, N: nc[0], C: nc[1], Delay: d}
							got, err := IdealNetwork(p, nw)
							if err != nil {
								t.Fatalf("IdealNetwork(%+v, %+v): %v", p, nw, err)
							}
							if want := walk(p.N, effective(p.C, p.N), streams, d, nw); got != want {
								t.Fatalf("IdealNetwork(%+v, %+v) = %v, the hop-by-hop walk says %v", p, nw, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestSetupRTTs pins the numbers: TCP 1, TLS 1.3 +1, TLS 1.2 +2
// (+1 resumed), and the cold–warm gap of one request.
func TestSetupRTTs(t *testing.T) {
	for _, tc := range []struct {
		sec     Security
		resumed bool
		want    int
	}{
		{Plain, false, 1}, {TLS13, false, 2}, {TLS13, true, 2}, {TLS12, false, 3}, {TLS12, true, 2},
	} {
		nw := Network{RTT: 40 * time.Millisecond, TLS: tc.sec, Resumed: tc.resumed}
		if got := nw.SetupRTTs(); got != tc.want {
			t.Errorf("%v resumed=%v: %d set-up RTTs, want %d", tc.sec, tc.resumed, got, tc.want)
		}
		if got := len(flights(tc.sec, tc.resumed)) / 2; got != tc.want {
			t.Errorf("%v resumed=%v: the flights list %d round trips, SetupRTTs %d", tc.sec, tc.resumed, got, tc.want)
		}
		warm := nw.RequestTime(50 * time.Millisecond)
		nw.Cold = true
		if gap := nw.RequestTime(50*time.Millisecond) - warm; gap != time.Duration(tc.want)*nw.RTT {
			t.Errorf("%v: cold−warm gap %v, want %d RTT", tc.sec, gap, tc.want)
		}
	}
}

// TestIdealNetworkLoopbackIsIdeal checks that the zero Network is the
// loopback model for every kind, server capacity included.
func TestIdealNetworkLoopbackIsIdeal(t *testing.T) {
	for _, p := range []Params{
		{Kind: Sequential, N: 10, Delay: time.Second},
		{Kind: PoolChunked, N: 100, P: 8, Delay: time.Second, K: 3},
		{Kind: ProcsFanout, N: 100, P: 4, C: 8, Delay: time.Second},
	} {
		want, _ := Ideal(p)
		if got, err := IdealNetwork(p, Network{}); err != nil || got != want {
			t.Errorf("IdealNetwork(%+v, loopback) = %v, %v; Ideal says %v", p, got, err, want)
		}
	}
}

// TestStreamKnee checks the closed form of a strict HTTP/2 fan-out of n = c
// requests: one round up to the stream limit s, ⌈c/s⌉ rounds past it.
func TestStreamKnee(t *testing.T) {
	const rtt, d, s = 40 * time.Millisecond, 50 * time.Millisecond, 100
	for _, c := range []int{1, 64, 100, 101, 256, 1024} {
		got, err := IdealNetwork(Params{Kind: Fanout, N: c, C: c, Delay: d}, Network{RTT: rtt, TLS: TLS13, Streams: s})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Duration((c+s-1)/s) * (rtt + d); got != want {
			t.Errorf("c = %d: %v, want ⌈c/s⌉ × (RTT + d) = %v", c, got, want)
		}
	}
}

func TestIdealNetworkBadInput(t *testing.T) {
	good := Params{Kind: Fanout, N: 10, Delay: time.Second}
	for _, tc := range []struct {
		p     Params
		n     Network
		field string
	}{
		{good, Network{RTT: -1}, "Network.RTT"},
		{good, Network{Bandwidth: -1}, "Network.Bandwidth"},
		{good, Network{Body: -1}, "Network.Body"},
		{good, Network{TLS: 9}, "Network.TLS"},
		{good, Network{Streams: -1}, "Network.Streams"},
		{Params{Kind: Fanout, N: 10, Delay: time.Second, K: 4}, Network{RTT: time.Millisecond}, "K"},
		{Params{Kind: ProcsFanout, N: 10, P: 2, Delay: time.Second}, Network{RTT: time.Millisecond, Streams: 5}, "Network.Streams"},
		{Params{Kind: Fanout, N: 0, Delay: time.Second}, Network{}, "N"},
	} {
		_, err := IdealNetwork(tc.p, tc.n)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Field != tc.field {
			t.Errorf("IdealNetwork(%+v, %+v) = %v, want a ParamError naming %s", tc.p, tc.n, err, tc.field)
		}
	}
	if s := fmt.Sprint(TLS13, Security(7)); s != "tls1.3 Security(7)" {
		t.Errorf("Security strings: %q", s)
	}
}
