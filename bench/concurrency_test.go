package bench

import (
	"flag"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers"
)

// The flags that shape BenchmarkConcurrency and BenchmarkBatch. checkMatrix
// validates them; printProvenance records them.
var (
	serversFlag = flag.String("servers", "all", "BenchmarkConcurrency's servers: a comma list of "+strings.Join(matrixServerNames(), ", ")+", or all")
	cmaxFlag    = flag.Int("cmax", 0, fmt.Sprintf("BenchmarkConcurrency's largest c, a power of two: 1..%d, or up to %d with -long (0: %d, or %d with -long)", defaultCMax, longCMax, defaultCMax, longCMax))
	longFlag    = flag.Bool("long", false, fmt.Sprintf("long runs: BenchmarkConcurrency up to c = %d (unless -cmax says less), and BenchmarkBatch's sequential and fake-async up to n = 1000", longCMax))
)

// Limits of -cmax.
const (
	defaultCMax = 1024 // the largest c by default, and without -long
	longCMax    = 8192 // the largest c with -long
)

// distSeed seeds the delay draws of the variable-latency servers, so that
// a run is reproducible and the model can replay the draws exactly.
const distSeed = 1

// matrixSettings are the settings of the BenchmarkConcurrency and
// BenchmarkBatch matrices, part of settings.
type matrixSettings struct {
	// servers is -servers: a comma list of server names; "" or "all" means
	// every one. checkMatrix turns it into the canonical list.
	servers string
	// cmax is -cmax, the largest c; 0 means defaultCMax, or longCMax with
	// -long. checkMatrix fills in the effective value.
	cmax int
	// long is -long.
	long bool
}

// matrixFlags returns the matrix flags as parsed.
func matrixFlags() matrixSettings {
	return matrixSettings{servers: *serversFlag, cmax: *cmaxFlag, long: *longFlag}
}

// checkMatrix validates m and returns it normalised: servers as the
// canonical comma list (in matrixServers order), cmax as the effective
// value. An error names the flag and what it accepts.
func checkMatrix(m matrixSettings) (matrixSettings, error) {
	known := matrixServerNames()
	want := "want a comma list of " + strings.Join(known, ", ") + ", or all"
	raw := strings.TrimSpace(m.servers)
	if raw == "" || raw == "all" {
		m.servers = strings.Join(known, ",")
	} else {
		var picked []string
		for _, name := range strings.Split(raw, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
				return m, fmt.Errorf("-servers %q: empty server name; %s", m.servers, want)
			case !slices.Contains(known, name):
				return m, fmt.Errorf("-servers %q: unknown server %q; %s", m.servers, name, want)
			case slices.Contains(picked, name):
				return m, fmt.Errorf("-servers %q: server %q named twice; %s", m.servers, name, want)
			}
			picked = append(picked, name)
		}
		var canon []string
		for _, name := range known {
			if slices.Contains(picked, name) {
				canon = append(canon, name)
			}
		}
		m.servers = strings.Join(canon, ",")
	}

	limit, accepted := defaultCMax, fmt.Sprintf("a power of two 1..%d (0 = %d; up to %d with -long)", defaultCMax, defaultCMax, longCMax)
	if m.long {
		limit, accepted = longCMax, fmt.Sprintf("a power of two 1..%d (0 = %d)", longCMax, longCMax)
	}
	powerOfTwo := m.cmax > 0 && bits.OnesCount(uint(m.cmax)) == 1
	switch {
	case m.cmax == 0:
		m.cmax = limit
	case powerOfTwo && m.cmax > limit && m.cmax <= longCMax:
		return m, fmt.Errorf("-cmax %d: above %d needs -long", m.cmax, defaultCMax)
	case !powerOfTwo || m.cmax > limit:
		return m, fmt.Errorf("-cmax %d: want %s", m.cmax, accepted)
	}
	return m, nil
}

// serverNames returns the servers of a checked m, in matrix order.
func (m matrixSettings) serverNames() []string { return strings.Split(m.servers, ",") }

// provenance returns the configuration lines that record m in a results
// file.
func (m matrixSettings) provenance() [][2]string {
	return [][2]string{
		{"servers", m.servers},
		{"cmax", fmt.Sprint(m.cmax)},
		{"long", fmt.Sprint(m.long)},
	}
}

// namedServer is a server of the BenchmarkConcurrency matrix.
type namedServer struct {
	name string // the server= key
	spec harness.Spec
}

// matrixServers returns every server BenchmarkConcurrency knows, in the
// order it runs them: unlimited (the seed's threaded Flask app), capacity
// k = 1, 8, 64, then unlimited servers whose delay is drawn from a
// distribution of scale -delay (seeded with distSeed).
func matrixServers() []namedServer {
	return []namedServer{
		{"unlimited", harness.Spec{}},
		{"k1", harness.Spec{Capacity: 1}},
		{"k8", harness.Spec{Capacity: 8}},
		{"k64", harness.Spec{Capacity: 64}},
		{"uniform", harness.Spec{Dist: string(servers.DistUniform), Seed: distSeed}},
		{"exp", harness.Spec{Dist: string(servers.DistExp), Seed: distSeed}},
		{"lognormal", harness.Spec{Dist: string(servers.DistLognormal), Seed: distSeed}},
	}
}

// checkMatrixServer refuses a -servers list that the bundled server kind
// cannot run: a Flask server has a fixed delay and its own capacity, so
// with -server flask (flask-single) BenchmarkConcurrency runs that one
// server, the twin of unlimited (k1); the kN and variable-delay servers
// are slowserver-only.
func checkMatrixServer(servers string, kind harness.ServerKind) error {
	raw := strings.TrimSpace(servers)
	if !kind.Fixed() || raw == "" || raw == "all" {
		return nil
	}
	twin := "unlimited"
	if kind.Capacity() == 1 {
		twin = "k1"
	}
	if raw != twin {
		return fmt.Errorf("-servers %q with -server %s: the k8, k64, uniform, exp and lognormal servers are slowserver-only (-server slowserver); -server %s runs one server, the %s one (leave -servers unset, or %s)", servers, kind, kind, twin, twin)
	}
	return nil
}

// concurrencyServers returns the servers BenchmarkConcurrency runs with
// settings s: the one Flask server of -server flask or flask-single
// (named after it), else those of -servers in matrix order.
func (s settings) concurrencyServers() []namedServer {
	if s.server.Fixed() {
		return []namedServer{{string(s.server), harness.BundledSpec(s.server)}}
	}
	names := s.matrix.serverNames()
	var out []namedServer
	for _, ns := range matrixServers() {
		if slices.Contains(names, ns.name) {
			out = append(out, ns)
		}
	}
	return out
}

// matrixServerNames returns the names of matrixServers.
func matrixServerNames() []string {
	var out []string
	for _, s := range matrixServers() {
		out = append(out, s.name)
	}
	return out
}

// concurrencies returns c = 1, 2, 4, …, cmax.
func concurrencies(cmax int) []int {
	var out []int
	for c := 1; c <= cmax; c *= 2 {
		out = append(out, c)
	}
	return out
}

// concurrencyStrategies returns the strategies of BenchmarkConcurrency, in
// registry order: sequential (the c = 1 reference) and every strategy of
// the seed family with a concurrency limit (kind Fanout or ProcsFanout).
func concurrencyStrategies() []string {
	var out []string
	for _, d := range strategy.All() {
		if d.In(strategy.FamilySeed) && (d.Kind == model.Sequential || d.Kind == model.Fanout || d.Kind == model.ProcsFanout) {
			out = append(out, d.Name)
		}
	}
	return out
}

// Batch sizes of BenchmarkConcurrency.
const (
	// minBatch is the smallest batch: enough requests for a latency
	// distribution even at c = 1.
	minBatch = 100
	// wavesPerLane is how many requests each of the c lanes issues in a
	// batch against a server that is not the bottleneck.
	wavesPerLane = 4
	// maxServerWaves caps a batch against a server whose capacity k is
	// below c at this many waves of k requests.
	maxServerWaves = 8
)

// concurrencyN returns the batch size n of BenchmarkConcurrency at
// concurrency c against a server of capacity k (0 = unlimited).
//
// When the client is the bottleneck (k = 0 or c ≤ k), n = max(4c, 100):
// each of the c lanes issues about 4 requests, so the batch is mostly the
// steady state with c in flight rather than one wave plus its ramp-down,
// and there are at least 100 latencies.
//
// When the server is the bottleneck (c > k) a batch of 4c would take 4c/k
// waves: 4096 × d = 205 s at k = 1, c = 1024, d = 50 ms, per cell; worse,
// every request would queue c/k waves, past the default per-request timeout
// of 10·d + 5 s. So n is capped at maxServerWaves·k = 8k (never below k
// waves' worth of work: min(c, n) ≥ k keeps all k slots busy from the first
// wave to the last, so the batch measures the server's steady-state
// throughput k/d, and its ideal is exactly 8 waves). Every request then
// waits at most 8 waves, 8·d < 10·d + 5 s, whatever -delay is. The price:
// for c > 8k the client has only n = 8k < c requests in flight (all of
// them at once), so latency stops growing with c there; reqs/op records n.
func concurrencyN(c, k int) int {
	n := max(wavesPerLane*c, minBatch)
	if k > 0 && c > k {
		n = min(n, maxServerWaves*k)
	}
	return n
}

// procsSplit returns how procs-fanout holds c requests in flight with at
// most procs worker processes: p workers with per goroutines each, p × per
// = c exactly. p is the largest divisor of c that is at most min(procs, c);
// for c a power of two and procs = 8 (the default) that is min(8, c).
func procsSplit(c, procs int) (p, per int) {
	for p = min(procs, c); p > 1; p-- {
		if c%p == 0 {
			break
		}
	}
	p = max(p, 1)
	return p, c / p
}

// concurrencyCase returns the harness.Case of strategy s at total concurrency
// c against a server of capacity k, with at most procs worker processes.
func concurrencyCase(s string, conn clients.ConnMode, c, k, procs int) harness.Case {
	bc := harness.Case{Strategy: s, Conn: conn, N: concurrencyN(c, k), C: c}
	if kindOf(s) == model.ProcsFanout {
		bc.Procs, bc.C = procsSplit(c, procs)
	}
	return bc
}

// BenchmarkConcurrency measures every strategy with a concurrency limit
// (fanout, fasthttp, procs-fanout; sequential as the c = 1 reference) at
// c = 1, 2, 4, …, -cmax (1024; 8192 with -long) requests in flight, with
// warm and cold connections, against each server of -servers:
//
//	unlimited            no capacity limit, fixed delay d (the seed's threaded Flask app)
//	k1, k8, k64          at most k requests in service at once, the rest queue FIFO
//	uniform, exp,        no capacity limit; request j's delay is drawn from
//	lognormal            U[0, 2d], Exp(mean d) or d·exp(0.5·N(0,1)), seeded (distSeed)
//
// Names are BenchmarkConcurrency/server=S/strategy=X/conn=C/c=N. One
// iteration is one batch of n requests (see concurrencyN: max(4c, 100), at
// most 8 waves of a server with k < c), reported as reqs/op. The metrics
// are runCase's (sec/op, req/s, latency quantiles, errors, ideal-ns,
// overhead-x, capacity-rps = k/d for the kN servers, srv-inflight).
//
// For procs-fanout c is the total in flight: P worker processes × c/P
// goroutines each, with P = min(-procs, c) (more exactly the largest
// divisor of c not above it, so that P × c/P = c), reported as procs.
// Plots label the x axis "requests in flight".
//
// The ideal (ideal-ns) includes the server's capacity k. For the
// variable-latency servers it is exact for the draws the server made:
// every request carries its index (servers.HeaderIndex), numbered as the
// model numbers a batch's requests (by lane, worker share and chunk, not
// by arrival), and the server draws its delay from that index, so the
// model replays exactly the delays each lane met (model.IdealBatches over
// the batches' Result.FirstIndex); ideal-ns is the mean over the batches.
// The racy order in which concurrent requests reach the server no longer
// moves a delay from one lane to another, so overhead-x ≥ 1 up to timer
// noise for every server.
//
// The server runs in a process of its own. The client process holds up to
// c sockets (plus TIME_WAIT churn with cold connections); at c = 8192
// (-long) fanout and fasthttp keep 8192 sockets open in one process,
// within but not far from the 20,000 open files allowed per process.
//
// With -target, name the one server the target runs in -servers; for a
// variable-latency server it must have been started with the same -dist
// and -seed (1), and its stats are reset before each case.
//
// With -server flask or flask-single the one server is the seed's Flask
// app (server=flask: unlimited; server=flask-single: k = 1), which closes
// every connection, so warm rows are cold there too.
func BenchmarkConcurrency(b *testing.B) {
	runServers := config.concurrencyServers()
	if config.target != "" && len(runServers) != 1 {
		b.Fatalf("-target runs one server: pass -servers with the one it is (one of %s), not %q", strings.Join(matrixServerNames(), ", "), config.matrix.servers)
	}
	for _, ns := range runServers {
		b.Run("server="+ns.name, func(b *testing.B) {
			srv := startServer(b, ns.spec)
			for _, s := range concurrencyStrategies() {
				b.Run("strategy="+s, func(b *testing.B) {
					for _, conn := range []clients.ConnMode{clients.Warm, clients.Cold} {
						b.Run("conn="+conn.String(), func(b *testing.B) {
							for _, c := range concurrencies(config.matrix.cmax) {
								if kindOf(s) == model.Sequential && c > 1 {
									break
								}
								b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
									bc := concurrencyCase(s, conn, c, ns.spec.Capacity, config.procs)
									runCase(b, srv, bc)
									b.ReportMetric(float64(bc.N), "reqs/op")
									if bc.Procs > 0 {
										b.ReportMetric(float64(bc.Procs), "procs")
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

func TestCheckMatrix(t *testing.T) {
	all := "unlimited,k1,k8,k64,uniform,exp,lognormal"
	for _, tt := range []struct {
		in   matrixSettings
		want matrixSettings
	}{
		{matrixSettings{}, matrixSettings{servers: all, cmax: 1024}},
		{matrixSettings{servers: "all"}, matrixSettings{servers: all, cmax: 1024}},
		{matrixSettings{long: true}, matrixSettings{servers: all, cmax: 8192, long: true}},
		{matrixSettings{servers: " lognormal, k64 ,unlimited", cmax: 64}, matrixSettings{servers: "unlimited,k64,lognormal", cmax: 64}},
		{matrixSettings{servers: "k1", cmax: 1}, matrixSettings{servers: "k1", cmax: 1}},
		{matrixSettings{servers: "exp", cmax: 1024, long: true}, matrixSettings{servers: "exp", cmax: 1024, long: true}},
		{matrixSettings{cmax: 8192, long: true}, matrixSettings{servers: all, cmax: 8192, long: true}},
	} {
		got, err := checkMatrix(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("checkMatrix(%+v) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		in   matrixSettings
		want string
	}{
		{matrixSettings{servers: "k2"}, `-servers "k2": unknown server "k2"; want a comma list of unlimited, k1, k8, k64, uniform, exp, lognormal, or all`},
		{matrixSettings{servers: "unlimited,normal"}, `-servers "unlimited,normal": unknown server "normal"`},
		{matrixSettings{servers: "K1"}, `-servers "K1": unknown server "K1"`},
		{matrixSettings{servers: "k1,"}, `-servers "k1,": empty server name`},
		{matrixSettings{servers: ","}, `-servers ",": empty server name`},
		{matrixSettings{servers: "k8,k8"}, `-servers "k8,k8": server "k8" named twice`},
		{matrixSettings{servers: "all,k1"}, `-servers "all,k1": unknown server "all"`},
		{matrixSettings{cmax: 2048}, "-cmax 2048: above 1024 needs -long"},
		{matrixSettings{cmax: 8192}, "-cmax 8192: above 1024 needs -long"},
		{matrixSettings{cmax: 100}, "-cmax 100: want a power of two 1..1024 (0 = 1024; up to 8192 with -long)"},
		{matrixSettings{cmax: -4}, "-cmax -4: want a power of two 1..1024"},
		{matrixSettings{cmax: 3000}, "-cmax 3000: want a power of two 1..1024"},
		{matrixSettings{cmax: 16384, long: true}, "-cmax 16384: want a power of two 1..8192 (0 = 8192)"},
		{matrixSettings{cmax: 6000, long: true}, "-cmax 6000: want a power of two 1..8192"},
	} {
		_, err := checkMatrix(tt.in)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("checkMatrix(%+v) = %v, want an error starting %q", tt.in, err, tt.want)
		}
	}
}

// TestCheckSettingsChecksMatrix checks that the matrix flags are validated
// with the others (so a bad one exits 2 before any benchmark runs) and
// recorded in the provenance lines.
func TestCheckSettingsChecksMatrix(t *testing.T) {
	s := settings{delay: 50e6, procs: 8, matrix: matrixSettings{servers: "k3"}}
	if _, err := checkSettings(s); err == nil || !strings.HasPrefix(err.Error(), `-servers "k3"`) {
		t.Errorf("checkSettings with -servers k3 = %v, want a -servers error", err)
	}
	s.matrix = matrixSettings{servers: "k64,k1", long: true}
	got, err := checkSettings(s)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"servers", "k1,k64"}, {"cmax", "8192"}, {"long", "true"}}
	if p := got.matrix.provenance(); !slices.Equal(p, want) {
		t.Errorf("provenance = %v, want %v", p, want)
	}
}

func TestConcurrencies(t *testing.T) {
	if got, want := concurrencies(1024), []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}; !slices.Equal(got, want) {
		t.Errorf("concurrencies(1024) = %v, want %v", got, want)
	}
	if got := concurrencies(1); !slices.Equal(got, []int{1}) {
		t.Errorf("concurrencies(1) = %v", got)
	}
	if got := concurrencies(8192); len(got) != 14 || got[13] != 8192 {
		t.Errorf("concurrencies(8192) = %v", got)
	}
}

func TestConcurrencyN(t *testing.T) {
	for _, tt := range []struct{ c, k, want int }{
		{1, 0, 100}, {16, 0, 100}, {32, 0, 128}, {1024, 0, 4096}, {8192, 0, 32768},
		{1, 1, 100}, {2, 1, 8}, {1024, 1, 8},
		{8, 8, 100}, {16, 8, 64}, {1024, 8, 64},
		{64, 64, 256}, {128, 64, 512}, {512, 64, 512}, {1024, 64, 512},
	} {
		if got := concurrencyN(tt.c, tt.k); got != tt.want {
			t.Errorf("concurrencyN(c=%d, k=%d) = %d, want %d", tt.c, tt.k, got, tt.want)
		}
	}
}

// TestConcurrencyNBounds checks what concurrencyN promises, with the model:
// a batch against a server that is not the bottleneck is the unlimited
// batch; against one that is, it keeps every slot busy and takes at most
// maxServerWaves waves, fewer than the default timeout of 10·d + 5 s.
func TestConcurrencyNBounds(t *testing.T) {
	if maxServerWaves >= 10 {
		t.Fatalf("maxServerWaves = %d: a request could wait past the default timeout 10·d + 5s", maxServerWaves)
	}
	for _, k := range []int{0, 1, 3, 8, 64, 1000} {
		for _, c := range concurrencies(longCMax) {
			n := concurrencyN(c, k)
			p := model.Params{Kind: model.Fanout, N: n, Delay: 1, C: c, K: k}
			rounds, err := model.IdealRounds(p)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 || c <= k {
				if n != max(4*c, 100) {
					t.Errorf("c=%d k=%d: n = %d, want max(4c, 100)", c, k, n)
				}
				continue
			}
			if min(c, n) < k {
				t.Errorf("c=%d k=%d: n = %d leaves slots idle", c, k, n)
			}
			if rounds > maxServerWaves {
				t.Errorf("c=%d k=%d: n = %d takes %d waves, more than %d", c, k, n, rounds, maxServerWaves)
			}
			if lo, _, _ := model.Bounds(p); int64(lo) != rounds {
				t.Errorf("c=%d k=%d: n = %d takes %d waves, the saturated server needs %d", c, k, n, rounds, lo)
			}
		}
	}
}

func TestProcsSplit(t *testing.T) {
	for _, tt := range []struct{ c, procs, p, per int }{
		{1, 8, 1, 1}, {2, 8, 2, 1}, {8, 8, 8, 1}, {16, 8, 8, 2}, {1024, 8, 8, 128}, {8192, 8, 8, 1024},
		{4, 3, 2, 2}, {1024, 6, 4, 256}, {12, 8, 6, 2}, {7, 8, 7, 1}, {7, 4, 1, 7}, {64, 1, 1, 64}, {16, 256, 16, 1},
	} {
		p, per := procsSplit(tt.c, tt.procs)
		if p != tt.p || per != tt.per {
			t.Errorf("procsSplit(c=%d, procs=%d) = %d × %d, want %d × %d", tt.c, tt.procs, p, per, tt.p, tt.per)
		}
	}
	for c := 1; c <= 300; c++ {
		for procs := 1; procs <= 20; procs++ {
			p, per := procsSplit(c, procs)
			if p*per != c || p < 1 || p > min(procs, c) {
				t.Fatalf("procsSplit(%d, %d) = %d × %d", c, procs, p, per)
			}
		}
	}
}

// TestConcurrencyCase checks the cases the benchmark runs: every strategy's
// model lanes equal c (the requests in flight the name promises, while the
// batch allows it), procs-fanout split into P × c/P.
func TestConcurrencyCase(t *testing.T) {
	srv := func(k int) harness.Server { return harness.Spec{Capacity: k}.Server("", 50*time.Millisecond) }
	for _, ns := range matrixServers() {
		for _, s := range concurrencyStrategies() {
			for _, c := range concurrencies(longCMax) {
				if s == strategy.Sequential && c > 1 {
					continue
				}
				bc := concurrencyCase(s, clients.Cold, c, ns.spec.Capacity, 8)
				if bc.Strategy != s || bc.Conn != clients.Cold || bc.N != concurrencyN(c, ns.spec.Capacity) {
					t.Fatalf("concurrencyCase(%s, c=%d) = %+v", s, c, bc)
				}
				p, err := bc.Params(srv(ns.spec.Capacity))
				if err != nil {
					t.Fatal(err)
				}
				lanes, err := model.Lanes(p)
				if err != nil {
					t.Fatalf("%s c=%d: %v", s, c, err)
				}
				if want := min(c, bc.N); lanes != want {
					t.Errorf("server=%s %s c=%d: %d model lanes, want min(c, n) = %d (%+v)", ns.name, s, c, lanes, want, p)
				}
				if s == strategy.ProcsFanout && (bc.Procs*bc.C != c || bc.Procs != min(8, c)) {
					t.Errorf("procs-fanout c=%d: %d procs × %d, want min(8, c) × c/P", c, bc.Procs, bc.C)
				}
			}
		}
	}
}

// TestVariableServerDelays checks that the harness replays the bundled
// server's draws: the spec's delay is servers.DrawDelay with the server's
// defaults, and a variable-latency ideal differs from the fixed one.
// (config is the settings TestMain checked: -delay 50ms unless given.)
func TestVariableServerDelays(t *testing.T) {
	for _, ns := range matrixServers() {
		delayOf := ns.spec.DelayOf(config.delay)
		if (delayOf == nil) != (ns.spec.Dist == "") {
			t.Fatalf("server=%s: DelayOf nil = %v for dist %q", ns.name, delayOf == nil, ns.spec.Dist)
		}
		for seq := range uint64(50) {
			if delayOf == nil {
				break
			}
			got := delayOf(seq)
			want := servers.DrawDelay(servers.Dist(ns.spec.Dist), config.delay, servers.DefaultSigma, distSeed, seq)
			if got != want {
				t.Fatalf("server=%s: delay(%d) = %v, want %v", ns.name, seq, got, want)
			}
		}
		bc := concurrencyCase(strategy.Fanout, clients.Warm, 16, ns.spec.Capacity, 8)
		srv := ns.spec.Server("", config.delay)
		p, err := bc.Params(srv)
		if err != nil {
			t.Fatal(err)
		}
		fixed, err := model.Ideal(p)
		if err != nil {
			t.Fatal(err)
		}
		one, err := harness.Ideal(bc, srv, []int64{0})
		if err != nil {
			t.Fatal(err)
		}
		three, err := harness.Ideal(bc, srv, []int64{0, int64(bc.N), int64(2 * bc.N)})
		if err != nil {
			t.Fatal(err)
		}
		if ns.spec.Dist == "" {
			if one != fixed || three != fixed {
				t.Errorf("server=%s: ideal %v, %v; want the fixed-delay %v", ns.name, one, three, fixed)
			}
			continue
		}
		if one == fixed || one == three {
			t.Errorf("server=%s: ideal over 1 batch %v, over 3 %v, fixed %v: want the draws to matter", ns.name, one, three, fixed)
		}
	}
}

// The matrix runs the same strategies, in the same order, as the committed
// results files name.
func TestConcurrencyStrategies(t *testing.T) {
	want := []string{strategy.Sequential, strategy.Fanout, strategy.FastHTTP, strategy.ProcsFanout}
	if got := concurrencyStrategies(); !slices.Equal(got, want) {
		t.Errorf("concurrencyStrategies() = %v, want %v", got, want)
	}
}
