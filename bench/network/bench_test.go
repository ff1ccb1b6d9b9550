package network

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// server is a started slowserver: its harness.Server, the certificate PEM
// it serves (nil without TLS) and its process (nil with -plan).
type server struct {
	srv  harness.Server
	pem  []byte
	proc *serverproc.Proc
}

// startServer starts a slowserver for b in its own process with delay d,
// path net, protocol p (streams per HTTP/2 connection) and extra flags,
// stopped when b ends. With -plan it starts nothing.
func startServer(b *testing.B, d time.Duration, net Net, p Proto, streams int, extra ...string) server {
	b.Helper()
	if config.plan {
		return server{srv: harness.Slowserver("http://127.0.0.1:1/", d, 0, nil)}
	}
	certFile := filepath.Join(b.TempDir(), "cert.pem")
	args := []string{"-addr", "127.0.0.1:0", "-delay", d.String()}
	if net.Path.RTT > 0 {
		args = append(args, "-rtt", net.Path.RTT.String())
	}
	if net.Path.Bandwidth > 0 {
		args = append(args, "-bandwidth", fmt.Sprint(net.Path.Bandwidth))
	}
	args = append(append(args, p.ServerArgs(certFile, streams)...), extra...)
	proc, err := serverproc.Start(context.Background(), args)
	if err != nil {
		b.Fatalf("start slow server %v: %v", args, err)
	}
	b.Cleanup(func() {
		if err := proc.Stop(); err != nil {
			b.Errorf("stop slow server: %v", err)
		}
	})
	s := server{srv: harness.Slowserver(proc.URL+"/", d, 0, nil), proc: proc}
	if p.Security() != model.Plain {
		if s.pem, err = os.ReadFile(certFile); err != nil {
			b.Fatalf("read the server's certificate: %v", err)
		}
	}
	return s
}

// skipUnsupported skips a row a strategy cannot run, saying why.
func skipUnsupported(b *testing.B, name string, p Proto, conn Conn) {
	if d, _ := strategy.Lookup(name); d.IsPython() {
		skipPython(b, d, p, conn)
	}
	if p.IsHTTP2() && (name == strategy.FastHTTP || name == strategy.ProcsFastHTTP) {
		b.Skipf("%s has no HTTP/2 (fasthttp speaks HTTP/1.1 only): no %s row", name, p)
	}
	if name == strategy.NaiveHTTPGet && p.Security() != model.Plain {
		b.Skipf("%s uses http.DefaultTransport, which cannot trust the server's certificate", name)
	}
}

// skipLong skips a row whose model batch time exceeds -max-ideal.
func skipLong(b *testing.B, srv harness.Server, net Net, p Proto, conn Conn, c harness.Case) {
	if config.maxIdeal == 0 {
		return
	}
	mp, err := c.Params(srv)
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	ideal, err := model.IdealNetwork(mp, Model(net, p, conn, false, 0))
	if err != nil {
		b.Fatalf("model: %v", err)
	}
	if ideal > config.maxIdeal {
		b.Skipf("the model's batch time %v exceeds -max-ideal %v", ideal, config.maxIdeal)
	}
}

// runRow runs one row: the case c against s over net with p, conn and the
// HTTP/2 client mode strict, overhead against the network model; with the
// run's calibration also ideal-cpu-ns, that model plus the set-up CPU of
// cold and resumed connections serialised (model.IdealNetworkCPU), and
// ideal-pipe-ns, the model with the set-up and request CPU pipelined
// between the trips (model.IdealNetworkPipe), each with its overhead
// (measured ÷ it).
func runRow(b *testing.B, s server, net Net, p Proto, conn Conn, strict bool, streams int, c harness.Case) {
	mstrict, mstreams := modelStreams(c.Strategy, p, strict, streams)
	mn := Model(net, p, conn, mstrict, mstreams)
	warm := harness.WarmConns
	if conn == Resumed {
		warm = harness.WarmBatch // fills the session cache
	}
	var params model.Params
	config.runner.Run(b, s.srv, c, harness.Options{
		Timeout: config.reqTimeout,
		Warmup:  warm,
		Client:  func(cfg *clients.Config) { Configure(cfg, p, conn, strict, streams, s.pem) },
		Ideal: func(mp model.Params) (time.Duration, error) {
			params = mp
			return model.IdealNetwork(mp, mn)
		},
		Hooks: harness.Hooks{Report: func(b *testing.B, _ *clients.Result) {
			rtts := 1
			if conn != Warm {
				rtts += mn.SetupRTTs()
			}
			b.ReportMetric(float64(rtts), "model-rtts")
			if config.connCPU == nil {
				return
			}
			cpu := model.ConnCPU{Cores: config.cores}
			if k, ok := rowKind(p, conn); ok {
				cpu = config.connCPU[k].conn
			}
			measured := float64(b.Elapsed()) / float64(b.N)
			ideal, err := model.IdealNetworkCPU(params, mn, cpu)
			if err != nil {
				b.Fatalf("model with CPU: %v", err)
			}
			b.ReportMetric(float64(ideal), "ideal-cpu-ns")
			b.ReportMetric(measured/float64(ideal), "overhead-cpu-x")
			pipe, err := model.IdealNetworkPipe(params, mn, cpu, config.connCPU[reqKind(p)].req)
			if err != nil {
				b.Fatalf("pipelined model: %v", err)
			}
			b.ReportMetric(float64(pipe), "ideal-pipe-ns")
			b.ReportMetric(measured/float64(pipe), "overhead-pipe-x")
		}},
	})
}

// BenchmarkNetwork runs each strategy over each emulated path (-net, or
// -rtt/-bandwidth) and protocol (-protos) with warm, cold and resumed
// connections (-conns) at each c (-conc), n = -batch requests per batch, against
// the model extended with the network (model.IdealNetwork): overhead-x is
// measured ÷ that ideal, model-rtts the round trips it charges a request
// (set-up included). ideal-cpu-ns is that model plus the set-up CPU of cold
// and resumed connections (model.IdealNetworkCPU, from the conn-cpu
// calibration the run makes at its start), overhead-cpu-x measured ÷ it;
// ideal-pipe-ns and overhead-pipe-x the same for model.IdealNetworkPipe,
// where the set-up and request CPU overlap the trips.
// fasthttp has no HTTP/2: its h2 and h2c rows are skipped with a line that
// says so; a Python strategy runs plain and TLS rows without resumption,
// HTTP/2 ones only if it speaks HTTP/2 (httpx; modelled as queueing past
// pyclient.HTTPXStreams on one connection).
func BenchmarkNetwork(b *testing.B) {
	for _, net := range config.nets {
		b.Run("net="+net.Name, func(b *testing.B) {
			for _, p := range config.protos {
				b.Run("proto="+string(p), func(b *testing.B) {
					s := startServer(b, config.delay, net, p, config.streams)
					for _, name := range config.strategies {
						b.Run("strategy="+name, func(b *testing.B) {
							skipUnsupported(b, name, p, Warm)
							for _, conn := range config.conns {
								if !conn.Applies(p) {
									continue
								}
								b.Run("conn="+string(conn), func(b *testing.B) {
									skipUnsupported(b, name, p, conn)
									for _, c := range config.cs {
										b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
											skipLong(b, s.srv, net, p, conn, harness.Case{Strategy: name, N: config.n, C: c, Procs: config.procs})
											runRow(b, s, net, p, conn, false, config.streams,
												harness.Case{Strategy: name, Conn: conn.Mode(), N: config.n, C: c, Procs: config.procs})
										})
									}
								})
							}
						})
					}
				})
			}
		})
	}
}

// BenchmarkStreams compares HTTP/1.1 over TLS 1.3 with HTTP/2 (ALPN) as c
// grows past the server's stream limit s (-streams), on -streams-net with
// n = c: one wave of c requests per batch over warm connections. HTTP/1.1
// opens c connections; HTTP/2 with net/http's default client dials another
// connection whenever every one is at s streams (client=default); with
// StrictMaxConcurrentRequests (client=strict) it keeps one connection and
// queues past s, so the batch takes ⌈c/s⌉ round trips plus d each: the
// knee at c = s that the model puts there. -streams-strategies adds
// Python rows (client=py-httpx: httpx queues past min(s, 100) streams on
// one connection, and is modelled so).
func BenchmarkStreams(b *testing.B) {
	net := config.streamsNet
	for _, row := range streamsRows(config.streamsStrategies) {
		b.Run(fmt.Sprintf("net=%s/proto=%s/client=%s/streams=%d", net.Name, row.p, row.client, config.streams), func(b *testing.B) {
			s := startServer(b, config.delay, net, row.p, config.streams)
			for _, c := range config.streamsCs {
				b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
					if d, _ := strategy.Lookup(row.strategy); d.IsPython() {
						skipPython(b, d, row.p, Warm)
					}
					runRow(b, s, net, row.p, Warm, row.strict, config.streams,
						harness.Case{Strategy: row.strategy, Conn: clients.Warm, N: c, C: c})
				})
			}
		})
	}
}

// hsDelay is BenchmarkHandshake's server delay: short, since only CPU is
// measured there.
const hsDelay = time.Millisecond

// hsC is BenchmarkHandshake's concurrency: a few handshakes at once, below
// the machine's cores' saturation.
const hsC = 4

// BenchmarkHandshake measures the CPU a new connection costs on loopback
// (no emulated path): -hs-n cold requests per batch, hsC at a time, for
// plain TCP and TLS 1.2 and 1.3 with session resumption off and on.
// client-cpu-ns and server-cpu-ns are each process's CPU time per new
// connection (and its request); the tls=off row is the baseline, so a TLS
// row minus it is the handshake's own cost. Multiplied by 1,000 and
// divided by 10⁶ they read as ms per 1,000 handshakes.
func BenchmarkHandshake(b *testing.B) {
	for _, row := range []struct {
		p      Proto
		resume bool
	}{{H1, false}, {H1TLS12, false}, {H1TLS12, true}, {H1TLS13, false}, {H1TLS13, true}} {
		tlsName := map[model.Security]string{model.Plain: "off", model.TLS12: "1.2", model.TLS13: "1.3"}[row.p.Security()]
		resume := map[bool]string{false: "off", true: "on"}[row.resume]
		if row.p == H1 {
			resume = "na"
		}
		b.Run(fmt.Sprintf("tls=%s/resume=%s/strategy=%s", tlsName, resume, strategy.Fanout), func(b *testing.B) {
			conn := Cold
			var extra []string
			if row.resume {
				conn = Resumed
			} else if row.p != H1 {
				extra = []string{"-tls-resume=false"}
			}
			s := startServer(b, hsDelay, Net{Name: "loopback"}, row.p, config.streams, extra...)
			var c0, s0, c1, s1 time.Duration
			cpu := func() (client, server time.Duration) {
				client, err := usage.SelfCPU()
				if err != nil {
					b.Fatal(err)
				}
				st, err := usage.ReadProc(s.proc.Pid())
				if err != nil {
					b.Fatal(err)
				}
				return client, st.CPU
			}
			config.runner.Run(b, s.srv, harness.Case{Strategy: strategy.Fanout, Conn: clients.Cold, N: config.hsN, C: hsC}, harness.Options{
				Timeout: config.reqTimeout,
				Warmup:  harness.WarmBatch,
				Client:  func(cfg *clients.Config) { Configure(cfg, row.p, conn, false, config.streams, s.pem) },
				Hooks: harness.Hooks{
					BeforeLoop: func(*testing.B) {
						if s.proc != nil {
							c0, s0 = cpu()
						}
					},
					AfterLoop: func(*testing.B) {
						if s.proc != nil {
							c1, s1 = cpu()
						}
					},
					Report: func(b *testing.B, total *clients.Result) {
						n := float64(total.OK + total.Failed())
						if n == 0 {
							return
						}
						b.ReportMetric(float64(c1-c0)/n, "client-cpu-ns")
						b.ReportMetric(float64(s1-s0)/n, "server-cpu-ns")
					},
				},
			})
		})
	}
}
