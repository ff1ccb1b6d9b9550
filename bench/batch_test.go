package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/bench/model"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// batchGoroutinesPerProc is procs-fanout's goroutines per worker in
// BenchmarkBatch: aiomultiprocess's default of 16 coroutines per process,
// as in BenchmarkSeed.
const batchGoroutinesPerProc = seedGoroutinesPerProc

// batchSizes returns the batch sizes n of BenchmarkBatch for strategy s:
// 1, 10, 100 and 1000 requests, except that the strategies whose batch
// takes n × d (sequential and fake-async) stop at 100 unless long (1000 ×
// 50 ms would be 50 s per iteration).
func batchSizes(s string, long bool) []int {
	ns := []int{1, 10, 100, 1000}
	if k := kindOf(s); !long && (k == model.Sequential || k == model.FakeAsync) {
		return ns[:3]
	}
	return ns
}

// batchCase returns the harness.Case of strategy s at batch size n: warm
// connections; fanout and fasthttp with every request at once (c = 0);
// the worker strategies with procs processes, procs-fanout with 16
// goroutines per process.
func batchCase(s string, n, procs int) harness.Case {
	bc := harness.Case{Strategy: s, Conn: clients.Warm, N: n}
	if strategy.UsesProcs(s) {
		bc.Procs = procs
	}
	if kindOf(s) == model.ProcsFanout {
		bc.C = batchGoroutinesPerProc
	}
	return bc
}

// BenchmarkBatch measures the wall time of one batch against its size n,
// for every strategy, against the unlimited server with warm connections:
// BenchmarkBatch/server=unlimited/strategy=S/conn=warm/n=N with n = 1, 10,
// 100, 1000 (sequential and fake-async, which take n × d, only up to 100
// unless -long). fanout and fasthttp issue the whole batch at once (c = 0),
// the worker strategies use P = -procs processes, procs-fanout with 16
// goroutines each (aiomultiprocess's default). The plots package draws
// sec/op against n with the model's ideal (ideal-ns) dashed.
//
// With -server flask, flask-single or lean the same cases run against the
// seed's Flask app or the lean server, named server=NAME; against flask-single, which serves
// one request at a time, n stops at 100 (1,000 × d would be 50 s a batch).
func BenchmarkBatch(b *testing.B) {
	name := "unlimited"
	if config.server.Fixed() {
		name = string(config.server)
	}
	b.Run("server="+name, func(b *testing.B) {
		srv := startServer(b, harness.BundledSpec(config.server))
		for _, s := range strategy.Names(strategy.FamilySeed) {
			b.Run("strategy="+s, func(b *testing.B) {
				b.Run("conn="+clients.Warm.String(), func(b *testing.B) {
					for _, n := range batchSizes(s, config.matrix.long) {
						if config.server == harness.ServerFlaskSingle && n > 100 {
							continue
						}
						b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
							runCase(b, srv, batchCase(s, n, config.procs))
						})
					}
				})
			})
		}
	})
}

func TestBatchSizes(t *testing.T) {
	for _, s := range strategy.Names(strategy.FamilySeed) {
		want := []int{1, 10, 100, 1000}
		if s == strategy.Sequential || s == strategy.FakeAsync {
			want = want[:3]
		}
		if got := batchSizes(s, false); !slices.Equal(got, want) {
			t.Errorf("batchSizes(%s, false) = %v, want %v", s, got, want)
		}
		if got := batchSizes(s, true); !slices.Equal(got, []int{1, 10, 100, 1000}) {
			t.Errorf("batchSizes(%s, true) = %v, want up to 1000", s, got)
		}
	}
}

// TestBatchCase checks the cases against the model: fanout and fasthttp
// hold the whole batch in flight (one round), procs-fanout P × 16, and the
// n × d strategies stay within 100 × d without -long.
func TestBatchCase(t *testing.T) {
	srv := harness.Spec{}.Server("", 50*time.Millisecond)
	for _, s := range strategy.Names(strategy.FamilySeed) {
		for _, n := range batchSizes(s, false) {
			bc := batchCase(s, n, 8)
			if bc.Conn != clients.Warm || bc.N != n {
				t.Fatalf("batchCase(%s, %d) = %+v", s, n, bc)
			}
			p, err := bc.Params(srv)
			if err != nil {
				t.Fatal(err)
			}
			lanes, err := model.Lanes(p)
			if err != nil {
				t.Fatalf("%s n=%d: %v", s, n, err)
			}
			rounds, err := model.IdealRounds(p)
			if err != nil {
				t.Fatal(err)
			}
			switch s {
			case strategy.Fanout, strategy.FastHTTP:
				if lanes != n || rounds != 1 {
					t.Errorf("%s n=%d: %d lanes, %d rounds; want all %d at once", s, n, lanes, rounds, n)
				}
			case strategy.ProcsFanout:
				if bc.Procs != 8 || bc.C != 16 || lanes != min(n, 8*16) {
					t.Errorf("procs-fanout n=%d: %+v, %d lanes; want 8 procs × 16", n, bc, lanes)
				}
			case strategy.Sequential, strategy.FakeAsync:
				if rounds > 100 {
					t.Errorf("%s n=%d: %d rounds without -long", s, n, rounds)
				}
			}
		}
	}
}
