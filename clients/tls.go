package clients

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// HTTP2Mode says whether a net/http strategy speaks HTTP/2 (Config.HTTP2).
type HTTP2Mode int

const (
	// HTTP1 speaks HTTP/1.1 only (the default).
	HTTP1 HTTP2Mode = iota
	// HTTP2 speaks HTTP/2: negotiated by ALPN over https, with prior
	// knowledge (h2c) over http. When every connection is at the server's
	// stream limit, net/http dials another one (its default behaviour).
	HTTP2
	// HTTP2Strict is HTTP2 that keeps requests past the server's stream
	// limit (Config.HTTP2Streams) waiting for a free stream instead of
	// dialing a new connection. net/http's own StrictMaxConcurrentRequests
	// does that, but in Go 1.26 it now and then loses a wake-up and leaves
	// every waiting request hanging until its timeout while the connection
	// sits idle (x/net's http2 too); so the client holds requests past the
	// limit itself, before net/http sees them.
	HTTP2Strict
)

// String returns "h1", "h2" or "h2-strict".
func (m HTTP2Mode) String() string {
	switch m {
	case HTTP1:
		return "h1"
	case HTTP2:
		return "h2"
	case HTTP2Strict:
		return "h2-strict"
	}
	return fmt.Sprintf("HTTP2Mode(%d)", int(m))
}

// ParseHTTP2Mode parses "h1" (or ""), "h2" or "h2-strict".
func ParseHTTP2Mode(s string) (HTTP2Mode, error) {
	switch s {
	case "", "h1":
		return HTTP1, nil
	case "h2":
		return HTTP2, nil
	case "h2-strict":
		return HTTP2Strict, nil
	}
	return 0, fmt.Errorf("http2 mode %q: want h1, h2 or h2-strict", s)
}

// validateTLS checks the TLS and HTTP/2 fields of c.
func (c Config) validateTLS() error {
	if c.HTTP2 < HTTP1 || c.HTTP2 > HTTP2Strict {
		return fmt.Errorf("http2: %v: want h1, h2 or h2-strict", c.HTTP2)
	}
	if c.HTTP2 == HTTP2Strict && (c.HTTP2Streams < 1 || c.HTTP2Streams > MaxConcurrency) {
		return fmt.Errorf("http2 streams: %d: h2-strict needs the server's stream limit, 1..%d", c.HTTP2Streams, MaxConcurrency)
	}
	if len(c.RootCAs) > 0 {
		if _, err := c.certPool(); err != nil {
			return err
		}
	}
	return nil
}

// certPool parses RootCAs.
func (c Config) certPool() (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(c.RootCAs) {
		return nil, errors.New("root CAs: no PEM certificate found; want the server's certificate (slowserver -tls-cert)")
	}
	return pool, nil
}

// TLSConfig returns the client TLS configuration c asks for: RootCAs as the
// only trusted roots (the system's when empty) and, with TLSResume, a
// session cache so that new connections resume earlier sessions.
func (c Config) TLSConfig() *tls.Config {
	tc := &tls.Config{}
	if len(c.RootCAs) > 0 {
		if pool, err := c.certPool(); err == nil { // Validate checked it
			tc.RootCAs = pool
		}
	}
	if c.TLSResume {
		tc.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return tc
}

// applyHTTP sets tr's TLS configuration and protocols from c.
func (c Config) applyHTTP(tr *http.Transport) {
	tr.TLSClientConfig = c.TLSConfig()
	if c.HTTP2 == HTTP1 {
		// An empty TLSNextProto map keeps net/http from negotiating h2.
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		return
	}
	var p http.Protocols
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	tr.Protocols = &p
}

// roundTripper returns the RoundTripper of the net/http strategies: tr (a
// connection per request for cold HTTP/2), or for HTTP2Strict that behind a
// cap of HTTP2Streams requests in flight, each holding its slot until its
// body is closed.
func (c Config) roundTripper(tr *http.Transport) http.RoundTripper {
	var rt http.RoundTripper = tr
	if c.HTTP2 != HTTP1 && c.Conn == Cold {
		rt = &connPerRequest{tr: tr}
	}
	if c.HTTP2 != HTTP2Strict {
		return rt
	}
	return &streamCap{tr: tr, rt: rt, slots: make(chan struct{}, c.HTTP2Streams)}
}

// streamCap is HTTP2Strict's RoundTripper.
type streamCap struct {
	tr    *http.Transport
	rt    http.RoundTripper // tr, or a connPerRequest over it
	slots chan struct{}
}

func (s *streamCap) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case s.slots <- struct{}{}:
	case <-req.Context().Done():
		return nil, fmt.Errorf("waiting for a free HTTP/2 stream: %w", context.Cause(req.Context()))
	}
	resp, err := s.rt.RoundTrip(req)
	if err != nil {
		<-s.slots
		return nil, err
	}
	resp.Body = &slotBody{ReadCloser: resp.Body, release: sync.OnceFunc(func() { <-s.slots })}
	return resp, nil
}

// CloseIdleConnections closes the transport's idle connections.
func (s *streamCap) CloseIdleConnections() { s.tr.CloseIdleConnections() }

// slotBody releases its stream slot when closed.
type slotBody struct {
	io.ReadCloser
	release func()
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
