package pitfalls

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/bench/network"
	"github.com/crawlbench/crawlbench/clients/pitfall"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers/netem"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// Ranges of the flags.
const (
	maxDelay      = time.Minute
	minHangBound  = 10 * time.Millisecond
	maxHangBound  = time.Minute
	defaultDelay  = 10 * time.Millisecond
	defaultBound  = time.Second
	defaultStallT = 100 * time.Millisecond
)

// settings are the benchmark flags, parsed once in TestMain. Flags are
// package-level by the testing package's design; nothing else is.
type settings struct {
	delay        time.Duration
	reqTimeout   time.Duration
	nets         []string
	protos       []network.Proto
	pitfalls     []pitfall.Name
	hangBound    time.Duration // the benchmark's own limit on a batch
	stallTimeout time.Duration // NoTimeout's fix: Client.Timeout
	runner       *harness.Runner
}

var (
	delayFlag        = flag.Duration("delay", defaultDelay, "server delay d per request (0s..1m)")
	reqTimeoutFlag   = flag.Duration("req-timeout", 0, harness.ReqTimeoutUsage)
	netsFlag         = flag.String("nets", "loopback,wan", "emulated networks (servers/netem presets): comma list of "+strings.Join(netem.PresetNames(), ", "))
	protosFlag       = flag.String("protos", "h1,h1tls13", "protocols: comma list of h1 (plain HTTP/1.1), h1tls12, h1tls13 (HTTP/1.1 over TLS, a full handshake per new connection)")
	pitfallsFlag     = flag.String("pitfalls", "all", "pitfalls to run: comma list of the clients/pitfall names, or all")
	hangBoundFlag    = flag.Duration("hang-bound", defaultBound, "the benchmark's own limit on a batch: requests still in flight then are counted as hung (10ms..1m)")
	stallTimeoutFlag = flag.Duration("stall-timeout", defaultStallT, "the no-timeout pitfall's fix: Client.Timeout against the stalled server (1ms..-hang-bound, exclusive)")
)

// checkSettings validates s (raw lists in nets, protos and the pitfall
// flag), filling in defaults, or returns an error naming the bad flag and
// its range.
func checkSettings(s settings, nets, protos, pitfalls string) (settings, error) {
	if s.delay < 0 || s.delay > maxDelay {
		return s, fmt.Errorf("-delay %v: want 0s..%v", s.delay, maxDelay)
	}
	if err := harness.CheckReqTimeout(s.reqTimeout); err != nil {
		return s, err
	}
	s.reqTimeout = harness.ReqTimeout(s.reqTimeout, s.delay)
	s.nets = nil
	for _, n := range strings.Split(nets, ",") {
		n = strings.TrimSpace(n)
		if _, err := netem.Preset(n); err != nil {
			return s, fmt.Errorf("-nets %q: %q: want a comma list of %v", nets, n, netem.PresetNames())
		}
		s.nets = append(s.nets, n)
	}
	s.protos = nil
	ps0, err := network.ParseProtos(protos)
	if err != nil {
		return s, err
	}
	for _, p := range ps0 {
		if p.IsHTTP2() {
			return s, fmt.Errorf("-protos %q: %q: the pitfalls are HTTP/1.1's; want a comma list of %s, %s, %s", protos, p, network.H1, network.H1TLS12, network.H1TLS13)
		}
		if !slices.Contains(s.protos, p) {
			s.protos = append(s.protos, p)
		}
	}
	ps, err := pitfall.ParseNames(pitfalls)
	if err != nil {
		return s, fmt.Errorf("-pitfalls: %w", err)
	}
	s.pitfalls = ps
	if s.hangBound < minHangBound || s.hangBound > maxHangBound {
		return s, fmt.Errorf("-hang-bound %v: want %v..%v", s.hangBound, minHangBound, maxHangBound)
	}
	if s.stallTimeout < pitfall.MinTimeout || s.stallTimeout >= s.hangBound {
		return s, fmt.Errorf("-stall-timeout %v: want %v..%v (below -hang-bound)", s.stallTimeout, pitfall.MinTimeout, s.hangBound)
	}
	s.runner = harness.NewRunner(false)
	return s, nil
}

// config is the settings of this run, set once by TestMain before any
// benchmark runs and read-only afterwards.
var config settings

func TestMain(m *testing.M) {
	if serverproc.IsChild() {
		os.Exit(serverproc.ChildMain())
	}
	flag.Parse()
	s, err := checkSettings(settings{delay: *delayFlag, reqTimeout: *reqTimeoutFlag, hangBound: *hangBoundFlag,
		stallTimeout: *stallTimeoutFlag}, *netsFlag, *protosFlag, *pitfallsFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pitfalls:", err)
		os.Exit(2)
	}
	config = s
	if harness.Benchmarking() {
		harness.PrintProvenance(os.Stdout, s.provenance())
	}
	os.Exit(s.runner.Main(m, os.Stdout, true, leaktest.FastHTTPCleaners()...))
}

// provenance returns the configuration lines of s.
func (s settings) provenance() [][2]string {
	var nets []string
	for _, n := range s.nets {
		c, _ := netem.Preset(n) // checked
		nets = append(nets, fmt.Sprintf("%s (rtt %v, bandwidth %d B/s)", n, c.RTT, c.Bandwidth))
	}
	var protos []string
	for _, p := range s.protos {
		switch p.Security() {
		case model.Plain:
			protos = append(protos, string(p)+" (HTTP/1.1 plain)")
		case model.TLS12:
			protos = append(protos, string(p)+" (HTTP/1.1 over TLS 1.2, no resumption)")
		default:
			protos = append(protos, string(p)+" (HTTP/1.1 over TLS 1.3, no resumption)")
		}
	}
	var ps []string
	for _, p := range s.pitfalls {
		ps = append(ps, string(p))
	}
	return [][2]string{
		{"delay", s.delay.String()},
		{"req-timeout", s.reqTimeout.String()},
		{"hang-bound", s.hangBound.String()},
		{"stall-timeout", s.stallTimeout.String()},
		{"nets", strings.Join(nets, ", ")},
		{"pitfalls", strings.Join(ps, ",")},
		{"protos", strings.Join(protos, ", ")},
		{"target", "bundled slowserver (own process, one per row)"},
	}
}
