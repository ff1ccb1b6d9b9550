// Package breakdown measures where a benchmark batch's time above the
// model's ideal goes (-breakdown): the harness's own time, the client's
// time around its requests, procpool pipe time, connect time, the
// server's handler time and how late its delay timers fire; beside them
// client, server and worker CPU, run-queue (scheduler) delay of every
// thread and GC pauses. A Collector implements harness.Collector; with
// none set nothing of this runs.
//
// Attribution. CPU on shared cores is not additive to wall time, so the
// parts that add up to the excess (excess-ns = measured − ideal, per
// batch) are phases of the batch's critical path, in wall time:
//
//	bd-harness-ns     the timed loop's time outside the client's Run
//	bd-gap-ns         the client's Run beyond the critical-path latency
//	                  (the largest when the batch is one wave, else waves ×
//	                  the mean): dispatching and collecting, minus the pipes
//	bd-ipc-ns         the pipe time of each batch's last work message
//	bd-connect-ns     cold: a probed loopback connect × waves; warm: 0
//	bd-server-ns      the handler's mean time before and after its delay ×
//	                  waves (waves = ⌈n / lanes⌉, the sleeps in a row)
//	bd-timer-late-ns  the mean timer lateness × waves
//	bd-residual-ns    excess-ns − the six above, as measured: the latency
//	                  above d that the server's handler does not see
//	                  (loopback, net/http reading and flushing, the client
//	                  reading the response) and the tail above the mean;
//	                  negative where a part overestimates
//
// Beside them, not in the sum (CPU and waits overlap the phases):
// bd-cpu-path-ns ((client + server + worker CPU) / min(cores, lanes)),
// bd-gc-ns (the client's stop-the-world GC pauses), bd-client-cpu-ns,
// bd-client-sys-ns, bd-server-cpu-ns, bd-worker-cpu-ns, bd-sched-ns (time
// every thread of client, server and workers was runnable but not
// running, /proc/<pid>/task/*/schedstat), bd-go-sched-ns (the client
// runtime's /sched/latencies:seconds, a sum over goroutine wake-ups),
// bd-ipc-total-ns and bd-timer-late-max-ns.
package breakdown
