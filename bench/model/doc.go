// Package model computes the ideal, zero-overhead wall time of each client
// strategy of the crawlbench suite, so that benchmarks can report an overhead
// factor: overhead-x = measured ÷ ideal.
//
// # The model
//
// A batch is N requests to a server that answers each one after a fixed delay
// d and serves at most K requests at once (K = 0: unlimited, like Flask with
// threaded=True; K = 1: Flask without it). Requests beyond K wait in a FIFO
// queue. The client is a set of lanes (threads of control) that each keep at
// most one request in flight and issue the next one the instant the previous
// one completes: no connection set-up, scheduling or parsing cost. Lanes take
// their work from task lists (Group): sequential and fake-async have one lane;
// fanout and fasthttp min(C, N) lanes on one list; pool-even one lane per
// worker on its own even share; pool-chunked P lanes taking chunks of
// ChunkSize(N, P) from one list, as Python's Pool.map hands chunks to the next
// free worker; procs-fanout one list per process (an even share) with
// min(C, share) lanes each. Params.Kind names that shape (a Kind, not a
// strategy's name): package clients/strategy maps each strategy to one.
//
// Since every service takes exactly d, every event happens at a multiple of
// d, and Makespan simulates the schedule exactly, round by round, in
// O(N + lanes) time. Ideal multiplies the rounds by d. ClosedForm gives the
// formulas for the cases that have one; the tests check them against the
// simulation.
//
// # The seed's numbers (d = 3 s, K unlimited)
//
//	sequential,   N = 100:               100 × 3 s        = 300 s (measured 305.17 s)
//	fake-async,   N = 5:                 5 × 3 s          =  15 s (measured 15.13 s)
//	fanout,       N = 5 or 100, C = N:   ⌈N / N⌉ × 3 s    =   3 s (measured 3.02 s, 3.11 s)
//	pool-chunked, N = 100, P = 8:        chunks of ⌈100/32⌉ = 4, 25 chunks of 12 s
//	                                     in ⌈25 / 8⌉ = 4 waves = 48 s (measured 48.17 s)
//	pool-even,    N = 100, P = 8:        ⌈100 / 8⌉ × 3 s  =  39 s (the bound without chunking)
//	procs-fanout, N = 100, P = 8, C = 16: shares of 13 ≤ 16, so 3 s (measured 3.12 s)
//
// With a limited server the bottleneck moves there: fanout with N = 100 and
// K = 1 takes 300 s like sequential, and with K = 8 it takes ⌈100/8⌉ × 3 s =
// 39 s. A client limit binds the same way: C = 4, K = 64 gives 25 × 3 s = 75 s.
//
// Ties are broken deterministically: requests issued at the same instant queue
// behind those already waiting, in the order of the completions that released
// them; at time 0 in group order, then lane order. When K is smaller than the
// number of lanes another tie order could shift the makespan; Bounds holds
// for every order.
//
// # Variable delays
//
// IdealDelays (and MakespanDelays under it) drops the fixed delay: the
// request with index j is served in delay(j), as the bundled slow server
// does with a delay distribution (servers.DrawDelay of the index the client
// sends with each request). Indices number a batch's requests the way the
// clients do, by lane group and unit (a worker's share, a chunk) rather
// than by arrival, so the ideal does not depend on the racy arrival order
// of concurrent requests. IdealBatches averages it over a benchmark's
// batches. It is an event-driven simulation of the same lanes and FIFO
// slots in O(N log L) time, and gives exactly Ideal for a constant delay.
package model
