// Package openloop holds the open-loop benchmarks (issue 13), each against
// a server in its own process:
//
//   - BenchmarkOpenLoop: the latency hockey stick. A slowserver of
//     capacity k and delay d (k8, k64) under a constant or Poisson
//     schedule at 10 % to 150 % of k / d, from an in-process fan-out
//     (fanout, fasthttp) or worker processes (procs-fanout); corrected and
//     uncorrected percentiles beside the exact FIFO model's
//     (model.QueueOpenLoop over the same schedule).
//   - BenchmarkStall: wrk2's experiment. The server is paused (SIGSTOP)
//     for a known window; a closed loop of c lanes and an open loop at the
//     same mean rate c / d, corrected and uncorrected, beside model.Stall.
//   - BenchmarkPacer: the pacer's accuracy against a fast unlimited
//     server: schedule lag and achieved ÷ target rate, up to tens of
//     thousands of requests per second, with vegeta (a pinned go tool) at
//     the same rates under strategy=vegeta.
//
// Every cell reports the same metric names (Report); a failed request of
// any kind fails the cell, naming the counts by kind.
package openloop
