package pitfalls

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/bench/network"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/pitfall"
	"github.com/crawlbench/crawlbench/servers/netem"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// BenchmarkPitfall runs each pitfall's bad variant and its fix, one batch
// of c requests (c in flight) per iteration, against a slowserver of its own
// (a process per row, so its port's TIME_WAIT sockets are the row's):
//
//	BenchmarkPitfall/net=loopback|wan/pitfall=NAME/variant=bad|fix/c=C
//	BenchmarkPitfall/net=loopback|wan/proto=h1tls13/pitfall=NAME/variant=bad|fix/c=C
//
// A plain HTTP/1.1 row (-protos h1) has no proto key, so its name is that
// of the first catalogue; a TLS row (h1tls12, h1tls13) runs the same
// clients over HTTPS to a slowserver with -tls and -tls-cert, trusting its
// certificate through pitfall.Config.TLS with no session cache, so that
// every new connection costs a full handshake.
//
// Metrics, per batch unless a unit says otherwise: sec/op (a batch's wall
// time; for a hung batch, the time spent until the bound), req/s (requests
// that succeeded per second), p50-ns and p99-ns (request latency),
// errors (failed requests; errors-expected on a row whose failures are the
// measured symptom, which then does not fail the run) and KIND-errors[-expected]
// by clients.ErrorKind, new-conns (connections the server accepted), dials
// (connections the client dialled), time-wait (sockets in TIME_WAIT on the
// row's port after the row, per batch), hung and hung-ns (requests still in
// flight when -hang-bound passed, and their batches' mean time),
// no-free-conns, lookups, leaked-conns (each on its own pitfall's rows, and
// on any other row where it is not zero), and on a fix row gain-x: the
// fix's successful requests per second over the bad variant's, or when
// either has none (no-timeout), the bad variant's sec/op over the fix's.
// An unexpected failed request fails the row and the binary.
func BenchmarkPitfall(b *testing.B) {
	for _, netName := range config.nets {
		b.Run("net="+netName, func(b *testing.B) {
			for _, p := range config.protos {
				if p == network.H1 {
					runPitfalls(b, netName, p)
					continue
				}
				b.Run("proto="+string(p), func(b *testing.B) { runPitfalls(b, netName, p) })
			}
		})
	}
}

// runPitfalls runs every pitfall's rows on network netName over p.
func runPitfalls(b *testing.B, netName string, p network.Proto) {
	for _, name := range config.pitfalls {
		spec, _ := pitfall.Lookup(name) // checked by ParseNames
		b.Run("pitfall="+string(name), func(b *testing.B) {
			var bad badRow
			for _, v := range pitfall.Variants() {
				b.Run("variant="+string(v), func(b *testing.B) {
					b.Run("c="+strconv.Itoa(spec.C), func(b *testing.B) {
						runRow(b, netName, p, spec, v, &bad)
					})
				})
			}
		})
	}
}

// badRow keeps the bad variant's last measurement for its fix's gain-x.
type badRow struct {
	mu       sync.Mutex
	secPerOp float64
	goodput  float64
	set      bool
}

func (r *badRow) store(secPerOp, goodput float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secPerOp, r.goodput, r.set = secPerOp, goodput, true
}

func (r *badRow) load() (secPerOp, goodput float64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.secPerOp, r.goodput, r.set
}

// total adds up a row's batches.
type total struct {
	res                                     *clients.Result
	batches                                 int
	wall, hungWall                          time.Duration
	hung, hungBatches, noFree, dials, looks int64
	leaked                                  int64
}

func (t *total) add(o *pitfall.Outcome) error {
	if t.res == nil {
		t.res = clients.NewResult(o.Strategy)
	}
	if err := t.res.Merge(o.Result); err != nil {
		return err
	}
	t.batches++
	t.wall += o.Wall
	if o.Hung > 0 {
		t.hungBatches++
		t.hungWall += o.Wall
	}
	t.hung += o.Hung
	t.noFree += o.NoFreeConns
	t.dials += o.Dials
	t.looks += o.Lookups
	t.leaked += o.Leaked
	return nil
}

// warmTries bounds the untimed warm-up batches of a row.
const warmTries = 3

// runRow measures variant v of spec on the network netName over p.
func runRow(b *testing.B, netName string, p network.Proto, spec pitfall.Spec, v pitfall.Variant, bad *badRow) {
	defer config.runner.RecordFailure(b)
	ctx := b.Context()
	nc, err := netem.Preset(netName)
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"-addr", "127.0.0.1:0", "-delay", config.delay.String(), "-shutdown-timeout", "1s"}
	if nc.RTT > 0 {
		args = append(args, "-rtt", nc.RTT.String())
	}
	if nc.Bandwidth > 0 {
		args = append(args, "-bandwidth", strconv.FormatInt(nc.Bandwidth, 10))
	}
	certFile := filepath.Join(b.TempDir(), "cert.pem")
	args = append(args, p.ServerArgs(certFile, 0)...)
	srv, err := serverproc.Start(ctx, args)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			b.Errorf("stop server: %v", err)
		}
	}()
	tc, err := clientTLS(p, certFile)
	if err != nil {
		b.Fatal(err)
	}
	port, err := portOf(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	timeout := config.reqTimeout
	if spec.Name == pitfall.NoTimeout {
		timeout = config.stallTimeout
	}
	cl, err := pitfall.New(spec.Name, v, pitfall.Config{Target: srv.URL + "/", C: spec.C, Timeout: timeout, Bound: config.hangBound, TLS: tc})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cl.Close() }()
	expected := spec.FailuresExpected(v)

	// One untimed batch warms the pool (the fix's connections exist
	// before the timed batches, as in a long-running client). Over TLS a
	// cold pool of c = 1,000 may not finish its handshakes within
	// -hang-bound on 2 cores: the pool keeps the connections made, and the
	// warm-up is repeated (at most warmTries batches, each failure logged).
	for try := 1; ; try++ {
		warm, err := cl.Run(ctx, spec.C)
		if err != nil {
			b.Fatal(err)
		}
		err = warm.Err()
		if err == nil || expected {
			break
		}
		if try == warmTries {
			b.Fatalf("warm-up batch %d of %d: REQUESTS FAILED: %v", try, warmTries, err)
		}
		b.Logf("warm-up batch %d (untimed): %v; warming again", try, err)
	}
	if err := srv.Reset(ctx); err != nil {
		b.Fatal(err)
	}
	tw0, twErr := pitfall.TimeWait(port)

	var t total
	for b.Loop() {
		o, err := cl.Run(ctx, spec.C)
		if err != nil {
			b.Fatal(err)
		}
		if err := t.add(o); err != nil {
			b.Fatal(err)
		}
	}
	st, err := srv.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tw, twErr2 := pitfall.TimeWait(port)
	if err := t.res.Check(); err != nil {
		b.Fatalf("accounting: %v", err)
	}

	n := float64(t.batches)
	perBatch := func(v int64) float64 { return float64(v) / n }
	secPerOp := t.wall.Seconds() / n
	goodput := 0.0
	if t.wall > 0 {
		goodput = float64(t.res.OK) / t.wall.Seconds()
	}
	b.ReportMetric(goodput, "req/s")
	b.ReportMetric(float64(t.res.Quantile(0.50)), "p50-ns")
	b.ReportMetric(float64(t.res.Quantile(0.99)), "p99-ns")
	suffix := "errors"
	if expected {
		suffix = "errors-expected"
	}
	b.ReportMetric(perBatch(t.res.Failed()), suffix)
	for _, k := range clients.ErrorKinds() {
		if c := t.res.Errors[k]; c > 0 {
			b.ReportMetric(perBatch(c), string(k)+"-"+suffix)
		}
	}
	b.ReportMetric(perBatch(st.Conns), "new-conns")
	b.ReportMetric(perBatch(t.dials), "dials")
	if twErr == nil && twErr2 == nil {
		b.ReportMetric(perBatch(int64(tw-tw0)), "time-wait")
	} else {
		b.Logf("time-wait not measured: %v %v", twErr, twErr2)
	}
	if spec.Name == pitfall.NoTimeout || t.hung > 0 {
		b.ReportMetric(perBatch(t.hung), "hung")
		hungNS := 0.0
		if t.hungBatches > 0 {
			hungNS = float64(t.hungWall) / float64(t.hungBatches)
		}
		b.ReportMetric(hungNS, "hung-ns")
	}
	if spec.Name == pitfall.FastHTTPMaxConns || t.noFree > 0 {
		b.ReportMetric(perBatch(t.noFree), "no-free-conns")
	}
	if spec.Name == pitfall.ResolvePerConn || t.looks > 0 {
		b.ReportMetric(perBatch(t.looks), "lookups")
	}
	if spec.Name == pitfall.ClientPerRequest || spec.Name == pitfall.BodyUnclosed || t.leaked > 0 {
		b.ReportMetric(perBatch(t.leaked), "leaked-conns")
	}
	switch v {
	case pitfall.Bad:
		bad.store(secPerOp, goodput)
	case pitfall.Fix:
		if bs, bg, ok := bad.load(); ok {
			b.ReportMetric(gain(bs, bg, secPerOp, goodput), "gain-x")
		}
	}
	if !expected && (t.res.Failed() > 0 || t.hung > 0) {
		b.Errorf("REQUESTS FAILED: %v; %d hung past -hang-bound %v", t.res.Err(), t.hung, config.hangBound)
	}
}

// gain is the fix's gain over the bad variant: successful requests per
// second, fix over bad, or when either has none, sec/op, bad over fix.
func gain(badSec, badGood, fixSec, fixGood float64) float64 {
	if badGood > 0 && fixGood > 0 {
		return fixGood / badGood
	}
	if fixSec <= 0 {
		return 0
	}
	return badSec / fixSec
}

// clientTLS returns the client TLS configuration of a row over p: the
// server's certificate (written to certFile) as the only root, and no
// session cache, so a new connection never resumes. nil for plain HTTP.
func clientTLS(p network.Proto, certFile string) (*tls.Config, error) {
	if p.Security() == model.Plain {
		return nil, nil
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("the server's certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the server's certificate %s: no PEM certificate in it", certFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// portOf returns the port of a server URL.
func portOf(raw string) (int, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return 0, fmt.Errorf("server URL %q: %w", raw, err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0, fmt.Errorf("server URL %q: port: %w", raw, err)
	}
	return p, nil
}
