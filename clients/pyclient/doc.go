// Package pyclient runs the seed's Python client strategies (requests,
// asyncio + aiohttp, multiprocessing.Pool, processes × aiohttp, httpx,
// aiohttp on uvloop) as clients.Client values, so the harness measures
// them like the Go strategies: same server, same Result, same metrics.
//
// New starts one Python worker (worker.py, embedded, run by package
// internal/pyproc after its prelude) with the interpreter
// of Config.Python (Debian's /usr/bin/python3 by default) before any batch;
// the time that took is StartupTime. The worker persists across Run calls
// (with its sessions, event loop and process pools) and is driven over
// stdin/stdout by JSON lines: a hello with the kind and its settings, then
// one "run n" per batch, answered by every request's start, latency,
// status code, body size and error kind, and by the batch's time measured
// inside Python (the seed's "cost time"), which PyCosts returns. Every
// request carries its index (servers.HeaderIndex) as the Go clients' do,
// numbered as bench/model numbers the kind's requests, and Result.FirstIndex
// says where a batch began, so a variable-delay server has an exact ideal.
//
// procs-aiohttp rebuilds aiomultiprocess.Pool's design (P processes, each
// an event loop running up to 16 coroutines, the batch dealt round-robin)
// from multiprocessing and asyncio, because aiomultiprocess is not packaged
// for Debian.
//
// httpx alone speaks HTTP/2 (Client.HTTP2 = h2, module h2): by ALPN over
// https, with prior knowledge (h2c) over http; a response over another
// version fails its request. httpx 0.23 keeps one connection past a
// server's stream limit: it queues at its own 100 streams, and below 100
// it fails the requests past the limit.
//
// Check (CheckHTTP2 for HTTP/2) reports, in one line naming the Debian
// package to install, why a kind cannot run with an interpreter, so that a
// harness can skip its rows.
package pyclient
