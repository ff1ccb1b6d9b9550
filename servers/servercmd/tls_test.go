package servercmd_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/servers/servercmd"
)

// runTLS starts Main with args (and a -tls-cert file when TLS is on) and
// returns its base URL and the certificate's PEM (nil without TLS).
func runTLS(t *testing.T, args ...string) (string, []byte) {
	t.Helper()
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	tlsOn := false
	for i, a := range args {
		if a == "-tls" && args[i+1] != "off" {
			tlsOn = true
		}
	}
	if tlsOn {
		args = append(args, "-tls-cert", certFile)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLineWriter(), newLineWriter()
	done := make(chan int, 1)
	go func() {
		done <- servercmd.Main(ctx, append([]string{"-addr", "127.0.0.1:0", "-delay", "1ms"}, args...), stdout, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != servercmd.ExitOK {
			t.Errorf("exit %d; stderr %q", code, stderr.String())
		}
	})
	select {
	case line := <-stdout.first:
		u, _ := strings.CutPrefix(line, servercmd.ListeningPrefix)
		if !tlsOn {
			return u, nil
		}
		pem, err := os.ReadFile(certFile)
		if err != nil {
			t.Fatal(err)
		}
		return u, pem
	case code := <-done:
		t.Fatalf("Main returned %d before listening; stderr %q", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("no listening line after 10s; stderr %q", stderr.String())
	}
	return "", nil
}

// transport trusts pem (if any) and speaks HTTP/2 if h2 (h2c over http).
func transport(t *testing.T, pem []byte, h2 bool, cache tls.ClientSessionCache) *http.Transport {
	tr := &http.Transport{TLSClientConfig: &tls.Config{ClientSessionCache: cache}}
	if pem != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("certificate file holds no PEM certificate: %q", pem)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	var p http.Protocols
	p.SetHTTP1(!h2)
	p.SetHTTP2(h2)
	p.SetUnencryptedHTTP2(h2)
	tr.Protocols = &p
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func getResp(t *testing.T, tr *http.Transport, url string) *http.Response {
	t.Helper()
	resp, err := (&http.Client{Transport: tr}).Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s", resp.Status)
	}
	return resp
}

// TestTLSVersionsAndProtocols checks that each -tls/-h2 combination serves
// the TLS version and HTTP protocol it names, trusted through -tls-cert.
func TestTLSVersionsAndProtocols(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		h2        bool
		scheme    string
		version   uint16
		wantProto string
	}{
		{[]string{"-tls", "1.2"}, false, "https", tls.VersionTLS12, "HTTP/1.1"},
		{[]string{"-tls", "1.3"}, false, "https", tls.VersionTLS13, "HTTP/1.1"},
		{[]string{"-tls", "1.3", "-h2"}, true, "https", tls.VersionTLS13, "HTTP/2.0"},
		{[]string{"-tls", "1.2", "-h2"}, true, "https", tls.VersionTLS12, "HTTP/2.0"},
		{[]string{"-h2", "-h2-streams", "100"}, true, "http", 0, "HTTP/2.0"},
		{[]string{"-tls", "1.3"}, true, "https", tls.VersionTLS13, "HTTP/1.1"}, // no -h2: ALPN falls back
	} {
		t.Run(strings.Join(tc.args, " ")+" h2 client "+map[bool]string{true: "yes", false: "no"}[tc.h2], func(t *testing.T) {
			url, pem := runTLS(t, tc.args...)
			if !strings.HasPrefix(url, tc.scheme+"://") {
				t.Fatalf("base URL %q, want scheme %s", url, tc.scheme)
			}
			if tc.wantProto == "HTTP/1.1" && tc.h2 {
				// An h2-only client against an h1-only server fails; use h1+h2.
				tr := transport(t, pem, false, nil)
				tr.Protocols.SetHTTP2(true)
				if resp := getResp(t, tr, url); resp.Proto != "HTTP/1.1" {
					t.Fatalf("proto %s, want HTTP/1.1 (server without -h2)", resp.Proto)
				}
				return
			}
			resp := getResp(t, transport(t, pem, tc.h2, nil), url)
			if resp.Proto != tc.wantProto {
				t.Errorf("proto %s, want %s", resp.Proto, tc.wantProto)
			}
			if tc.version == 0 {
				if resp.TLS != nil {
					t.Errorf("TLS on a cleartext server")
				}
				return
			}
			if resp.TLS == nil || resp.TLS.Version != tc.version {
				t.Fatalf("TLS state %+v, want version %x", resp.TLS, tc.version)
			}
		})
	}
}

// TestTLSUntrusted checks that a client without the certificate is refused.
func TestTLSUntrusted(t *testing.T) {
	url, _ := runTLS(t, "-tls", "1.3")
	_, err := (&http.Client{Transport: transport(t, nil, false, nil)}).Get(url + "/")
	var unknown x509.UnknownAuthorityError
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("GET without the certificate: %v, want a certificate error (%T)", err, unknown)
	}
}

// TestTLSResume checks that a second connection resumes the session when
// -tls-resume is on and cannot when it is off, in both versions.
func TestTLSResume(t *testing.T) {
	for _, v := range []string{"1.2", "1.3"} {
		for _, resume := range []bool{true, false} {
			t.Run("tls="+v+"/resume="+map[bool]string{true: "on", false: "off"}[resume], func(t *testing.T) {
				args := []string{"-tls", v}
				if !resume {
					args = append(args, "-tls-resume=false")
				}
				url, pem := runTLS(t, args...)
				tr := transport(t, pem, false, tls.NewLRUClientSessionCache(0))
				tr.DisableKeepAlives = true // a new connection per request
				if getResp(t, tr, url).TLS.DidResume {
					t.Fatal("first connection resumed")
				}
				if got := getResp(t, tr, url).TLS.DidResume; got != resume {
					t.Fatalf("second connection resumed = %v, want %v", got, resume)
				}
			})
		}
	}
}

func TestTLSBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-tls", "1.1"}, "-tls"},
		{[]string{"-tls-cert", "x.pem"}, "-tls-cert"},
		{[]string{"-h2-streams", "0"}, "-h2-streams"},
		{[]string{"-h2-streams", "70000"}, "1..65536"},
	} {
		var stdout, stderr bytes.Buffer
		if code := servercmd.Main(t.Context(), tc.args, &stdout, &stderr); code != servercmd.ExitUsage {
			t.Errorf("Main(%q) = %d, want %d", tc.args, code, servercmd.ExitUsage)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("Main(%q): stderr %q does not name %q", tc.args, stderr.String(), tc.want)
		}
	}
}
