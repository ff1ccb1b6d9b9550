// Package network holds crawlbench's network benchmarks (issue 12): what
// round-trip time, bandwidth, TLS and HTTP/2 cost a client strategy, against
// the bundled slowserver in its own process behind an emulated path
// (servers/netem), measured against the network model
// (bench/model.IdealNetwork). It has no benchmark API beyond go test:
//
//	go test ./bench/network -run '^$' -bench Network -net wan -protos h1,h1tls13
//	go test ./bench/network -run '^$' -bench Streams          # HTTP/1.1 vs HTTP/2 as c grows
//	go test ./bench/network -run '^$' -bench Handshake        # CPU per TLS handshake
//
// This file holds the pieces the benchmarks share: protocols, connection
// kinds, emulated paths, and their mapping onto server flags, client
// configuration and the model.
package network

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/netem"
)

// Proto is a row's protocol: HTTP/1.1 in clear or over TLS 1.2 or 1.3,
// HTTP/2 over TLS 1.3 (ALPN) or in clear (h2c).
type Proto string

// The protocols, in the order Protos lists them.
const (
	H1      Proto = "h1"
	H1TLS12 Proto = "h1tls12"
	H1TLS13 Proto = "h1tls13"
	H2      Proto = "h2"
	H2C     Proto = "h2c"
)

// Protos returns every protocol.
func Protos() []Proto { return []Proto{H1, H1TLS12, H1TLS13, H2, H2C} }

// Security returns p's TLS.
func (p Proto) Security() model.Security {
	switch p {
	case H1TLS12:
		return model.TLS12
	case H1TLS13, H2:
		return model.TLS13
	}
	return model.Plain
}

// IsHTTP2 reports whether p is HTTP/2.
func (p Proto) IsHTTP2() bool { return p == H2 || p == H2C }

// ServerArgs returns the slowserver flags of p: TLS with its certificate
// written to certFile, HTTP/2 with streams streams per connection.
func (p Proto) ServerArgs(certFile string, streams int) []string {
	var a []string
	switch p.Security() {
	case model.TLS12:
		a = append(a, "-tls", "1.2", "-tls-cert", certFile)
	case model.TLS13:
		a = append(a, "-tls", "1.3", "-tls-cert", certFile)
	}
	if p.IsHTTP2() {
		a = append(a, "-h2", "-h2-streams", fmt.Sprint(streams))
	}
	return a
}

// ParseProtos parses a comma list of protocols ("all": every one).
func ParseProtos(s string) ([]Proto, error) {
	return parseList(s, "-protos", Protos())
}

// Conn is a row's connection reuse: warm (keep-alive), cold (a new
// connection and a full handshake per request) or resumed (a new
// connection per request that resumes a TLS session; TLS rows only).
type Conn string

// The connection kinds.
const (
	Warm    Conn = "warm"
	Cold    Conn = "cold"
	Resumed Conn = "resumed"
)

// Conns returns every connection kind.
func Conns() []Conn { return []Conn{Warm, Cold, Resumed} }

// ParseConns parses a comma list of connection kinds ("all": every one).
func ParseConns(s string) ([]Conn, error) { return parseList(s, "-conns", Conns()) }

// Mode is k's clients.ConnMode.
func (k Conn) Mode() clients.ConnMode {
	if k == Warm {
		return clients.Warm
	}
	return clients.Cold
}

// Applies reports whether k makes sense for p: resumption needs TLS.
func (k Conn) Applies(p Proto) bool { return k != Resumed || p.Security() != model.Plain }

// Net is a named emulated path.
type Net struct {
	Name string
	Path netem.Config
}

// ParseNets parses a comma list of netem presets ("all": every one). A
// non-zero rtt replaces the list with one custom path, named "rtt" and the
// RTT (e.g. rtt40ms), of that RTT and bandwidth.
func ParseNets(s string, rtt time.Duration, bandwidth int64) ([]Net, error) {
	if rtt != 0 || bandwidth != 0 {
		cfg := netem.Config{RTT: rtt, Bandwidth: bandwidth}
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("-rtt %v -bandwidth %d: %w", rtt, bandwidth, err)
		}
		return []Net{{Name: "rtt" + rtt.String(), Path: cfg}}, nil
	}
	names, err := parseList(s, "-net", netem.PresetNames())
	if err != nil {
		return nil, err
	}
	out := make([]Net, len(names))
	for i, n := range names {
		out[i].Name = n
		out[i].Path, _ = netem.Preset(n) // parseList checked the name
	}
	return out, nil
}

// NetRTT returns the RTT of the path a row's net= key names: a preset, or
// "rtt" and a duration (ParseNets' custom path).
func NetRTT(name string) (time.Duration, error) {
	if cfg, err := netem.Preset(name); err == nil {
		return cfg.RTT, nil
	}
	if d, ok := strings.CutPrefix(name, "rtt"); ok {
		if rtt, err := time.ParseDuration(d); err == nil {
			return rtt, nil
		}
	}
	return 0, fmt.Errorf("net %q: want a netem preset (%s) or rttDURATION", name, strings.Join(netem.PresetNames(), ", "))
}

// ResponseBytes is the model's size of a response: the default body and
// net/http's status line and headers (about 120 bytes). At the presets'
// bandwidths it is microseconds.
const ResponseBytes = int64(len(servers.DefaultBody)) + 120

// Model returns the model's path for a row: net's RTT and bandwidth, p's
// TLS, conn's set-up, and a strict HTTP/2 client's stream limit (streams
// when strict, else no cap).
func Model(net Net, p Proto, conn Conn, strict bool, streams int) model.Network {
	n := model.Network{
		RTT: net.Path.RTT, Bandwidth: net.Path.Bandwidth, Body: ResponseBytes,
		TLS: p.Security(), Cold: conn != Warm, Resumed: conn == Resumed,
	}
	if p.IsHTTP2() && strict {
		n.Streams = streams
	}
	return n
}

// Configure sets cfg's TLS roots (pem), session cache (conn Resumed) and
// HTTP/2 mode for p (strict: at most streams requests in flight).
func Configure(cfg *clients.Config, p Proto, conn Conn, strict bool, streams int, pem []byte) {
	cfg.RootCAs = pem
	cfg.TLSResume = conn == Resumed
	switch {
	case p.IsHTTP2() && strict:
		cfg.HTTP2, cfg.HTTP2Streams = clients.HTTP2Strict, streams
	case p.IsHTTP2():
		cfg.HTTP2 = clients.HTTP2
	default:
		cfg.HTTP2 = clients.HTTP1
	}
}

// parseList parses a comma list of known values, "all" meaning all of them,
// in the order given; an error names flag and the accepted values.
func parseList[T ~string](s, flag string, known []T) ([]T, error) {
	want := fmt.Sprintf("want a comma list of %v, or all", known)
	if strings.TrimSpace(s) == "all" {
		return slices.Clone(known), nil
	}
	var out []T
	for _, f := range strings.Split(s, ",") {
		v := T(strings.TrimSpace(f))
		switch {
		case v == "":
			return nil, fmt.Errorf("%s %q: empty item; %s", flag, s, want)
		case !slices.Contains(known, v):
			return nil, fmt.Errorf("%s %q: unknown %q; %s", flag, s, v, want)
		case slices.Contains(out, v):
			return nil, fmt.Errorf("%s %q: %q named twice; %s", flag, s, v, want)
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseInts parses a comma list of integers in lo..hi for flag.
func ParseInts(s, flag string, lo, hi int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < lo || v > hi {
			return nil, fmt.Errorf("%s %q: item %q: want integers %d..%d, comma separated", flag, s, f, lo, hi)
		}
		out = append(out, v)
	}
	return out, nil
}
