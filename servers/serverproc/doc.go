// Package serverproc runs a slowserver in an operating-system process of its
// own, so that a benchmark never shares a Go runtime (scheduler, GC, CPU
// accounting) with the server it measures.
//
// [Start] re-executes the current binary with the environment variable
// CRAWLBENCH_ROLE=slowserver; the host binary's main (or a test's TestMain)
// must hand over to the server before doing anything else:
//
//	func TestMain(m *testing.M) {
//		if serverproc.IsChild() {
//			os.Exit(serverproc.ChildMain())
//		}
//		goleak.VerifyTestMain(m)
//	}
//
// [StartCommand] runs an explicit binary instead (such as a built
// ./servers/slowserver). Either way the parent reads the child's single
// "slowserver: listening on URL" stdout line, keeps the last 64 KiB of its
// stderr for error messages, and gives it a stdin pipe: a child running
// ChildMain shuts down when that pipe closes, so it does not outlive a parent
// that dies without calling [Proc.Stop].
//
// [FetchStats] and [ResetStats] read and reset the counters of any
// slowserver (a [Proc] or a -target URL) over loopback, with a client that
// never uses a proxy.
//
// [StartGroup] starts several server processes that serve as one, for
// more concurrent connections than one process may hold open files: each
// on a port of its own (and, with GroupConfig.Hosts, on loopback addresses
// 127.0.0.2, ... too), or all on one port with SO_REUSEPORT. A [Group]
// gives the URLs to spread requests over, adds up the processes' counters
// and stops them all together.
package serverproc
