// Package breakdown measures where a benchmark batch's time above the
// model's ideal goes (-breakdown): client, server and worker CPU,
// run-queue (scheduler) delay of every thread, procpool pipe time, how
// late the server's delay timers fire, connect time and GC pauses. A
// Collector implements harness.Collector; with none set nothing of this
// runs.
//
// Attribution. CPU on shared cores is not additive to wall time, so the
// parts that add up to the excess are critical-path estimates, per batch:
//
//	bd-timer-late-ns  mean timer lateness × waves (the sleeps in a row on
//	                  the slowest lane: ⌈n / lanes⌉)
//	bd-cpu-path-ns    (client + server + worker CPU) / min(cores, lanes):
//	                  the CPU work spread over the cores it can use
//	bd-ipc-ns         the pipe time of each batch's last work message
//	bd-connect-ns     cold: a probed loopback connect × waves; warm: 0
//	bd-gc-ns          the client's stop-the-world GC pauses
//	bd-residual-ns    excess-ns − the five above, as measured: negative
//	                  when parts overlap (a timer fires late because the
//	                  cores are busy with the CPU counted in bd-cpu-path-ns)
//
// Beside them, not in the sum: bd-client-cpu-ns, bd-client-sys-ns,
// bd-server-cpu-ns, bd-worker-cpu-ns, bd-sched-ns (time every thread of
// client, server and workers was runnable but not running,
// /proc/<pid>/task/*/schedstat), bd-go-sched-ns (the client runtime's
// /sched/latencies:seconds), bd-ipc-total-ns and bd-timer-late-max-ns.
package breakdown
