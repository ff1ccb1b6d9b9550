// Command slowserver serves the slow HTTP endpoint of the crawlbench suite on
// loopback: GET / waits -delay (3s by default) and answers "Hello!", like the
// Flask app of the source experiment run with threaded=True (-capacity 0) or
// without it (-capacity 1).
//
//	go run ./servers/slowserver -addr 127.0.0.1:5000 -delay 3s -capacity 0
//
// It prints one line, "slowserver: listening on http://HOST:PORT", to stdout
// and stops on SIGINT or SIGTERM after draining in-flight requests for up to
// -shutdown-timeout. See package servercmd for the flags and package servers
// for the endpoints (?delay=, ?bytes=, /_stats, /_stats/reset).
package main
