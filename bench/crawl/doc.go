// Package crawl holds crawlbench's crawl benchmark (issue 11): each crawler
// strategy (the Go ones of package clients/crawl, the Python ones of
// clients/pycrawl) crawls a generated site (servers/site,
// served by a process of its own) from page 0 until its frontier is empty,
// and the time is compared with the roofline model (bench/model.Crawl). It
// has no API: run it with go test.
//
//	go test ./bench/crawl -run '^$' -bench Crawl -benchtime 1x -pages 2000 -page-work 0,1ms
//	go run ./scripts/runbench -pkg ./bench/crawl -label crawl -- -bench Crawl -benchtime 1x -count 3
//
// BenchmarkCrawl/pages=P/hosts=H/size=S/work=W/c=C/m=M/gomaxprocs=G/strategy=S
// reports pages/s (from the timer, ns/op), and two roofline ideals
// (bench/model.Crawl):
//
//   - ideal-ns and overhead-x (ns/op ÷ ideal-ns): the roofline with the CPU
//     really spent per page in the same cell: the crawler's (parse, work
//     and its HTTP stack, every process; cpu-per-page-ns) on the cores it
//     can use, and the site's (site-cpu-per-page-ns) on the machine's
//     cores, which both processes share (measured-cpu-roof-pages/s is its
//     roof). What overhead-x leaves is time that neither
//     bound explains (waiting, scheduling), not CPU.
//   - model-ideal-ns and model-overhead-x: the pure model, CPU per page =
//     parse + work (model-cpu-per-page-ns; Go's parse of page 0 measured at
//     start-up; for a Python crawler, whose parse is not measured apart,
//     its crawler CPU per page), the site's CPU left out; io-roof-pages/s
//     and cpu-roof-pages/s are its two bounds.
//
// The cores a crawler's CPU can use (cores): GOMAXPROCS for a goroutine
// fan-out, procs × GOMAXPROCS for procs-fanout, 1 for sequential and for
// Python's asyncio crawler (the GIL), min(procs, cores) for Python's
// processes × asyncio. Also crawl-ns (the crawl alone), startup-ns (a
// Python crawler's interpreter, imports and forks, outside the timer),
// p50-ns and p99-ns (request latency) and errors. gomaxprocs=G is GOMAXPROCS of
// the crawler (of each worker process for procs-fanout); the Python
// crawlers ignore it and run once per case, at the last -gomaxprocs value.
// A crawl that fails a request, or that the site's counters show did not
// fetch every page exactly once, fails the benchmark (REQUESTS FAILED).
// A Python crawler that -python's interpreter cannot run is skipped with
// one line naming the Debian package to install.
//
// The flags (-pages, -hosts, -page-bytes, -delay, -capacity, -gzip, -c, -m,
// -page-work (not -work, which go test takes), -gomaxprocs, -strategies,
// -procs, -req-timeout, -python) are checked before
// anything runs; a bad value exits with status 2 and a line naming the flag
// and its range.
package crawl
