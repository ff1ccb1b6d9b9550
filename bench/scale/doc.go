// Package scale holds crawlbench's scale benchmark: how far each client
// strategy goes with 1,000, 10,000 and 100,000 requests in flight at once,
// and what stops it (open files, ephemeral ports, accept queues, memory,
// CPU). It has no API: run it with go test.
//
//	go test ./bench/scale -run '^$' -bench Scale                     # 1k in flight, d = 1s
//	go test ./bench/scale -run '^$' -bench Scale -scale 10k          # 10k, d = 1s
//	go test ./bench/scale -run '^$' -bench Scale -scale 100k         # 100k, d = 10s, several servers and workers
//	go run ./scripts/runbench -pkg ./bench/scale -label scale-10k -- -bench Scale -scale 10k
//
// See BenchmarkScale for the metrics. The flags (-scale, -delay,
// -strategies, -conns, -server-procs, -procs, -hosts, -reuseport, -sample,
// -req-timeout, -force, -warmup) are checked before anything runs; a bad
// value exits with status 2 and a line naming the flag and its range.
package scale
