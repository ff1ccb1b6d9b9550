package scale

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients/strategy"
)

func TestParseInflight(t *testing.T) {
	got, err := parseInflight("1k, 10K,100k,250")
	if err != nil || len(got) != 4 || got[0] != 1000 || got[1] != 10_000 || got[2] != 100_000 || got[3] != 250 {
		t.Fatalf("parseInflight = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "-1k", "201k", "1m", "ten", "1k,,2k"} {
		if _, err := parseInflight(bad); err == nil || !strings.Contains(err.Error(), "-scale") {
			t.Errorf("parseInflight(%q) = %v, want a -scale error", bad, err)
		}
	}
}

// setFlags sets the package's flags for one test and restores them.
func setFlags(t *testing.T, kv map[string]string) {
	t.Helper()
	for k, v := range kv {
		f := flag.Lookup(k)
		if f == nil {
			t.Fatalf("no flag -%s", k)
		}
		old := f.Value.String()
		if err := f.Value.Set(v); err != nil {
			t.Fatalf("-%s %q: %v", k, v, err)
		}
		t.Cleanup(func() { _ = f.Value.Set(old) })
	}
}

func TestCheckSettings(t *testing.T) {
	s, err := checkSettings()
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if len(s.inflight) != 1 || s.inflight[0] != 1000 || len(s.conns) != 2 || len(s.strategies) != len(knownStrategies()) {
		t.Errorf("defaults %+v: want 1k, warm and cold, every strategy", s)
	}
	for _, tc := range []struct {
		flags map[string]string
		want  string
	}{
		{map[string]string{"delay": "-1s"}, "-delay -1s"},
		{map[string]string{"delay": "11m"}, "-delay 11m0s"},
		{map[string]string{"strategies": "fanout,threads"}, `-strategies "fanout,threads": "threads" is not one of`},
		{map[string]string{"conns": "hot"}, `-conns "hot"`},
		{map[string]string{"server-procs": "65"}, "-server-procs 65"},
		{map[string]string{"procs": "-1"}, "-procs -1"},
		{map[string]string{"listeners": "65"}, "-listeners 65"},
		{map[string]string{"hosts": "0"}, "-hosts 0"},
		{map[string]string{"sample": "0s"}, "-sample 0s"},
		{map[string]string{"req-timeout": "2h"}, "-req-timeout 2h0m0s"},
		{map[string]string{"server-cmd": "/nonexistent/slowserver"}, "-server-cmd"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			setFlags(t, tc.flags)
			if _, err := checkSettings(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("checkSettings with %v = %v, want an error starting %q", tc.flags, err, tc.want)
			}
		})
	}
}

func TestLevelDefaults(t *testing.T) {
	var s settings
	s.hosts, s.somaxconn = 3, 4096
	for _, tc := range []struct {
		n                         int
		d                         time.Duration
		servers, listeners, procs int
	}{
		{1000, time.Second, 1, 1, 2},
		{10_000, time.Second, 1, 3, 2},
		{100_000, 10 * time.Second, 7, 4, 8},
	} {
		if got := s.listenersFor(tc.n); got != tc.listeners {
			t.Errorf("listenersFor(%d) = %d, want %d", tc.n, got, tc.listeners)
		}
		if got := s.delayFor(tc.n); got != tc.d {
			t.Errorf("delayFor(%d) = %v, want %v", tc.n, got, tc.d)
		}
		if got := s.serversFor(tc.n); got != tc.servers {
			t.Errorf("serversFor(%d) = %d, want %d", tc.n, got, tc.servers)
		}
		if got := s.procsFor(tc.n); got != tc.procs {
			t.Errorf("procsFor(%d) = %d, want %d", tc.n, got, tc.procs)
		}
		// Every process stays under the 20,000 open files of this machine.
		if per := tc.n / s.serversFor(tc.n); per > perServer {
			t.Errorf("%d in flight: %d connections per server", tc.n, per)
		}
	}
	if h := s.hostList(); len(h) != 3 || h[2] != "127.0.0.3" {
		t.Errorf("hostList = %v", h)
	}
	s.delay, s.servers, s.listeners, s.procs, s.reqTimeout = 2*time.Second, 5, 2, 3, time.Minute
	if s.delayFor(100_000) != 2*time.Second || s.serversFor(1) != 5 || s.listenersFor(1) != 2 || s.procsFor(1) != 3 || s.timeoutFor(time.Second) != time.Minute {
		t.Error("explicit -delay, -server-procs, -listeners, -procs or -req-timeout not used")
	}
	if s.reqTimeout = 0; s.timeoutFor(time.Second) != 40*time.Second {
		t.Errorf("auto -req-timeout at d = 1s: %v, want 10×d + 30s as in package bench", s.timeoutFor(time.Second))
	}
}

func TestScaleCaseIdealAndShares(t *testing.T) {
	for _, tc := range []struct {
		sc      scaleCase
		perProc int
	}{
		{scaleCase{strategy: strategy.NaiveHTTPGet, n: 1000, d: time.Second}, 1000},
		{scaleCase{strategy: strategy.FastHTTP, n: 1000, d: time.Second}, 1000},
		{scaleCase{strategy: strategy.ProcsFanout, n: 100_000, d: 10 * time.Second, procs: 8}, 12_500},
		{scaleCase{strategy: strategy.ProcsFastHTTP, n: 1001, d: time.Second, procs: 2}, 501},
	} {
		if got := tc.sc.perProc(); got != tc.perProc {
			t.Errorf("%s n=%d: perProc %d, want %d", tc.sc.strategy, tc.sc.n, got, tc.perProc)
		}
		// All n requests are in flight at once: the ideal is one delay.
		if got, err := tc.sc.ideal(); err != nil || got != tc.sc.d {
			t.Errorf("%s n=%d: ideal %v, %v; want %v", tc.sc.strategy, tc.sc.n, got, err, tc.sc.d)
		}
	}
}

func TestParseTCPExt(t *testing.T) {
	const text = "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPSynRetrans\nTcpExt: 1 22 23 7\nIpExt: InNoRoutes\nIpExt: 0\n"
	c, err := parseTCPExt(text)
	if err != nil {
		t.Fatal(err)
	}
	if c[listenOverflows] != 22 || c[listenDrops] != 23 || c[synRetrans] != 7 {
		t.Errorf("parseTCPExt = %v", c)
	}
	later := tcpExt{listenOverflows: 30, synRetrans: 7}
	if d := later.since(c, listenOverflows); d != 8 {
		t.Errorf("since = %d, want 8", d)
	}
	for _, bad := range []string{"", "IpExt: A\nIpExt: 1\n", "TcpExt: A B\nTcpExt: 1\n", "TcpExt: A\nTcpExt: x\n"} {
		if _, err := parseTCPExt(bad); err == nil {
			t.Errorf("parseTCPExt(%q) succeeded", bad)
		}
	}
	if _, err := readTCPExt(); err != nil {
		t.Logf("no TCP counters here: %v", err)
	}
}

// -strategies takes the Python fan-outs beside the scale family, and no
// other Python strategy.
func TestCheckSettingsPython(t *testing.T) {
	setFlags(t, map[string]string{"strategies": "py-aiohttp,py-procs-aiohttp,fasthttp,fanout"})
	s, err := checkSettings()
	if err != nil || strings.Join(s.strategies, ",") != "py-aiohttp,py-procs-aiohttp,fasthttp,fanout" || s.python != "/usr/bin/python3" {
		t.Fatalf("checkSettings = %v, %v; want the four strategies and Debian's python3", s.strategies, err)
	}
	setFlags(t, map[string]string{"strategies": "py-sequential"})
	if _, err := checkSettings(); err == nil || !strings.Contains(err.Error(), `"py-sequential" is not one of`) {
		t.Errorf("-strategies py-sequential: err = %v, want it refused", err)
	}
}
