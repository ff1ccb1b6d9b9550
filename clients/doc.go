// Package clients holds crawlbench's HTTP client strategies and the Result
// every strategy reports.
//
// A strategy is a Client: something that issues a batch of n GET requests to
// the configured targets and reports what happened to each of them. The
// in-process strategies live here:
//
//   - sequential: one net/http client, one request after the other;
//   - fake-async: a goroutine per request, each waited for before the next
//     starts (the seed's "blocking call inside a coroutine" pitfall);
//   - fanout: a goroutine per request over net/http, at most c in flight;
//   - fasthttp: the same fan-out over github.com/valyala/fasthttp.
//
// Worker-process strategies (pool-even, pool-chunked, procs-fanout) live in
// package clients/procpool and report the same Result.
//
// Every request is accounted for: a Result's OK plus its failures always equal
// the requests asked for, failures are classified by ErrorKind, and every
// issued request's latency is recorded in an HDR histogram.
package clients
