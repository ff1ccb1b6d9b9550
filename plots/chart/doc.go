// Package chart turns crawlbench's `go test -bench` results files into
// charts.
//
// Read parses a results file with golang.org/x/perf/benchfmt, groups the
// results by their sub-benchmark keys with golang.org/x/perf/benchproc and
// checks that every crawlbench result carries the metrics the suite reports.
// The extraction methods of Data (LatencyVsConcurrency,
// ThroughputVsConcurrency, WallVsN, SeedSpeedups) turn the groups into
// Series of Points: the median over the -count runs, with the smallest and
// largest run as the error bar. The Render functions draw those with
// gonum.org/v1/plot, and Save writes a Chart as SVG and PNG of a fixed size.
// Charts builds every chart a results file has the data for.
//
// Two other kinds of results file have readers and charts of their own.
// ReadScale reads the BenchmarkScale files of bench/scale, one per level of
// requests in flight (1k, 10k, 100k; the levels may use different
// delays), and ScaleCharts draws client memory, overhead and CPU against
// the number in flight. ReadPeers reads the file scripts/peers writes
// (BenchmarkPeers lines followed by Markdown tables, which benchfmt
// ignores), and PeersCharts draws crawlbench's clients beside wrk, hey and
// bombardier. ChartInputs and ChartFiles sort any set of results files by
// the benchmarks they hold and build every chart they have the data for.
//
// Units: benchfmt tidies units as it reads. "ns/op" becomes "sec/op" and
// every custom unit with an "ns" token in its numerator ("p50-ns",
// "ideal-ns", …) becomes the same unit with "sec" ("p50-sec", "ideal-sec"),
// its value divided by 1e9. Units without such a token ("req/s",
// "overhead-x", "capacity-rps") are left alone. One quirk: benchfmt keeps
// the written unit when tidying leaves the value unchanged, i.e. for 0, so
// "0 p50-ns" arrives as "p50-ns"; Read tidies every unit again so a value
// is found under one unit whatever it is. Error messages name the units as
// they are written in the file.
//
// Rendering is deterministic: the same results file gives byte-identical SVG
// and PNG files. Text uses the Liberation fonts built into gonum, never
// system fonts.
package chart
