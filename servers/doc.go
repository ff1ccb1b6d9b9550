// Package servers implements the slow HTTP endpoint that the crawlbench suite
// measures client concurrency strategies against.
//
// It is the Go stand-in for the Flask app of the source experiment: route "/"
// waits a configurable delay (3 s in the original) and then answers with a
// short body ("Hello!"). A [Server] can also cap how many requests it serves at
// once (Config.Capacity), reproducing a Flask app run without threaded=True,
// draw per-request delays from a seeded distribution, and count what happened
// (served, canceled, rejected, concurrency high-water marks, connections) so a
// benchmark can check the server side of every claim.
//
// Routes:
//
//	GET  /_stats        the counters as JSON (see [Stats])
//	POST /_stats/reset  zero the counters, 204
//	*    anything else  the slow endpoint; query parameters ?delay=DURATION and
//	                    ?bytes=N override the delay and the body size of one
//	                    request, and ?fail=F, ?reset=F, ?stall=F inject
//	                    faults (see [ParseParams]); a request may carry
//	                    its own index in the X-Slowserver-Index header
//	                    ([HeaderIndex])
//
// # Variable delays
//
// With Config.Dist other than fixed, each request's delay is drawn from the
// distribution by [DrawDelay], a pure function of Config.Seed and a request
// number: the index the client sent in [HeaderIndex] (the crawlbench
// clients number every request of a batch and send it), or else the
// request's arrival sequence number since the last stats reset. With the
// index, request j of a batch gets the same delay whatever order the
// concurrent requests arrive in, so the model's ideal (bench/model,
// IdealDelays) is exact for every client strategy. An index that is not
// a decimal integer 0..2⁶⁴−1, or sent twice, is answered 400 naming the
// header.
//
// # Fault modes
//
// The slow endpoint injects faults into a fraction F (0..1; the three
// together at most 1) of requests, so that a client strategy's error
// accounting can be tested against a real server without a proxy:
//
//	?fail=F   answer 500 after the request's delay
//	?reset=F  after the delay, send the headers with a Content-Length larger
//	          than the half of the body that follows, then reset the
//	          connection (TCP RST via SO_LINGER 0)
//	?stall=F  send nothing until Config.MaxDelay passes or the client gives
//	          up (then answer 503): a server hung past any client timeout,
//	          still bounded
//
// Which requests are hit is a pure function of the request's arrival
// sequence number and Config.Seed ([DrawFault]), so requests 0..n-1 after a
// reset always get the same faults and tests can predict the counts. A
// value that is not a number in 0..1, or fractions adding up to more than
// 1, is answered 400 naming the parameter. Stats counts Failed, Resets and
// Stalled apart from Served and Canceled; every slow-endpoint request ends
// in exactly one of Served, Canceled, BadRequests, Failed, Resets, Stalled.
//
// # Limits
//
// Server.HTTPServer cuts off a client that takes longer than
// Config.ReadHeaderTimeout (10s) to send its headers (slowloris), closes
// connections idle for Config.IdleTimeout (120s), answers 431 to headers
// over 64 KiB, 413 to bodies over Config.MaxBody, and 400 to ?delay= over
// Config.MaxDelay or ?bytes= over Config.MaxBytes.
//
// A Server keeps all of its state in the struct; the package has no mutable
// globals, so several servers can live in one process (tests), although
// benchmarks run the server in a process of its own (see package serverproc).
package servers
