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
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/pycrawl"
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
	for _, f := range []strategy.Family{strategy.FamilySeed, strategy.FamilyScale, strategy.FamilyPeers, strategy.FamilyPython, strategy.FamilyCrawl} {
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

// The Python strategies: each in family python only, after every Go
// strategy, with a pyclient kind, a colour of its own, and (for the seed's
// own code) a Go twin of the same model kind whose seed rows it shows
// without repeating them.
func TestPythonStrategies(t *testing.T) {
	colors := map[[4]uint8]string{}
	lastGo, firstPy := -1, -1
	twins := map[string]string{}
	for _, d := range strategy.All() {
		if d.IsCrawlerOnly() {
			continue // TestCrawlerOnly
		}
		if !d.IsPython() {
			lastGo = d.Rank
			if d.In(strategy.FamilyPython) || d.GoTwin != "" {
				t.Errorf("%s: a Go strategy in family python or with a Go twin", d.Name)
			}
			colors[[4]uint8{d.Color.R, d.Color.G, d.Color.B, d.Color.A}] = d.Name
			continue
		}
		if firstPy < 0 {
			firstPy = d.Rank
		}
		if !slices.Equal(d.Families, []strategy.Family{strategy.FamilyPython}) || len(d.Seed) != 0 {
			t.Errorf("%s: families %v, own seed rows %v; want python only and the twin's rows", d.Name, d.Families, d.Seed)
		}
		if !strings.HasPrefix(d.Name, "py-") || d.PyKind.Modules() == nil {
			t.Errorf("%s: want a py- name and a known pyclient kind, got %q", d.Name, d.PyKind)
		}
		c := [4]uint8{d.Color.R, d.Color.G, d.Color.B, d.Color.A}
		if other, ok := colors[c]; ok {
			t.Errorf("%s has the colour of %s", d.Name, other)
		}
		colors[c] = d.Name
		if d.GoTwin == "" {
			if len(d.SeedRows()) != 0 {
				t.Errorf("%s: seed rows %v without a Go twin", d.Name, d.SeedRows())
			}
			continue
		}
		tw, ok := strategy.Lookup(d.GoTwin)
		if !ok || tw.IsPython() || tw.Kind != d.Kind || len(tw.Seed) == 0 {
			t.Errorf("%s: Go twin %q (%+v) missing, Python, of another kind or without seed rows", d.Name, d.GoTwin, tw)
		}
		if !slices.Equal(d.SeedRows(), tw.Seed) {
			t.Errorf("%s: SeedRows %v, want its twin's %v", d.Name, d.SeedRows(), tw.Seed)
		}
		if py, ok := strategy.PythonTwin(d.GoTwin); !ok || py.Name != d.Name {
			t.Errorf("PythonTwin(%s) = %s, %v; want %s", d.GoTwin, py.Name, ok, d.Name)
		}
		twins[d.GoTwin] = d.Name
	}
	if firstPy != lastGo+1 {
		t.Errorf("Python strategies from rank %d, last Go one at %d: want them after every Go strategy", firstPy, lastGo)
	}
	// Every Go strategy with seed rows has the seed's own code beside it.
	for _, d := range strategy.All() {
		if len(d.Seed) > 0 && twins[d.Name] == "" {
			t.Errorf("%s twins seed rows but has no Python twin", d.Name)
		}
	}
	if _, ok := strategy.PythonTwin(strategy.FastHTTP); ok {
		t.Error("PythonTwin(fasthttp) found one")
	}
}

// skipUnlessRuns skips a Python strategy's test, in one line naming the
// package to install, when Debian's python3 cannot run it.
func skipUnlessRuns(t *testing.T, name string) {
	t.Helper()
	if d, _ := strategy.Lookup(name); d.IsPython() {
		if err := pyclient.Check(t.Context(), "", d.PyKind); err != nil {
			t.Skip(err)
		}
	}
}

func TestEveryStrategyRuns(t *testing.T) {
	srv := servertest.Start(t, servers.Config{Delay: 10 * time.Millisecond})
	for _, name := range batchNames() {
		t.Run(name, func(t *testing.T) {
			skipUnlessRuns(t, name)
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
			d, _ := strategy.Lookup(name)
			_, isPool := c.(*procpool.Pool)
			_, isPy := c.(*pyclient.Client)
			if d.IsPython() != isPy || (!isPy && strategy.UsesProcs(name) != isPool) {
				t.Errorf("UsesProcs(%s) = %v, IsPython %v, but New returned a %T", name, strategy.UsesProcs(name), d.IsPython(), c)
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

// batchNames returns the strategies New builds: all but the Python
// crawlers.
func batchNames() []string {
	var out []string
	for _, d := range strategy.All() {
		if !d.IsCrawlerOnly() {
			out = append(out, d.Name)
		}
	}
	return out
}

// The Python crawlers: family crawl only, last, Python, no batch client,
// worker processes exactly for procs-asyncio; the Go crawlers are in
// family crawl too.
func TestCrawlerOnly(t *testing.T) {
	var crawlers []string
	for _, d := range strategy.All() {
		if !d.IsCrawlerOnly() {
			if len(crawlers) > 0 {
				t.Errorf("%s comes after the Python crawlers %v", d.Name, crawlers)
			}
			continue
		}
		crawlers = append(crawlers, d.Name)
		if !slices.Equal(d.Families, []strategy.Family{strategy.FamilyCrawl}) || d.IsPython() || !d.RunsPython() || !strings.HasPrefix(d.Name, "py-crawl-") {
			t.Errorf("%s: families %v, IsPython %v, RunsPython %v: want a py-crawl- name in family crawl only, Python", d.Name, d.Families, d.IsPython(), d.RunsPython())
		}
		if d.Procs != (d.Crawler == pycrawl.ProcsAsyncio) {
			t.Errorf("%s: Procs %v for crawler %s", d.Name, d.Procs, d.Crawler)
		}
		_, err := strategy.New(t.Context(), d.Name, strategy.Options{Client: clients.Config{Targets: []string{"http://127.0.0.1:1/"}}})
		if err == nil || !strings.Contains(err.Error(), "pycrawl") {
			t.Errorf("New(%s) = %v, want an error naming clients/pycrawl", d.Name, err)
		}
	}
	if !slices.Equal(crawlers, []string{strategy.PyCrawlAsyncio, strategy.PyCrawlProcsAsyncio}) {
		t.Errorf("Python crawlers %v", crawlers)
	}
	want := []string{strategy.Sequential, strategy.Fanout, strategy.FastHTTP, strategy.ProcsFanout, strategy.PyCrawlAsyncio, strategy.PyCrawlProcsAsyncio}
	if got := strategy.Names(strategy.FamilyCrawl); !slices.Equal(got, want) {
		t.Errorf("Names(crawl) = %v, want %v", got, want)
	}
}
