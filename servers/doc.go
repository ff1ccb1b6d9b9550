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
//	                    request (see [ParseParams])
//
// A Server keeps all of its state in the struct; the package has no mutable
// globals, so several servers can live in one process (tests), although
// benchmarks run the server in a process of its own (see package serverproc).
package servers
