package pyclient

import (
	"context"
	"fmt"

	"github.com/crawlbench/crawlbench/clients"
)

// H2Module is the Python module httpx needs for HTTP/2, packaged for
// Debian as python3-h2.
const H2Module = "h2"

// HTTPXStreams is the most streams httpx (httpcore 0.16) opens on one
// HTTP/2 connection: its own MAX_CONCURRENT_STREAMS setting, whatever the
// server's. Requests past it queue on that connection (it never opens a
// second one); a server's lower limit fails the requests past that limit.
const HTTPXStreams = 100

// SpeaksHTTP2 reports whether kind can speak HTTP/2 (Client.HTTP2 = h2):
// httpx only; requests and aiohttp have no HTTP/2.
func (k Kind) SpeaksHTTP2() bool { return k == HTTPX }

// validateHTTP2 checks Client.HTTP2 against the kind.
func (c Config) validateHTTP2() error {
	switch m := c.Client.HTTP2; {
	case m == clients.HTTP1:
		return nil
	case !c.Kind.SpeaksHTTP2():
		return fmt.Errorf("http2: %v: kind %s speaks HTTP/1.1 only (requests and aiohttp have no HTTP/2); want h1, or kind %s", m, c.Kind, HTTPX)
	case m != clients.HTTP2:
		return fmt.Errorf("http2: %v: kind %s has no strict mode (httpx queues past its own limit of 100 streams on one connection); want h1 or h2", m, c.Kind)
	}
	return nil
}

// CheckHTTP2 is Check for kind speaking HTTP/2: it also needs H2Module,
// and its one-line answer then names python3-h2. A kind without HTTP/2
// is an error.
func CheckHTTP2(ctx context.Context, python string, kind Kind) error {
	if _, ok := kindModules[kind]; ok && !kind.SpeaksHTTP2() {
		return fmt.Errorf("pyclient: %s speaks HTTP/1.1 only (requests and aiohttp have no HTTP/2); %s speaks HTTP/2", kind, HTTPX)
	}
	return check(ctx, python, kind, H2Module)
}
