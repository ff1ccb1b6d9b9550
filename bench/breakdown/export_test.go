package breakdown

import "time"

// SlowRead makes co's batches end d after the client's Run returns: a
// client slowed after its last response.
func SlowRead(co *Collector, d time.Duration) { co.slowRead = d }
