// Package bench holds crawlbench's Go benchmarks. It has no API: run it with
// go test.
//
//	go test ./bench -run '^$' -bench Seed                # the seed at d = 50ms
//	go test ./bench -run '^$' -bench Seed -delay 3s      # the seed at full scale
//	go test ./bench -run '^$' -bench Seed -target http://127.0.0.1:5000/ -delay 3s
//	go test ./bench -run '^$' -bench Concurrency -servers unlimited,k8 -cmax 256
//	go test ./bench -run '^$' -bench Batch
//	go test ./bench -run '^$' -bench Seed -server flask   # against the seed's Flask app
//
// BenchmarkSeed is the seed's table, with the Go strategies and the seed's
// own Python clients (the py-* strategies, run by -python's interpreter);
// BenchmarkConcurrency the curves of
// latency and throughput against concurrency c for fanout, fasthttp and
// procs-fanout (sequential as the c = 1 reference), against an unlimited
// server, capacity-limited ones (k1, k8, k64) and variable-latency ones
// (uniform, exp, lognormal; seeded, and replayed exactly by the model);
// BenchmarkBatch the batch wall time against n. Flags: -delay, -target,
// -procs, -req-timeout (all benchmarks); -server (slowserver, flask or
// flask-single) and -python (Seed, Concurrency); -servers, -cmax, -long
// (the matrices).
//
// The cases run through package bench/harness, which bench/scale shares.
// Every benchmark starts the bundled slow server in a separate process (or
// uses -target, which must be a slowserver whose delay is -delay), runs one batch of n requests per b.Loop iteration, and
// reports, beside sec/op (the seed's "cost time"): req/s, p50-ns, p99-ns,
// max-ns, errors, ideal-ns (the model's wall time for the batch, package
// bench/model) and overhead-x = measured ÷ ideal; worker and Python
// strategies add startup-ns (outside the timed loop), Python ones py-cost-ns
// (the batch time measured inside Python). A benchmark any of whose
// requests failed fails, with the failures counted by kind.
//
// Before the first benchmark the test binary prints benchfmt configuration
// lines (commit, go version, GOMAXPROCS, delay, …) so a saved output file
// carries its own provenance.
package bench
