// Command plot draws crawlbench's charts from results files.
//
//	go run ./plots/chart/cmd/plot -in results/FILE.txt -out plots/ [-format both]
//	go run ./plots/chart/cmd/plot -in scale-1k.txt -in scale-10k.txt -in scale-100k.txt -in peers.txt -out plots/
//
// -in may be repeated. Each file is sorted by the benchmarks it holds:
// BenchmarkSeed, BenchmarkConcurrency and BenchmarkBatch results are drawn
// one file at a time (see chart.Charts); the BenchmarkScale files, one per
// level of requests in flight, are drawn together (chart.ScaleCharts:
// scale-memory, scale-overhead, scale-cpu); a scripts/peers file gives
// peers-throughput (chart.PeersCharts). It writes every chart whose
// benchmarks the files hold into the -out directory, as SVG, PNG or both,
// and prints the paths it wrote, one a line. Charts whose benchmarks are
// absent are skipped with a note on stderr, as are warnings about the data
// (failed requests, runs grouped across differing configuration).
//
// Exit status: 0 on success; 1 when a results file cannot be plotted
// (empty, malformed, a metric missing or zero, two files that give charts
// of the same name) or a file cannot be written; 2 on a bad flag (missing,
// empty, repeated or unreadable -in, -out not a directory, bad -format),
// with a one-line message that names the flag.
package main
