package openloop

import (
	"os"
	"testing"

	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if IsWorker() {
		os.Exit(WorkerMain())
	}
	goleak.VerifyTestMain(m, leaktest.FastHTTPCleaners()...)
}
