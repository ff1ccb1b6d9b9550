package servercmd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"time"
)

// DefaultH2Streams is -h2-streams' default: golang.org/x/net/http2's
// default MaxConcurrentStreams.
const DefaultH2Streams = 250

// MaxH2Streams bounds -h2-streams.
const MaxH2Streams = 1 << 16

// tlsOptions are the -tls, -tls-cert, -tls-resume, -h2 and -h2-streams flags.
type tlsOptions struct {
	version   string // "off", "1.2" or "1.3"
	certOut   string // where the certificate's PEM is written; "" = nowhere
	resume    bool   // session tickets (resumption) on
	h2        bool   // HTTP/2: ALPN h2 over TLS, h2c over cleartext
	h2Streams int    // the server's MaxConcurrentStreams
}

func (o *tlsOptions) addFlags(fs *flag.FlagSet) {
	o.version, o.resume, o.h2Streams = "off", true, DefaultH2Streams
	fs.StringVar(&o.version, "tls", o.version, "serve HTTPS with TLS `version` 1.2 or 1.3 (a self-signed ECDSA P-256 certificate made at start), or off")
	fs.StringVar(&o.certOut, "tls-cert", "", "write the certificate (PEM) to this `file`, for clients to trust; with -tls only")
	fs.BoolVar(&o.resume, "tls-resume", o.resume, "issue session tickets, so that clients can resume sessions (false: every handshake is full)")
	fs.BoolVar(&o.h2, "h2", false, "serve HTTP/2 as well as HTTP/1.1: negotiated by ALPN with -tls, cleartext h2c (prior knowledge) without")
	fs.Var(intValue(&o.h2Streams, fmt.Sprintf("1..%d", MaxH2Streams)), "h2-streams", "HTTP/2 MaxConcurrentStreams `s` per connection (x/net's default 250)")
}

// check returns the flag error, if any, as usageErr's arguments.
func (o *tlsOptions) check() error {
	switch o.version {
	case "off", "1.2", "1.3":
	default:
		return fmt.Errorf("-tls: %q: want off, 1.2 or 1.3", o.version)
	}
	if o.certOut != "" && o.version == "off" {
		return fmt.Errorf("-tls-cert: %q given without -tls; want -tls 1.2 or 1.3", o.certOut)
	}
	if o.h2Streams < 1 || o.h2Streams > MaxH2Streams {
		return fmt.Errorf("-h2-streams: %d is out of range; want 1..%d", o.h2Streams, MaxH2Streams)
	}
	return nil
}

// scheme is the base URL's scheme.
func (o *tlsOptions) scheme() string {
	if o.version == "off" {
		return "http"
	}
	return "https"
}

// apply sets hs's protocols and wraps lns in TLS as o asks, writing the
// certificate to o.certOut. It returns a line for stderr.
func (o *tlsOptions) apply(hs *http.Server, lns []net.Listener) (string, error) {
	var p http.Protocols
	p.SetHTTP1(true)
	if o.h2 {
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(o.version == "off")
		hs.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: o.h2Streams}
	}
	hs.Protocols = &p
	if o.version == "off" {
		if o.h2 {
			return fmt.Sprintf("cleartext HTTP/1.1 and h2c, %d streams per connection", o.h2Streams), nil
		}
		return "", nil
	}
	cert, certPEM, err := SelfSigned(time.Now())
	if err != nil {
		return "", fmt.Errorf("-tls: %w", err)
	}
	if o.certOut != "" {
		if err := os.WriteFile(o.certOut, certPEM, 0o644); err != nil {
			return "", fmt.Errorf("-tls-cert: %w", err)
		}
	}
	tc := &tls.Config{
		Certificates:           []tls.Certificate{cert},
		MinVersion:             tls.VersionTLS12,
		MaxVersion:             tls.VersionTLS13,
		SessionTicketsDisabled: !o.resume,
		NextProtos:             []string{"http/1.1"},
	}
	if o.version == "1.2" {
		tc.MaxVersion = tls.VersionTLS12
	} else {
		tc.MinVersion = tls.VersionTLS13
	}
	if o.h2 {
		tc.NextProtos = []string{"h2", "http/1.1"}
	}
	hs.TLSConfig = tc
	for i, ln := range lns {
		lns[i] = tls.NewListener(ln, tc)
	}
	line := fmt.Sprintf("TLS %s, self-signed ECDSA P-256 certificate, session resumption %v, ALPN %v", o.version, onOff(o.resume), tc.NextProtos)
	if o.h2 {
		line += fmt.Sprintf(", %d HTTP/2 streams per connection", o.h2Streams)
	}
	return line, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// SelfSigned returns a new ECDSA P-256 certificate for 127.0.0.1, ::1 and
// localhost, valid from an hour before now for a day, that is its own root:
// a client trusts it by adding its PEM to its roots.
func SelfSigned(now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: Name + " (crawlbench, self-signed)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create certificate: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("marshal key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("key pair: %w", err)
	}
	return cert, certPEM, nil
}
