package chart

import (
	"flag"
	"testing"

	"go.uber.org/goleak"
)

// update regenerates the golden files in testdata/golden.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
