package crawl_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/crawlbench/crawlbench/clients/crawl"
	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
)

func TestMain(m *testing.M) {
	if crawl.IsWorker() {
		os.Exit(crawl.WorkerMain())
	}
	goleak.VerifyTestMain(m, leaktest.FastHTTPCleaners()...)
}
