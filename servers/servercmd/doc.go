// Package servercmd is the slowserver command as a function, [Main], so that
// tests can run it in-process and package serverproc can run it in a child
// process of any host binary.
//
// Usage:
//
//	slowserver [-addr 127.0.0.1:5000] [-delay 3s] [-capacity 0] [-body Hello!]
//	           [-dist fixed|uniform|exp|lognormal] [-sigma 0.5] [-seed 1]
//	           [-max-delay 10m] [-max-bytes 16777216] [-max-body 1048576]
//	           [-shutdown-timeout 10s] [-reuseport] [-listeners 1] [-backlog 0]
//
// Once listening it prints exactly one line to stdout,
//
//	slowserver: listening on http://127.0.0.1:5000
//
// with the real port (so -addr 127.0.0.1:0 works); everything else goes to
// stderr. When its context is done it stops accepting, lets in-flight
// requests finish for up to -shutdown-timeout, closes whatever is left and
// returns 0. A bad flag or value gives one line on stderr naming the flag and
// its accepted range, and exit status 2; a listen failure gives status 1. It
// only binds loopback addresses (127.0.0.0/8, ::1, localhost).
//
// -reuseport sets SO_REUSEPORT, so that several slowserver processes can
// share one address and port (the kernel hashes each new connection to one
// of them). -listeners n opens n SO_REUSEPORT sockets on -addr in this one
// process, each with its own accept queue and accept loop. -backlog sets
// the accept-queue length given to listen(2); the default is Go's,
// net.core.somaxconn, which the kernel also uses as a cap. The second
// stderr line says what the kernel really applied, e.g.
//
//	slowserver: listener: 1 socket(s), accept backlog 4096 each (asked default, net.core.somaxconn 4096), SO_REUSEPORT off
//
// When an accept queue is full, Linux drops new SYNs and the client
// retransmits after 1 s: a cold-connection burst larger than the queues
// (and faster than the server accepts) shows up as latencies of d + 1 s.
// More -listeners (or more server processes) give more queues. [Listen] and
// [ListenN] are the listeners on their own, for programs that serve
// in-process.
package servercmd
