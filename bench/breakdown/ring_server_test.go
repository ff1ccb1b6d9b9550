package breakdown_test

import (
	"math"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/breakdown"
	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// TestPoolPlaced checks that worker-process pools, whose workers run
// their requests one after the other (several server bursts a batch),
// are placed burst by burst against the server's ring: send, gap and
// return are measured (> 0) and the residual is a small share of the
// excess, not the client's unmeasured side.
func TestPoolPlaced(t *testing.T) {
	srv := startServer(t)
	for _, tc := range []struct {
		s     string
		conn  clients.ConnMode
		procs int
	}{
		{strategy.PoolEven, clients.Warm, 2},    // the workers' bursts mostly apart
		{strategy.PoolChunked, clients.Cold, 1}, // a burst per request
	} {
		c := harness.Case{Strategy: tc.s, Conn: tc.conn, N: 8, Procs: tc.procs}
		got := run(t, srv, c, true)
		ex, res := got[breakdown.ExcessMetric], got[breakdown.ResidualMetric]
		t.Logf("%s %v: %.2f bursts per batch, excess %v, send %v, gap %v, return %v, residual %v", tc.s, tc.conn,
			got[breakdown.BurstsMetric], time.Duration(ex), time.Duration(got[breakdown.SendMetric]),
			time.Duration(got[breakdown.GapMetric]), time.Duration(got[breakdown.ReturnMetric]), time.Duration(res))
		if b := got[breakdown.BurstsMetric]; b <= 1 {
			// Two workers' requests can overlap all along (one burst a
			// batch, placed as such); one worker's never do.
			if tc.procs == 1 {
				t.Errorf("%s %v: %v bursts per batch, want %d (one worker's requests one after the other)", tc.s, tc.conn, b, c.N)
			} else {
				t.Logf("%s %v: %v bursts per batch: the workers' requests overlapped all along this time", tc.s, tc.conn, b)
			}
			continue
		}
		for _, p := range []string{breakdown.SendMetric, breakdown.GapMetric, breakdown.ReturnMetric} {
			if got[p] <= 0 {
				t.Errorf("%s %v: %s = %v, want > 0 (placed)", tc.s, tc.conn, p, got[p])
			}
		}
		if ex <= 0 || math.Abs(res)/ex > 0.02 {
			t.Errorf("%s %v: residual %v of excess %v (%.3f), want within 2 %% (the bursts tile the batch)",
				tc.s, tc.conn, time.Duration(res), time.Duration(ex), res/ex)
		}
	}
}
