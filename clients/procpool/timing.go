package procpool

import "time"

// IPCStats is the time a Pool's batches spent in its pipes rather than in
// its workers' clients: for each work message, the parent's round trip
// (from sending the work to having decoded the result) minus the Wall the
// worker measured for it. That covers encoding, the pipe, waking the
// worker and the parent, and decoding.
type IPCStats struct {
	// Total adds up every work message's IPC time.
	Total time.Duration
	// Path adds up, per batch, the IPC time of the work message whose
	// result arrived last: the part on the batch's critical path.
	Path time.Duration
	// Messages and Batches count the work messages and batches measured.
	Messages, Batches int64
}

// add folds the runs of one batch into s.
func (s *IPCStats) add(runs []workerRun) {
	var last time.Time
	var path time.Duration
	for _, r := range runs {
		s.Total += r.ipc
		s.Messages += int64(r.chunks)
		if r.lastDone.After(last) {
			last, path = r.lastDone, r.lastIPC
		}
	}
	s.Path += path
	s.Batches++
}

// IPC returns the pipe time of every batch run so far (see IPCStats).
func (p *Pool) IPC() IPCStats {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	return p.ipc
}
