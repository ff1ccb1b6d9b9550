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
					if rk, ok := rowKind(p, c); ok && c.Applies(p) && rk == k && !containsKind(out, k) {
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

// calibrate measures the set-up CPU of each kind on loopback (cold minus
// warm CPU per request, client and server), the model's ConnCPU on cores
// cores.
func calibrate(ctx context.Context, kinds []setupKind, cores int) (map[setupKind]model.ConnCPU, error) {
	out := map[setupKind]model.ConnCPU{}
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
func calibrateKind(ctx context.Context, k setupKind, cores int) (model.ConnCPU, error) {
	p := map[model.Security]Proto{model.Plain: H1, model.TLS12: H1TLS12, model.TLS13: H1TLS13}[k.sec]
	dir, err := os.MkdirTemp("", "crawlbench-calibrate-")
	if err != nil {
		return model.ConnCPU{}, err
	}
	defer os.RemoveAll(dir)
	certFile := filepath.Join(dir, "cert.pem")
	args := append([]string{"-addr", "127.0.0.1:0", "-delay", hsDelay.String(), "-shutdown-timeout", "1s"}, p.ServerArgs(certFile, 0)...)
	if k.sec != model.Plain && !k.resumed {
		args = append(args, "-tls-resume=false")
	}
	srv, err := serverproc.Start(ctx, args)
	if err != nil {
		return model.ConnCPU{}, err
	}
	defer func() { _ = srv.Stop() }()
	var pem []byte
	if k.sec != model.Plain {
		if pem, err = os.ReadFile(certFile); err != nil {
			return model.ConnCPU{}, fmt.Errorf("the server's certificate: %w", err)
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
		return model.ConnCPU{}, fmt.Errorf("warm batch: %w", err)
	}
	cc, cs, err := per(true)
	if err != nil {
		return model.ConnCPU{}, fmt.Errorf("cold batch: %w", err)
	}
	return model.ConnCPU{Client: max(0, cc-wc), Server: max(0, cs-ws), Cores: cores}, nil
}

// cpuNow returns this process's CPU time and the server process pid's.
func cpuNow(pid int) (client, server time.Duration, err error) {
	if client, err = usage.SelfCPU(); err != nil {
		return 0, 0, err
	}
	st, err := usage.ReadProc(pid)
	if err != nil {
		return 0, 0, err
	}
	return client, st.CPU, nil
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
func connCPULine(kinds []setupKind, cal map[setupKind]model.ConnCPU, cores int) string {
	var parts []string
	for _, k := range kinds {
		c := cal[k]
		parts = append(parts, fmt.Sprintf("%v %v+%v", k, c.Client.Round(time.Microsecond), c.Server.Round(time.Microsecond)))
	}
	return fmt.Sprintf("%s (client+server CPU per new connection: cold − warm per request, loopback, %d requests %d at a time; %d cores)",
		strings.Join(parts, ", "), calN, calC, cores)
}
