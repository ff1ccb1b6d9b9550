package clients

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// connPerRequest is the RoundTripper of a cold HTTP/2 client: each request
// on a connection of its own (http.Transport.NewClientConn), closed when
// its body is. net/http's DisableKeepAlives does not do this for HTTP/2: a
// connection dialled for one request is delivered to every request waiting
// for one, its single stream serves one of them, and the others dial again,
// paying a second set-up.
type connPerRequest struct {
	tr *http.Transport
}

func (c *connPerRequest) RoundTrip(req *http.Request) (*http.Response, error) {
	addr := req.URL.Host
	if req.URL.Port() == "" {
		port := "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(req.URL.Hostname(), port)
	}
	cc, err := c.tr.NewClientConn(req.Context(), req.URL.Scheme, addr)
	if err != nil {
		return nil, fmt.Errorf("new connection to %s: %w", addr, err)
	}
	resp, err := cc.RoundTrip(req)
	if err != nil {
		_ = cc.Close()
		return nil, err
	}
	resp.Body = &connBody{ReadCloser: resp.Body, close: sync.OnceValue(cc.Close)}
	return resp, nil
}

// CloseIdleConnections closes the transport's idle connections (it keeps
// none of connPerRequest's).
func (c *connPerRequest) CloseIdleConnections() { c.tr.CloseIdleConnections() }

// connBody closes its connection when closed.
type connBody struct {
	io.ReadCloser
	close func() error
}

func (b *connBody) Close() error {
	err := b.ReadCloser.Close()
	if cerr := b.close(); err == nil {
		err = cerr
	}
	return err
}
