package breakdown

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// batchStamp is one timed batch's client stamps (CLOCK_MONOTONIC ns):
// its start and end around cl.Run, and its latest response seen (0: not
// traced).
type batchStamp struct {
	start, end, resp int64
}

// ringTries bounds how often Stop reads the server's bursts again while a
// burst is still under way (its last handler not yet returned).
const ringTries = 20

// errRingOverflow is why a ring that dropped some of the timed bursts is
// not placed.
var errRingOverflow = errors.New("the server's burst ring dropped bursts of the timed batches (more than servers.BurstRingSize)")

// fetchRing reads the server's bursts that began at or after the first
// timed batch's start, once no request is in its slow handler.
func (co *Collector) fetchRing(ctx context.Context) (*servers.BurstLog, error) {
	since := co.stamps.per[0].start
	for range ringTries {
		l, err := co.srv.Bursts(ctx, since)
		if err != nil {
			return nil, fmt.Errorf("breakdown: server bursts: %w", err)
		}
		if l.Overflow {
			return nil, errRingOverflow
		}
		if l.Active == 0 {
			return &l, nil
		}
		time.Sleep(time.Millisecond)
	}
	return nil, fmt.Errorf("breakdown: server bursts: a burst was still under way after %d reads", ringTries)
}

// ringTile is the timeline and the server's parts of batches placed
// against their bursts one by one, per batch.
type ringTile struct {
	tl                              timeline
	arrival, pre, delay, late, post time.Duration
	bursts                          float64 // per batch
}

// tileRing places each timed batch against the bursts (one server
// process's, oldest first) that began inside it, from batch start to
// batch end: with f and x the bursts' first entries and last exits,
//
//	send   = f₁ − start         gap  = Σ(f_{j+1} − x_j)
//	return = resp − x_last      read = end − resp
//
// (return = end − x_last and read 0 where the batches' last responses
// were not all traced), and the server's parts are the bursts' own, so
// that send + gap + return + read + Σ(arrival + pre + delay + late + post)
// is the batch's wall time exactly. ok only if every batch holds a burst.
func (s stamps) tileRing(batches int, ring []servers.BurstRecord) (ringTile, bool) {
	if batches < 1 || len(s.per) != batches || len(ring) == 0 {
		return ringTile{}, false
	}
	traced := s.nRes == batches
	var send, gap, ret, read, arrival, pre, delay, late, post, nb int64
	j := 0
	for _, b := range s.per {
		for j < len(ring) && ring[j].FirstMonoNS < b.start { // between batches: the harness's
			j++
		}
		k := j
		for ; k < len(ring) && ring[k].FirstMonoNS < b.end; k++ {
			r := ring[k]
			if k > j {
				gap += r.FirstMonoNS - ring[k-1].LastMonoNS
			}
			arrival, pre, delay, late, post = arrival+r.ArrivalNS, pre+r.PreNS, delay+r.DelayNS, late+r.LateNS, post+r.PostNS
		}
		if k == j {
			return ringTile{}, false
		}
		send += ring[j].FirstMonoNS - b.start
		last := ring[k-1].LastMonoNS
		if traced {
			ret += b.resp - last
			read += b.end - b.resp
		} else {
			ret += b.end - last
		}
		nb += int64(k - j)
		j = k
	}
	n := int64(batches)
	rt := ringTile{
		tl:      timeline{send: time.Duration(send / n), gap: time.Duration(gap / n), ret: time.Duration(ret / n), read: time.Duration(read / n)},
		arrival: time.Duration(arrival / n), pre: time.Duration(pre / n), delay: time.Duration(delay / n),
		late: time.Duration(late / n), post: time.Duration(post / n),
		bursts: float64(nb) / float64(batches),
	}
	if s.nWrote == batches {
		rt.tl.write = time.Duration((s.wrote - s.start) / n)
	}
	return rt, true
}

// takeConnect takes a cold batch's connects out of its timeline: the
// first burst's from send, each later burst's (opened in the gap before
// it) from gap; total is connect × bursts.
func (tl *timeline) takeConnect(connect, total time.Duration) {
	tl.send -= min(connect, total)
	tl.gap -= total - min(connect, total)
}

// placeRing is tileRing of the bursts Stop read, if it read them all.
func (co *Collector) placeRing(batches int) (ringTile, bool) {
	if co.ring == nil || len(co.ServerPIDs) > 1 {
		return ringTile{}, false
	}
	return co.stamps.tileRing(batches, co.ring.Bursts)
}

// takeIPCPlaced takes the pipe time out of send, gap and return (each may
// hold some: a worker's last work message can leave mid-batch) in
// proportion to their lengths, at most all of them: what is more than
// that overlapped the server's bursts (another worker's requests kept it
// busy) and is not on the batch's timeline. It returns what it took.
func (tl *timeline) takeIPCPlaced(ipc time.Duration) time.Duration {
	send, gap, ret := max(0, tl.send), max(0, tl.gap), max(0, tl.ret)
	total := send + gap + ret
	take := min(max(0, ipc), total)
	if take == 0 {
		return 0
	}
	s := time.Duration(float64(take) * float64(send) / float64(total))
	g := time.Duration(float64(take) * float64(gap) / float64(total))
	tl.send -= s
	tl.gap -= g
	tl.ret -= take - s - g
	return take
}
