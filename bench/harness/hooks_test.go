package harness

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// TestOptionsClientAndIdeal checks the two hooks bench/network uses: Client
// changes the client's configuration (here its target: without the hook
// every request goes to a refused port and fails), and Ideal replaces the
// model's ideal, which ideal-ns and overhead-x then report.
func TestOptionsClientAndIdeal(t *testing.T) {
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		_, _ = w.Write([]byte("ok"))
	}))
	defer good.Close()
	const ideal = 7 * time.Millisecond
	var sawKind model.Kind
	res := testing.Benchmark(func(b *testing.B) {
		srv := Server{URLs: []string{"http://127.0.0.1:1/"}, Delay: time.Millisecond}
		testRunner.Run(b, srv, Case{Strategy: strategy.Fanout, Conn: clients.Warm, N: 2, C: 2}, Options{
			Timeout: 10 * time.Second, Warmup: NoWarmup,
			Client: func(cfg *clients.Config) { cfg.Targets = []string{good.URL + "/"} },
			Ideal: func(p model.Params) (time.Duration, error) {
				sawKind = p.Kind
				return ideal, nil
			},
		})
	})
	if res.N == 0 {
		t.Fatal("the benchmark failed (did the Client hook not set the target?)")
	}
	if got := res.Extra["ideal-ns"]; got != float64(ideal.Nanoseconds()) {
		t.Errorf("ideal-ns %g, want the hook's %d", got, ideal.Nanoseconds())
	}
	if got := res.Extra["errors"]; got != 0 {
		t.Errorf("%g errors, want 0 (the hook's target)", got)
	}
	if sawKind != model.Fanout {
		t.Errorf("Ideal hook saw kind %v, want Fanout", sawKind)
	}
}
