// Package crawl holds crawlbench's crawl benchmark (issue 11): each crawler
// strategy (package clients/crawl) crawls a generated site (servers/site,
// served by a process of its own) from page 0 until its frontier is empty,
// and the time is compared with the roofline model (bench/model.Crawl). It
// has no API: run it with go test.
//
//	go test ./bench/crawl -run '^$' -bench Crawl -benchtime 1x -pages 2000 -page-work 0,1ms
//	go run ./scripts/runbench -pkg ./bench/crawl -label crawl -- -bench Crawl -benchtime 1x -count 3
//
// BenchmarkCrawl/pages=P/hosts=H/size=S/work=W/c=C/m=M/procs=G/strategy=S
// reports pages/s, ideal-ns (the model's time), overhead-x (measured ÷
// ideal), io-roof-pages/s and cpu-roof-pages/s (the model's two bounds),
// cpu-per-page-ns (the crawler's CPU, all its processes),
// site-cpu-per-page-ns (the site process's, on the same cores),
// measured-cpu-roof-pages/s (the roof with the CPU really spent, which
// explains the gap to the model's), crawl-ns (the crawl alone, without
// setting up), p50-ns and p99-ns (request latency) and errors. procs=G is GOMAXPROCS of the crawler (of
// each worker process for procs-fanout). A crawl that fails a request, or
// that the site's counters show did not fetch every page exactly once,
// fails the benchmark (REQUESTS FAILED).
//
// The flags (-pages, -hosts, -page-bytes, -delay, -capacity, -gzip, -c, -m,
// -page-work (not -work, which go test takes), -gomaxprocs, -strategies, -procs, -req-timeout) are checked before
// anything runs; a bad value exits with status 2 and a line naming the flag
// and its range.
package crawl
