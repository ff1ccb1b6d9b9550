// Package pitfalls holds crawlbench's pitfall catalogue: each common mistake
// with Go HTTP clients (package clients/pitfall) as a benchmark row beside
// its fix, on loopback and on an emulated WAN (servers/netem's presets,
// applied by the slowserver's -rtt and -bandwidth in its own process). It
// has no API: run it with go test.
//
//	go test ./bench/pitfalls -run '^$' -bench Pitfall -benchtime 10x
//	go run ./scripts/runbench -pkg ./bench/pitfalls -label pitfalls -- -bench Pitfall -benchtime 10x -count 3
//
// See BenchmarkPitfall for the rows and metrics. The flags (-delay,
// -req-timeout, -nets, -protos, -pitfalls, -hang-bound, -stall-timeout) are checked
// before anything runs; a bad value exits with status 2 and a line naming
// the flag and its range.
package pitfalls
