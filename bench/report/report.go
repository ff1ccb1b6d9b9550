// Package report writes the metrics every crawlbench benchmark of batches
// reports, under the names the plots and tables read: the benchmarks in
// bench and bench/scale share it so that a metric cannot drift apart
// between them.
package report

import (
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// Batch reports the metrics of total, the merged Result of the b.N timed
// batches, against ideal, the model's wall time of one batch: req/s
// (successful requests per second of benchmark time), p50-ns, p99-ns,
// max-ns, errors (failed requests over the whole run), ideal-ns and
// overhead-x (sec/op ÷ ideal).
func Batch(b *testing.B, total *clients.Result, ideal time.Duration) {
	b.Helper()
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(total.OK)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(total.Quantile(0.50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(total.Quantile(0.99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(total.Max().Nanoseconds()), "max-ns")
	b.ReportMetric(float64(total.Failed()), "errors")
	b.ReportMetric(float64(ideal.Nanoseconds()), "ideal-ns")
	b.ReportMetric(float64(perOp)/float64(ideal), "overhead-x")
}

// Failures fails b loudly, with the counts by kind, when any request of
// total failed: a benchmark whose requests failed is never a result.
func Failures(b *testing.B, total *clients.Result) {
	b.Helper()
	if err := total.Err(); err != nil {
		b.Errorf("REQUESTS FAILED: %v", err)
	}
}
