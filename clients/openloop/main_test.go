package openloop

import (
	"testing"

	"github.com/crawlbench/crawlbench/clients/usage/leaktest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leaktest.FastHTTPCleaners()...)
}
