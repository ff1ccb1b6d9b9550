// Package servercmd is the slowserver command as a function, [Main], so that
// tests can run it in-process and package serverproc can run it in a child
// process of any host binary.
//
// Usage:
//
//	slowserver [-addr 127.0.0.1:5000] [-delay 3s] [-capacity 0] [-body Hello!]
//	           [-dist fixed|uniform|exp|lognormal] [-sigma 0.5] [-seed 1]
//	           [-max-delay 10m] [-max-bytes 16777216] [-max-body 1048576]
//	           [-shutdown-timeout 10s]
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
package servercmd
