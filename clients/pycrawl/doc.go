// Package pycrawl runs crawlbench's Python crawlers (issue 11) from Go: the
// asyncio crawler (one process, one event loop, aiohttp) and the processes ×
// asyncio crawler (P forked processes, the site's hosts partitioned over
// them, links for another partition routed through the parent), both
// following the crawl contract of the Go crawlers: a start URL, an allow
// list of host:port, at most c fetches in flight and m per host, a page
// budget, a calibrated CPU cost per page, and the same Result fields. As in
// the Go crawlers, a fetch's slot (c and m) is freed when its body is read:
// the next fetches are sent before the page is parsed and worked on, so
// parsing and work hold the CPU, not a connection.
//
// New starts one Python process (crawler.py, embedded, run by package
// internal/pyproc after its prelude) with Debian's
// /usr/bin/python3 by default, which calibrates its work loop against
// time.thread_time() and, for procs-asyncio, forks its P processes before
// New returns (StartupTime). Each Crawl is one JSON line to it and one
// answer back; the process persists across crawls. A Python exception, a
// process that exits or writes garbage, or a crawl that outlives its
// context or bound is an error naming the pid, the exit status and the
// stderr tail; the whole process group is killed, never left behind.
//
// Check reports, in one line naming the Debian package to install, why a
// kind or parser cannot run, so that a benchmark can skip its rows.
package pycrawl
