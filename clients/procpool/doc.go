// Package procpool holds crawlbench's worker-process client strategies: the
// Go twins of Python's multiprocessing.Pool(P).map(requests.get, urls) and
// of aiomultiprocess.Pool (processes × coroutines).
//
// # Strategies
//
// Every strategy runs P worker processes, each with a client from package
// clients, and reports one merged clients.Result:
//
//   - pool-even (NewPoolEven): each worker runs a sequential client over its
//     even share of the batch: worker i gets n/P requests, the first n%P one
//     more. Ideal time ⌈n/P⌉ × d.
//   - pool-chunked (NewPoolChunked): Python's Pool.map. The batch is cut into
//     chunks of ChunkSize(n, P) = ceil(n / 4P) requests (the last one
//     smaller), and the chunks are handed out one at a time to whichever
//     worker is free, as Pool.map's task queue does; each worker runs its
//     chunk with a sequential client. For n = 100, P = 8: 25 chunks of 4,
//     run in ⌈25/8⌉ = 4 waves of 4 × d, i.e. 16 × d (the seed's 48 s at
//     d = 3 s).
//   - procs-fanout (NewProcsFanout): aiomultiprocess. Each worker runs its
//     even share as one fan-out batch with at most Client.Concurrency
//     goroutines in flight (0: the whole share at once). Ideal time
//     ⌈⌈n/P⌉ / c⌉ × d.
//   - procs-fasthttp (NewProcsFastHTTP): procs-fanout with the fasthttp
//     client in the workers, for the scale benchmark (bench/scale), where
//     100,000 requests in flight need several processes (each may hold
//     only so many open files) and the client's CPU per request decides
//     how fast a batch goes out. Same ideal time as procs-fanout.
//
// # Lifecycle
//
// New* validates the Config (errors name the field), starts the P workers
// (by default this program re-executed with CRAWLBENCH_ROLE=worker; its main
// must call WorkerMain when IsWorker reports true), sends each its
// configuration and waits up to ReadyTimeout for every worker's Ready. The
// time this took is StartupTime, reported apart from the batches.
//
// The workers then persist across Run calls, like a `with Pool(8) as p:`
// block reused for several maps: a Run measures dispatch and requests, not
// process start-up, and in warm mode each worker's keep-alive connections
// stay open between batches.
//
// Run splits the batch, hands out the work, waits for every result and
// merges the workers' Results losslessly (the HDR histograms merge
// exactly); Wall is the parent's time from the first dispatch to the last
// result. Every request carries its index (clients.IndexedClient): the
// pool numbers its batches' requests consecutively, and a work message
// tells the worker the first index of its share or chunk, which are
// numbered in plan order (worker i's share; chunk c), as bench/model
// numbers them. When Run's ctx ends, busy workers are told to cancel: their
// unfinished requests, and work never dispatched, count as Canceled. A
// worker that dies or breaks the protocol during a batch makes Run fail
// with an error naming the worker, its pid, its exit status and the tail of
// its stderr; the pool is then unusable.
//
// Close sends Stop to every worker, closes its stdin, waits a grace period
// (Config.StopGrace, 2 s by default) and then kills it; every worker is
// reaped before Close returns. Workers never outlive their pool: each runs
// in its own process group, which is killed when the worker is released or
// exits; the workers are killed when the ctx given to New* ends; and each
// gets SIGKILL through Pdeathsig if the parent dies. (Linux delivers
// Pdeathsig when the parent thread that started the worker exits; the Go
// runtime does not end its threads unless a goroutine exits while locked to
// one, so in practice this is when the parent process dies. A worker whose
// parent vanished also sees its stdin end and exits.)
//
// # Protocol
//
// Parent and worker exchange newline-delimited JSON messages (Message) over
// the worker's stdin and stdout, each with "v": ProtocolVersion and a
// "type":
//
//	parent → worker: hello  {"hello": {strategy, targets, conn, concurrency, timeout_ns, sample_ns?}}
//	                 work   {"seq": k, "n": requests, "first": index?}  one share or chunk
//	                 cancel {"seq": k}                    cancel batch k
//	                 stop   {}
//	worker → parent: ready  {}                            answer to hello
//	                 result {"seq": k, "result": Result, "usage": Usage?}  answer to work k
//	                 error  {"error": text}               the worker is failing
//
// With Config.Sample set, the hello carries sample_ns and the worker samples
// its own resource use (package clients/usage: peak RSS, heap, goroutines,
// open files, CPU time) while it runs each batch; the result carries it, and
// Pool.Usage returns it per worker.
//
// A Result travels in clients.Result's JSON encoding, whose histogram is
// HdrHistogram's lossless V2 encoding. Every line is decoded strictly
// (DecodeMessage): at most MaxMessageSize bytes, no unknown fields, no
// trailing data, the right version, exactly the fields of its type, values
// in range, and a result that passes clients.Result.Check. Anything else,
// and a line cut short by the end of input, is an error that names the
// worker. EncodeMessage and DecodeMessage are pure functions, to be fuzzed.
// A worker's stderr is kept (its last 4 KiB) for error messages.
package procpool
