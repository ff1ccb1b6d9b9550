package breakdown

import "time"

// SlowRead makes co's batches end d after the client's Run returns: a
// client slowed after its last response.
func SlowRead(co *Collector, d time.Duration) { co.slowRead = d }

// SlowGap makes co's client sleep d after each of its waves' last
// response (in the trace hook): a client slowed between its waves.
func SlowGap(co *Collector, d time.Duration) { co.slowGap = d }
