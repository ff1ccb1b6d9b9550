// Package breakdown measures where a benchmark batch's time above the
// model's ideal goes (-breakdown). A Collector implements
// harness.Collector and harness.BatchRunner (it runs each timed batch,
// stamping and tracing it); with none set nothing of this runs.
//
// Attribution. CPU on shared cores is not additive to wall time, so the
// parts that add up to the excess (excess-ns = measured − ideal, per
// batch) are the phases of the batch's timeline, in wall time, each
// measured, in order:
//
//	bd-harness-ns      the timed loop's time outside the batch (RunBatch)
//	bd-connect-ns      cold: a probed loopback connect per server burst
//	                   (the first request's connect precedes the burst)
//	bd-client-send-ns  batch start → the server's first arrival, less
//	                   connect (and a share of IPC, below)
//	bd-arrival-ns      the server's burst, from its first request's entry
//	                   to the entry of the request whose delay expires last
//	                   (the critical one); delays beyond the ideal's
//	                   (waves inside one burst) count here too
//	bd-server-pre-ns   the critical request's handler time before its delay
//	bd-timer-late-ns   its delay's expiry → the burst's last wake-up
//	bd-server-post-ns  → the burst's last handler exit
//	bd-return-ns       → the client's last response: net/http, its first
//	                   byte (httptrace GotFirstResponseByte); fasthttp, read
//	                   in full (clients.DoTrace); worker strategies, the
//	                   batch's end (their workers are not traced)
//	bd-ipc-ns          procpool: the pipe time of each batch's last work
//	                   message (round trip minus the worker's own Wall),
//	                   taken out of send and return in proportion to their
//	                   lengths (its split between the two is not measured)
//	bd-client-read-ns  → the batch's end (the rest of the read, the
//	                   fan-out's join, the Result)
//	bd-residual-ns     excess-ns − the parts, as computed
//
// The client's stamps and the server's burst entries are on one clock,
// CLOCK_MONOTONIC (internal/monoclock), and are added up over the batches
// (servers.Stats.BurstFirstMonoNS); they are placed against each other
// only with exactly one burst per batch and server process (bd-bursts =
// 1: a batch of one wave). Then the parts tile each batch and the
// residual is the rounding of the averages; a clock or attribution error
// would show as a negative send or return. With waves (several bursts per
// batch) send, return and read are 0 and the residual holds the client's
// side, as measured. A group's server parts are averaged over its processes.
//
// Beside them, not in the sum (CPU and waits overlap the phases):
// bd-client-write-ns (batch start → its last request written, net/http,
// or issued, fasthttp), bd-cpu-path-ns ((client + server + worker CPU) /
// min(cores, lanes)), bd-gc-ns (the client's stop-the-world GC pauses),
// bd-client-cpu-ns, bd-client-sys-ns, bd-server-cpu-ns, bd-worker-cpu-ns,
// bd-sched-ns (time every thread of client, server and workers was
// runnable but not running, /proc/<pid>/task/*/schedstat), bd-go-sched-ns
// (the client runtime's /sched/latencies:seconds, a sum over goroutine
// wake-ups), bd-ipc-total-ns, bd-timer-late-max-ns, bd-timer-late-mean-ns,
// bd-handler-mean-ns (per request) and bd-bursts (per batch and server).
package breakdown
