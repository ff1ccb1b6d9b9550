package network

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/servers/netem"
)

func TestParseLists(t *testing.T) {
	if ps, err := ParseProtos("all"); err != nil || len(ps) != 5 {
		t.Errorf("ParseProtos(all) = %v, %v", ps, err)
	}
	if ps, err := ParseProtos("h2c, h1"); err != nil || len(ps) != 2 || ps[0] != H2C {
		t.Errorf("ParseProtos(h2c, h1) = %v, %v", ps, err)
	}
	for _, bad := range []string{"", "h3", "h1,h1", "h1,"} {
		if _, err := ParseProtos(bad); err == nil || !strings.Contains(err.Error(), "-protos") {
			t.Errorf("ParseProtos(%q) = %v, want an error naming -protos", bad, err)
		}
	}
	if _, err := ParseConns("warm,lukewarm"); err == nil || !strings.Contains(err.Error(), "lukewarm") {
		t.Errorf("ParseConns: %v", err)
	}
	if _, err := ParseInts("1,x", "-conc", 1, 10); err == nil || !strings.Contains(err.Error(), "-conc") {
		t.Errorf("ParseInts(1,x): %v", err)
	}
	if _, err := ParseInts("11", "-conc", 1, 10); err == nil {
		t.Error("ParseInts(11) in 1..10: want an error")
	}
}

func TestNets(t *testing.T) {
	nets, err := ParseNets("wan,far", 0, 0)
	if err != nil || len(nets) != 2 || nets[0].Path != netem.WAN {
		t.Fatalf("ParseNets(wan,far) = %v, %v", nets, err)
	}
	nets, err = ParseNets("wan", 30*time.Millisecond, 1_000_000)
	if err != nil || len(nets) != 1 || nets[0].Name != "rtt30ms" {
		t.Fatalf("ParseNets with -rtt = %v, %v", nets, err)
	}
	if rtt, err := NetRTT(nets[0].Name); err != nil || rtt != 30*time.Millisecond {
		t.Errorf("NetRTT(%s) = %v, %v", nets[0].Name, rtt, err)
	}
	if rtt, err := NetRTT("far"); err != nil || rtt != netem.Far.RTT {
		t.Errorf("NetRTT(far) = %v, %v", rtt, err)
	}
	if _, err := NetRTT("moon"); err == nil {
		t.Error("NetRTT(moon): want an error")
	}
	if _, err := ParseNets("", -time.Second, 0); err == nil || !strings.Contains(err.Error(), "-rtt") {
		t.Errorf("ParseNets(-rtt -1s): %v", err)
	}
}

// TestRowMapping checks what a row means to the server, the client and
// the model.
func TestRowMapping(t *testing.T) {
	wan := Net{Name: "wan", Path: netem.WAN}
	if a := strings.Join(H2.ServerArgs("c.pem", 100), " "); a != "-tls 1.3 -tls-cert c.pem -h2 -h2-streams 100" {
		t.Errorf("h2 server args %q", a)
	}
	if a := strings.Join(H1TLS12.ServerArgs("c.pem", 100), " "); a != "-tls 1.2 -tls-cert c.pem" {
		t.Errorf("h1tls12 server args %q", a)
	}
	if a := H1.ServerArgs("c.pem", 100); len(a) != 0 {
		t.Errorf("h1 server args %q, want none", a)
	}
	m := Model(wan, H1TLS12, Resumed, false, 100)
	if m.TLS != model.TLS12 || !m.Cold || !m.Resumed || m.Streams != 0 || m.RTT != netem.WAN.RTT {
		t.Errorf("model of h1tls12 resumed: %+v", m)
	}
	if m := Model(wan, H2, Warm, true, 100); m.Streams != 100 || m.Cold {
		t.Errorf("model of strict h2 warm: %+v", m)
	}
	var cfg clients.Config
	Configure(&cfg, H2, Warm, true, 100, []byte("pem"))
	if cfg.HTTP2 != clients.HTTP2Strict || cfg.HTTP2Streams != 100 || string(cfg.RootCAs) != "pem" || cfg.TLSResume {
		t.Errorf("client config of strict h2: %+v", cfg)
	}
	Configure(&cfg, H1TLS13, Resumed, false, 100, nil)
	if cfg.HTTP2 != clients.HTTP1 || !cfg.TLSResume {
		t.Errorf("client config of h1tls13 resumed: %+v", cfg)
	}
	if Resumed.Applies(H1) || !Resumed.Applies(H2) || !Cold.Applies(H1) {
		t.Error("Resumed must apply to TLS protocols only")
	}
}

// TestCalibrationKinds: the calibration measures each set-up the rows make
// (cold: a full handshake of the proto's TLS; resumed: TLS rows only),
// once; warm rows need their TLS's request CPU, so its full kind; h2 sets
// up as TLS 1.3, h2c as plain.
func TestCalibrationKinds(t *testing.T) {
	got := calibrationKinds([]Proto{H1, H2, H1TLS13, H2C}, []Conn{Warm, Cold, Resumed})
	want := []setupKind{{model.Plain, false}, {model.TLS13, false}, {model.TLS13, true}}
	if !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	if got, want := calibrationKinds([]Proto{H1TLS12}, []Conn{Warm}), []setupKind{{model.TLS12, false}}; !slices.Equal(got, want) {
		t.Errorf("warm rows only: kinds %v, want %v", got, want)
	}
	for pat, want := range map[string]bool{"Network": true, ".": true, "Network/net=wan": true, "Streams|Handshake": false, "Net|Streams": true, "Handshake": false} {
		if runsNetwork(pat) != want {
			t.Errorf("runsNetwork(%q) = %v, want %v", pat, !want, want)
		}
	}
}

// TestCalibrate runs the calibration of a TLS 1.3 set-up against a real
// server process: it succeeds (every request verified the certificate) and
// gives non-negative CPU on the run's cores.
func TestCalibrate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	k := setupKind{model.TLS13, false}
	cal, err := calibrate(t.Context(), []setupKind{k}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c := cal[k]; c.conn.Cores != 2 || c.conn.Client < 0 || c.conn.Server < 0 || c.conn.Validate() != nil || c.req.Client <= 0 || c.req.Server <= 0 {
		t.Errorf("calibration %+v", c)
	}
	if line := connCPULine([]setupKind{k}, cal, 2); !strings.HasPrefix(line, "tls1.3 ") || !strings.Contains(line, "2 cores") {
		t.Errorf("conn-cpu line %q", line)
	}
}
