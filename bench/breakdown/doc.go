// Package breakdown measures where a benchmark batch's time above the
// model's ideal goes (-breakdown). A Collector implements
// harness.Collector; with none set nothing of this runs.
//
// Attribution. CPU on shared cores is not additive to wall time, so the
// parts that add up to the excess (excess-ns = measured − ideal, per
// batch) are the phases of the batch's critical path, in wall time, each
// measured, none a plug:
//
//	bd-harness-ns      the timed loop's time outside the client's Run
//	bd-ipc-ns          procpool: the pipe time of each batch's last work
//	                   message (round trip minus the worker's own Wall)
//	bd-connect-ns      cold: a probed loopback connect per server burst
//	                   (the first request's connect precedes the burst)
//	bd-arrival-ns      the server's burst, from its first request's entry
//	                   to the entry of the request whose delay expires last
//	                   (the critical one): the time to get the batch to the
//	                   server; delays beyond the ideal's (waves inside one
//	                   burst) count here too
//	bd-server-pre-ns   the critical request's handler time before its delay
//	bd-timer-late-ns   its delay's expiry → the burst's last wake-up
//	bd-server-post-ns  → the burst's last handler exit
//	bd-residual-ns     excess-ns − the seven above, as measured: the
//	                   client's time outside the server's burst that IPC
//	                   and connect do not explain (the first request's
//	                   send, the last responses' flush, loopback and read)
//
// The server's parts come from its /_stats (servers.Stats.Burst*), whose
// burst span is split exactly; a group's are averaged over its processes.
//
// Beside them, not in the sum (CPU and waits overlap the phases):
// bd-cpu-path-ns ((client + server + worker CPU) / min(cores, lanes)),
// bd-gc-ns (the client's stop-the-world GC pauses), bd-client-cpu-ns,
// bd-client-sys-ns, bd-server-cpu-ns, bd-worker-cpu-ns, bd-sched-ns (time
// every thread of client, server and workers was runnable but not
// running, /proc/<pid>/task/*/schedstat), bd-go-sched-ns (the client
// runtime's /sched/latencies:seconds, a sum over goroutine wake-ups),
// bd-ipc-total-ns, bd-timer-late-max-ns, bd-timer-late-mean-ns,
// bd-handler-mean-ns (per request) and bd-bursts (per batch and server).
package breakdown
