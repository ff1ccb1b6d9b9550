// Command plot draws crawlbench's charts from a `go test -bench` results
// file.
//
//	go run ./plots/cmd/plot -in results/FILE.txt -out plots/ [-format both]
//
// It writes every chart whose benchmarks the file holds (see plots.Charts
// for the list and the file names) into the -out directory, as SVG, PNG or
// both, and prints the paths it wrote, one a line. Charts whose benchmarks
// are absent are skipped with a note on stderr, as are warnings about the
// data (failed requests, runs grouped across differing configuration).
//
// Exit status: 0 on success; 1 when the results file cannot be plotted
// (empty, malformed, a metric missing or zero) or a file cannot be written;
// 2 on a bad flag (missing -in, unreadable -in, -out not a directory, bad
// -format), with a one-line message that names the flag.
package main
