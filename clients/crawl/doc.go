// Package crawl is crawlbench's web crawler (issue 11; the contract is
// notes/SITE.md): a frontier from Config.Start, a visited set, at most
// Config.Concurrency requests in flight and Config.PerHost per host, links
// parsed with golang.org/x/net/html's tokenizer and followed only inside
// Config.Allow, a calibrated CPU cost per page (Config.Work, see [Burner]),
// until Config.MaxPages pages or an empty frontier.
//
// The strategies ([Strategies]) share one engine and differ in how requests
// are made and where the work runs:
//
//   - sequential: one request at a time (c = m = 1), net/http.
//   - fanout: up to c goroutines over net/http.
//   - fasthttp: the same over fasthttp.
//   - procs-fanout: Config.Procs worker processes (this binary re-executed;
//     its main must call [WorkerMain] when [IsWorker]), the hosts
//     partitioned over them (host h to process h mod P), each a fan-out of
//     up to ⌈c/P⌉ goroutines over net/http; a link to another process's host
//     goes through the parent, which routes it to its owner.
//
// Every strategy returns a [Result]: pages, errors by clients.ErrorKind,
// bad pages, link counts, bytes, time, CPU of every process, and a latency
// histogram. Nothing is dropped: a failed request is counted and its first
// message kept.
package crawl
