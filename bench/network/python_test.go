package network

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

var streamsStrategiesFlag = flag.String("streams-strategies", strategy.Fanout,
	"BenchmarkStreams' strategies, a comma list: "+strategy.Fanout+" (client=default and client=strict rows) and the Python ones that speak HTTP/2 ("+strategy.PyHTTPX+": client="+strategy.PyHTTPX+" rows)")

// streamsRow is one series of BenchmarkStreams: a protocol, a strategy and
// its HTTP/2 client mode, named by the client= key.
type streamsRow struct {
	p        Proto
	strict   bool
	strategy string
	client   string
}

// streamsRows returns BenchmarkStreams' rows for the strategies: HTTP/1.1
// over TLS 1.3 and HTTP/2 for each, and for fanout also the strict client.
// A Go row is named by its client mode (default, strict), a Python row by
// its strategy.
func streamsRows(strategies []string) []streamsRow {
	var out []streamsRow
	for _, name := range strategies {
		if name == strategy.Fanout {
			out = append(out, streamsRow{H1TLS13, false, name, "default"}, streamsRow{H2, false, name, "default"}, streamsRow{H2, true, name, "strict"})
			continue
		}
		out = append(out, streamsRow{H1TLS13, false, name, name}, streamsRow{H2, false, name, name})
	}
	return out
}

// speaksHTTP2 reports whether the registered strategy name has HTTP/2
// rows in BenchmarkStreams: fanout, or a Python strategy whose kind
// speaks HTTP/2.
func speaksHTTP2(name string) bool {
	d, ok := strategy.Lookup(name)
	return ok && (name == strategy.Fanout || d.IsPython() && d.PyKind.SpeaksHTTP2())
}

// parseStreamsStrategies parses -streams-strategies.
func parseStreamsStrategies(s string) ([]string, error) {
	var ok []string
	for _, d := range strategy.All() {
		if speaksHTTP2(d.Name) {
			ok = append(ok, d.Name)
		}
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		name := strings.TrimSpace(f)
		if !speaksHTTP2(name) {
			return nil, fmt.Errorf("-streams-strategies %q: %q has no HTTP/2 rows; want a comma list of %s", s, name, strings.Join(ok, ", "))
		}
		out = append(out, name)
	}
	return out, nil
}

// skipPython skips a Python strategy's row it cannot run, saying why:
// HTTP/2 for a kind without it (requests, aiohttp) or without module h2
// (naming python3-h2), and resumed TLS sessions.
func skipPython(b *testing.B, d strategy.Descriptor, p Proto, conn Conn) {
	if p.IsHTTP2() && !d.PyKind.SpeaksHTTP2() {
		b.Skipf("%s speaks HTTP/1.1 only (of the Python clients only %s speaks HTTP/2): no %s row", d.Name, strategy.PyHTTPX, p)
	}
	if p.IsHTTP2() && !config.plan {
		if err := pyclient.CheckHTTP2(b.Context(), config.runner.Python(), d.PyKind); err != nil {
			b.Skipf("%s skipped: %v", d.Name, err)
		}
	}
	if conn == Resumed {
		b.Skipf("%s does not resume TLS sessions across connections: no resumed row", d.Name)
	}
}

// modelStreams returns the HTTP/2 stream cap of a row's model: the strict
// client's s, or for a Python strategy over HTTP/2 (httpx, which queues on
// one connection past its own cap) min(s, pyclient.HTTPXStreams).
func modelStreams(name string, p Proto, strict bool, streams int) (bool, int) {
	if d, _ := strategy.Lookup(name); d.IsPython() && p.IsHTTP2() {
		return true, min(streams, pyclient.HTTPXStreams)
	}
	return strict, streams
}

func TestStreamsStrategies(t *testing.T) {
	got, err := parseStreamsStrategies(strategy.Fanout + ", " + strategy.PyHTTPX)
	if err != nil || len(got) != 2 || got[1] != strategy.PyHTTPX {
		t.Fatalf("parseStreamsStrategies = %v, %v", got, err)
	}
	for _, bad := range []string{strategy.PyAioHTTP, strategy.FastHTTP, "nope", ""} {
		if _, err := parseStreamsStrategies(bad); err == nil || !strings.Contains(err.Error(), "-streams-strategies") {
			t.Errorf("parseStreamsStrategies(%q) = %v, want an error naming -streams-strategies", bad, err)
		}
	}
	var names []string
	for _, r := range streamsRows(got) {
		names = append(names, fmt.Sprintf("%s/%s/%s", r.p, r.client, r.strategy))
	}
	want := []string{
		"h1tls13/default/" + strategy.Fanout, "h2/default/" + strategy.Fanout, "h2/strict/" + strategy.Fanout,
		"h1tls13/" + strategy.PyHTTPX + "/" + strategy.PyHTTPX, "h2/" + strategy.PyHTTPX + "/" + strategy.PyHTTPX,
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("streamsRows = %v, want %v", names, want)
	}
}

// TestModelStreams: httpx over HTTP/2 is modelled as queueing on one
// connection past min(s, its own cap); a Go row keeps its client mode.
func TestModelStreams(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       Proto
		strict  bool
		s       int
		wantS   bool
		wantCap int
	}{
		{strategy.PyHTTPX, H2, false, 64, true, 64},
		{strategy.PyHTTPX, H2C, false, 250, true, pyclient.HTTPXStreams},
		{strategy.PyHTTPX, H1TLS13, false, 100, false, 100},
		{strategy.Fanout, H2, false, 100, false, 100},
		{strategy.Fanout, H2, true, 250, true, 250},
	} {
		if s, c := modelStreams(tc.name, tc.p, tc.strict, tc.s); s != tc.wantS || c != tc.wantCap {
			t.Errorf("modelStreams(%s, %s, %v, %d) = %v, %d; want %v, %d", tc.name, tc.p, tc.strict, tc.s, s, c, tc.wantS, tc.wantCap)
		}
	}
}
