package model_test

import (
	"fmt"
	"time"

	"github.com/crawlbench/crawlbench/bench/model"
)

// Example prints the ideal times of the seed's experiment (d = 3 s, threaded
// server) and of fan-out against a server of 8 slots. A benchmark divides its
// measured wall time by these to get overhead-x.
func Example() {
	d := 3 * time.Second
	for _, p := range []model.Params{
		{Kind: model.Sequential, N: 100, Delay: d},
		{Kind: model.FakeAsync, N: 5, Delay: d},
		{Kind: model.Fanout, N: 100, Delay: d, C: 100},
		{Kind: model.PoolEven, N: 100, Delay: d, P: 8},
		{Kind: model.PoolChunked, N: 100, Delay: d, P: 8},
		{Kind: model.ProcsFanout, N: 100, Delay: d, P: 8, C: 16},
		{Kind: model.Fanout, N: 100, Delay: d, K: 8},
	} {
		ideal, err := model.Ideal(p)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-12s N=%-3d P=%d C=%-3d K=%d: %v\n", p.Kind, p.N, p.P, p.C, p.K, ideal)
	}
	// Output:
	// Sequential   N=100 P=0 C=0   K=0: 5m0s
	// FakeAsync    N=5   P=0 C=0   K=0: 15s
	// Fanout       N=100 P=0 C=100 K=0: 3s
	// PoolEven     N=100 P=8 C=0   K=0: 39s
	// PoolChunked  N=100 P=8 C=0   K=0: 48s
	// ProcsFanout  N=100 P=8 C=16  K=0: 3s
	// Fanout       N=100 P=0 C=0   K=8: 39s
}
