package harness

import "testing"

// RecordFailure remembers b in Failed if it has failed, so that Main fails
// the binary; defer it first in a benchmark that measures without Run.
func (r *Runner) RecordFailure(b *testing.B) { r.recordFailure(b) }
