package network

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

// calN and calC are the calibration's requests per batch and in flight
// (few, so that the cores are not saturated and CPU is not queued).
const (
	calN = 200
	calC = hsC
)

// setupKind is what a new connection sets up: a TLS version, and whether
// it resumes a session.
type setupKind struct {
	sec     model.Security
	resumed bool
}

func (k setupKind) String() string {
	if k.resumed {
		return k.sec.String() + "-resumed"
	}
	return k.sec.String()
}

// cpuCal is one set-up kind's calibration: the CPU of a new connection
// beyond a request (the model's ConnCPU) and of a request on a warm
// connection (its ReqCPU), client and server.
type cpuCal struct {
	conn model.ConnCPU
	req  model.ReqCPU
}

// reqKind returns the kind whose warm requests a row over p makes: its
// security, not resumed (a warm request resumes nothing).
func reqKind(p Proto) setupKind { return setupKind{p.Security(), false} }

// rowKind returns the set-up a row over p with conn makes, and false for a
// warm row (no set-up in the timed batches).
func rowKind(p Proto, conn Conn) (setupKind, bool) {
	if conn == Warm {
		return setupKind{}, false
	}
	return setupKind{p.Security(), conn == Resumed}, true
}

// calibrationKinds returns the set-ups BenchmarkNetwork's rows make, in a
// fixed order.
func calibrationKinds(protos []Proto, conns []Conn) []setupKind {
	var out []setupKind
	for _, sec := range []model.Security{model.Plain, model.TLS12, model.TLS13} {
		for _, resumed := range []bool{false, true} {
			k := setupKind{sec, resumed}
			for _, p := range protos {
				for _, c := range conns {
					rk, ok := rowKind(p, c)
					if !ok {
						rk = reqKind(p)
					}
					if c.Applies(p) && rk == k && !containsKind(out, k) {
						out = append(out, k)
					}
				}
			}
		}
	}
	return out
}

func containsKind(ks []setupKind, k setupKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// runsNetwork reports whether the -bench pattern selects BenchmarkNetwork.
func runsNetwork(bench string) bool {
	first, _, _ := strings.Cut(bench, "/")
	re, err := regexp.Compile(first)
	return err == nil && re.MatchString("BenchmarkNetwork")
}

// calibrate measures, for each kind on loopback, the CPU per request on a
// warm connection and the set-up CPU (cold minus warm per request), client
// and server, on cores cores.
func calibrate(ctx context.Context, kinds []setupKind, cores int) (map[setupKind]cpuCal, error) {
	out := map[setupKind]cpuCal{}
	for _, k := range kinds {
		cpu, err := calibrateKind(ctx, k, cores)
		if err != nil {
			return nil, fmt.Errorf("calibrating %v: %w", k, err)
		}
		out[k] = cpu
	}
	return out, nil
}

// calibrateKind starts a loopback slowserver for k and measures a warm and
// a cold batch of calN requests, calC at a time.
func calibrateKind(ctx context.Context, k setupKind, cores int) (cpuCal, error) {
	p := map[model.Security]Proto{model.Plain: H1, model.TLS12: H1TLS12, model.TLS13: H1TLS13}[k.sec]
	dir, err := os.MkdirTemp("", "crawlbench-calibrate-")
	if err != nil {
		return cpuCal{}, err
	}
	defer os.RemoveAll(dir)
	certFile := filepath.Join(dir, "cert.pem")
	args := append([]string{"-addr", "127.0.0.1:0", "-delay", hsDelay.String(), "-shutdown-timeout", "1s"}, p.ServerArgs(certFile, 0)...)
	if k.sec != model.Plain && !k.resumed {
		args = append(args, "-tls-resume=false")
	}
	srv, err := serverproc.Start(ctx, args)
	if err != nil {
		return cpuCal{}, err
	}
	defer func() { _ = srv.Stop() }()
	var pem []byte
	if k.sec != model.Plain {
		if pem, err = os.ReadFile(certFile); err != nil {
			return cpuCal{}, fmt.Errorf("the server's certificate: %w", err)
		}
	}
	per := func(cold bool) (client, server time.Duration, err error) {
		tr := &http.Transport{
			TLSClientConfig:     clients.Config{RootCAs: pem, TLSResume: k.resumed}.TLSConfig(),
			DisableKeepAlives:   cold,
			MaxIdleConnsPerHost: calC,
		}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		if err := calBatch(ctx, hc, srv.URL+"/", 2*calC); err != nil { // pool, session cache
			return 0, 0, err
		}
		c0, s0, err := cpuNow(srv.Pid())
		if err != nil {
			return 0, 0, err
		}
		if err := calBatch(ctx, hc, srv.URL+"/", calN); err != nil {
			return 0, 0, err
		}
		c1, s1, err := cpuNow(srv.Pid())
		if err != nil {
			return 0, 0, err
		}
		return (c1 - c0) / calN, (s1 - s0) / calN, nil
	}
	wc, ws, err := per(false)
	if err != nil {
		return cpuCal{}, fmt.Errorf("warm batch: %w", err)
	}
	cc, cs, err := per(true)
	if err != nil {
		return cpuCal{}, fmt.Errorf("cold batch: %w", err)
	}
	return cpuCal{
		conn: model.ConnCPU{Client: max(0, cc-wc), Server: max(0, cs-ws), Cores: cores},
		req:  model.ReqCPU{Client: wc, Server: ws},
	}, nil
}

// cpuNow returns this process's CPU time (getrusage, µs) and the server
// process pid's (its threads' schedstat, ns: /proc/<pid>/stat's 10 ms
// ticks are too coarse for a request's tens of µs).
func cpuNow(pid int) (client, server time.Duration, err error) {
	if client, err = usage.SelfCPU(); err != nil {
		return 0, 0, err
	}
	st, err := usage.ReadSched(pid)
	if err != nil {
		return 0, 0, err
	}
	return client, st.Run, nil
}

// calBatch issues n GETs to url, calC at a time; any failure is an error.
func calBatch(ctx context.Context, hc *http.Client, url string, n int) error {
	sem := make(chan struct{}, calC)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
		first  error
	)
	for range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := calGet(ctx, hc, url)
			if err != nil {
				mu.Lock()
				failed++
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed > 0 {
		return fmt.Errorf("%d of %d requests failed: %w", failed, n, first)
	}
	return nil
}

func calGet(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

// connCPULine formats the calibration as the conn-cpu configuration line's
// value.
func connCPULine(kinds []setupKind, cal map[setupKind]cpuCal, cores int) string {
	us := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	var parts []string
	for _, k := range kinds {
		c := cal[k]
		parts = append(parts, fmt.Sprintf("%v %v+%v warm %v+%v", k, us(c.conn.Client), us(c.conn.Server), us(c.req.Client), us(c.req.Server)))
	}
	return fmt.Sprintf("%s (client+server CPU per new connection: cold − warm per request; warm: per request on a warm connection; loopback, %d requests %d at a time; %d cores)",
		strings.Join(parts, ", "), calN, calC, cores)
}
