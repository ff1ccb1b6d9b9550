package strategy_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/procpool"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servertest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if procpool.IsWorker() {
		os.Exit(procpool.WorkerMain())
	}
	goleak.VerifyTestMain(m, leaktest.FastHTTPCleaners()...)
}

// The registry and the model must name the same strategies, in the same
// order, or a benchmark would look up an ideal that does not exist.
func TestNamesMatchModel(t *testing.T) {
	var want []string
	for _, s := range model.Strategies() {
		want = append(want, string(s))
	}
	if got := strategy.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, model.Strategies() = %v", got, want)
	}
}

func TestEveryStrategyRuns(t *testing.T) {
	srv := servertest.Start(t, servers.Config{Delay: 10 * time.Millisecond})
	for _, name := range strategy.Names() {
		t.Run(name, func(t *testing.T) {
			c, err := strategy.New(t.Context(), name, strategy.Options{
				Client: clients.Config{Targets: []string{srv.URL}, Concurrency: 2},
				Procs:  2,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Name() != name {
				t.Errorf("Name() = %q, want %q", c.Name(), name)
			}
			res, err := c.Run(t.Context(), 4)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK != 4 || res.Strategy != name {
				t.Errorf("got %v, want 4 ok from %s", res, name)
			}
			if strategy.UsesProcs(name) != slices.Contains(procpool.Names(), name) {
				t.Errorf("UsesProcs(%s) disagrees with procpool.Names()", name)
			}
		})
	}
}

func TestUnknownStrategy(t *testing.T) {
	_, err := strategy.New(t.Context(), "threads", strategy.Options{Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}})
	if err == nil || !strings.Contains(err.Error(), `"threads"`) || !strings.Contains(err.Error(), "fanout") {
		t.Fatalf("New(threads) = %v, want an error naming it and listing the strategies", err)
	}
}
