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
//	bd-client-gap-ns   waves: a wave's last response → the next wave's
//	                   first request (the client's own turnaround: the
//	                   rest of the read, its loop, the next request's
//	                   set-up), added up over the batch's waves; or,
//	                   bursts placed one by one, the server's idle
//	                   time between them
//	bd-ipc-ns          procpool: the pipe time of each batch's last work
//	                   message (round trip minus the worker's own Wall),
//	                   taken out of send and return in proportion to their
//	                   lengths (its split between the two is not measured);
//	                   placed burst by burst, out of send, gap and return,
//	                   at most all of them (the rest overlapped a burst)
//	bd-client-read-ns  → the batch's end (the rest of the read, the
//	                   fan-out's join, the Result)
//	bd-residual-ns     excess-ns − the parts, as computed
//
// The client's stamps and the server's burst entries are on one clock,
// CLOCK_MONOTONIC (internal/monoclock), and are added up over the batches
// (servers.Stats.BurstFirstMonoNS); they are placed against each other
// only where each client wave holds one server burst. A client wave
// (waves.go) runs from a traced request's start with none in flight to
// the answer of its last one in flight; every burst lies inside one wave,
// so as many waves as bursts (bd-client-waves = bd-bursts) means one each.
// That holds for batches of one burst per server process (bd-bursts = 1)
// and for sequential and fake-async (a burst per request); then send is
// the batch start → the first arrival plus each later wave's start → its
// burst's first arrival, return each burst's last exit → its wave's end,
// and the parts tile each batch, the residual the rounding of the
// averages; a clock or attribution error would show as a negative send or
// return. Other batches of one server process (worker pools, whose
// workers run requests one after the other; pipelined waves, concurrency
// c < n) are placed burst by burst: Stop reads the server's latest
// bursts (GET /_stats/bursts, servers.BurstRingSize of them, each's first
// entry, last exit and parts) and gives each batch those that began in
// it; then send is the batch start → its first burst's first entry, gap
// the idle time between its bursts (the client's turnaround while the
// server had nothing), return the last burst's last exit → the last
// response (→ the batch's end, untraced), read the rest, and the server's
// parts the bursts' own, so again the parts tile each batch. A cold
// batch's connects come out of send (the first burst's) and gap (each
// later one's). If the ring dropped some of the timed bursts, or a batch
// has none, send, return, gap and read are 0 and the residual holds the
// client's side (logged). A group of server processes is not placed
// burst by burst; its server parts are averaged over its processes.
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
// bd-handler-mean-ns (per request), bd-bursts (per batch and server) and
// bd-client-waves (per batch; 0 where the client is not traced).
package breakdown
