package serverproc

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

const (
	// requestTimeout bounds a stats request when ctx has no earlier deadline.
	requestTimeout = 30 * time.Second
	// maxStatsBody bounds the stats response read.
	maxStatsBody = 1 << 20
)

// FetchStats returns the counters of the slowserver at baseURL (only its
// scheme and host are used) from GET /_stats. baseURL must be on loopback.
func FetchStats(ctx context.Context, baseURL string) (servers.Stats, error) {
	var st servers.Stats
	body, err := do(ctx, http.MethodGet, baseURL, servers.StatsPath, http.StatusOK)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("serverproc: stats from %s: decoding %q: %w", baseURL, snippet(body), err)
	}
	return st, nil
}

// ResetStats zeroes the counters of the slowserver at baseURL with
// POST /_stats/reset. baseURL must be on loopback.
func ResetStats(ctx context.Context, baseURL string) error {
	_, err := do(ctx, http.MethodPost, baseURL, servers.ResetPath, http.StatusNoContent)
	return err
}

// do sends one control request over a fresh connection that is closed
// afterwards, with no proxy.
func do(ctx context.Context, method, baseURL, path string, want int) ([]byte, error) {
	return doLimit(ctx, method, baseURL, path, want, maxStatsBody)
}

// doLimit is do with path's query (after a "?") kept and the response
// read up to limit bytes.
func doLimit(ctx context.Context, method, baseURL, path string, want int, limit int64) ([]byte, error) {
	if err := CheckLoopback(baseURL); err != nil {
		return nil, fmt.Errorf("serverproc: %s %s: %w", method, path, err)
	}
	u, _ := url.Parse(baseURL) // checked above
	path, query, _ := strings.Cut(path, "?")
	target := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: path, RawQuery: query}).String()
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("serverproc: %s %s: %w", method, target, err)
	}
	tr := &http.Transport{
		Proxy:             nil, // never read HTTP_PROXY and friends
		DialContext:       (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		DisableKeepAlives: true,
		// A control request to an https slowserver (-tls) on loopback
		// (checked above) does not verify its self-signed certificate.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("serverproc: %s %s: %w", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("serverproc: %s %s: reading the response: %w", method, target, err)
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("serverproc: %s %s: %s %q, want %d", method, target, resp.Status, snippet(body), want)
	}
	return body, nil
}

// CheckLoopback accepts an http(s) URL whose host is a loopback address or
// localhost.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("base URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("base URL %q: scheme %q; want http or https", raw, u.Scheme)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("base URL %q: host %q is not loopback; want 127.0.0.0/8, ::1 or localhost", raw, host)
}

// snippet shortens a response body for an error message.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
