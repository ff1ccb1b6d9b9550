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

// The registry is consistent: unique names, Rank its index, worker
// processes exactly where the model's kind reads P, every family and every
// seed row present once.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	rows := map[int]string{}
	families := map[strategy.Family]int{}
	for i, d := range strategy.All() {
		if d.Name == "" || seen[d.Name] || strings.TrimSpace(strings.ToLower(d.Name)) != d.Name {
			t.Errorf("entry %d: name %q empty, repeated or not lower case", i, d.Name)
		}
		seen[d.Name] = true
		if d.Rank != i {
			t.Errorf("%s: Rank %d, want %d", d.Name, d.Rank, i)
		}
		if d.Procs != d.Kind.UsesProcs() {
			t.Errorf("%s: Procs %v but model kind %v UsesProcs %v", d.Name, d.Procs, d.Kind, d.Kind.UsesProcs())
		}
		if len(d.Families) == 0 {
			t.Errorf("%s: no family", d.Name)
		}
		for _, f := range d.Families {
			families[f]++
		}
		for _, tw := range d.Seed {
			if other, ok := rows[tw.Row]; ok {
				t.Errorf("SEED.md row %d twinned by %s and %s", tw.Row, other, d.Name)
			}
			rows[tw.Row] = d.Name
		}
		if got, ok := strategy.Lookup(d.Name); !ok || got.Name != d.Name || got.Rank != i {
			t.Errorf("Lookup(%s) = %+v, %v", d.Name, got, ok)
		}
		if _, err := model.Ideal(d.Params(10, time.Millisecond, 2, 2)); err != nil {
			t.Errorf("%s: the model has no ideal: %v", d.Name, err)
		}
	}
	for _, f := range []strategy.Family{strategy.FamilySeed, strategy.FamilyScale, strategy.FamilyPeers} {
		if families[f] == 0 {
			t.Errorf("family %s has no strategy", f)
		}
	}
	// The seed's rows 1 and 3 to 8 have a twin; row 2 is a TypeError in Go.
	if len(rows) != 7 || rows[2] != "" {
		t.Errorf("seed rows twinned: %v, want 1 and 3..8", rows)
	}
	if _, ok := strategy.Lookup("threads"); ok {
		t.Error("Lookup(threads) found a strategy")
	}
	if got := strategy.Names(strategy.FamilyPeers); !slices.Equal(got, []string{strategy.Fanout, strategy.FastHTTP}) {
		t.Errorf("Names(peers) = %v", got)
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
			if _, isPool := c.(*procpool.Pool); strategy.UsesProcs(name) != isPool {
				t.Errorf("UsesProcs(%s) = %v, but New returned a %T", name, strategy.UsesProcs(name), c)
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
