package pitfalls

import (
	"crypto/tls"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/network"
	"github.com/crawlbench/crawlbench/clients/pitfall"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// TestTLSRows runs a row's pieces over TLS 1.3 as BenchmarkPitfall does (a
// slowserver in its own process with the proto's flags, its certificate
// trusted through clientTLS): idle-pool's bad variant pays a full
// handshake for at least c/2 connections of every warm batch and its fix
// almost none (a dial net/http started in the batch before may finish in
// this one), and resolve-per-conn, which dials "localhost", verifies the
// certificate and makes a lookup and a full handshake per connection.
func TestTLSRows(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	const c = 20
	for _, tc := range []struct {
		name             pitfall.Name
		v                pitfall.Variant
		minFull, maxFull int64 // full handshakes per warm batch (net/http may finish a dial of the batch before late)
		lookups          int64
	}{
		{pitfall.IdlePool, pitfall.Bad, c / 2, c + 2, 0},
		{pitfall.IdlePool, pitfall.Fix, 0, 2, 0},
		{pitfall.ResolvePerConn, pitfall.Bad, c - 2, c + 2, c},
	} {
		t.Run(string(tc.name)+"/"+string(tc.v), func(t *testing.T) {
			ctx := t.Context()
			cert := filepath.Join(t.TempDir(), "cert.pem")
			args := append([]string{"-addr", "127.0.0.1:0", "-delay", "5ms", "-shutdown-timeout", "1s"}, network.H1TLS13.ServerArgs(cert, 0)...)
			srv, err := serverproc.Start(ctx, args)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := srv.Stop(); err != nil {
					t.Errorf("stop server: %v", err)
				}
			}()
			tc0, err := clientTLS(network.H1TLS13, cert)
			if err != nil {
				t.Fatal(err)
			}
			var full, resumed atomic.Int64
			tc0.VerifyConnection = func(cs tls.ConnectionState) error {
				if cs.Version != tls.VersionTLS13 {
					t.Errorf("negotiated TLS version %#x, want TLS 1.3", cs.Version)
				}
				if cs.DidResume {
					resumed.Add(1)
				} else {
					full.Add(1)
				}
				return nil
			}
			cl, err := pitfall.New(tc.name, tc.v, pitfall.Config{Target: srv.URL + "/", C: c, Timeout: 10 * time.Second, Bound: 10 * time.Second, TLS: tc0})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cl.Close() }()
			for batch := range 3 {
				f0 := full.Load()
				o, err := cl.Run(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				if err := o.Err(); err != nil || o.OK != c {
					t.Fatalf("batch %d: %d of %d OK: %v", batch, o.OK, c, err)
				}
				if batch == 0 {
					continue // the cold pool's handshakes
				}
				if f := full.Load() - f0; f < tc.minFull || f > tc.maxFull {
					t.Errorf("batch %d: %d full handshakes (%d dials); want %d..%d", batch, f, o.Dials, tc.minFull, tc.maxFull)
				}
				if o.Lookups != tc.lookups {
					t.Errorf("batch %d: %d lookups, want %d", batch, o.Lookups, tc.lookups)
				}
			}
			if r := resumed.Load(); r != 0 {
				t.Errorf("%d resumed handshakes; the rows' clients have no session cache", r)
			}
		})
	}
}
