package netem

import (
	"errors"
	"sync"
)

// queueBytes bounds each direction's queue in bytes (64 full inbound
// reads, the most the queue ever held before it was bounded in bytes). A
// full queue blocks its sender, which is TCP's back-pressure. It is not
// bounded in chunks: a real path carries a burst of small writes (100
// HTTP/2 HEADERS frames, 81 bytes each) within one flight, so a count
// bound would stall the burst's tail by RTT/2 (queue_test.go).
const queueBytes = 64 * readChunk

// Why push and pop gave up.
var (
	errQueueClosed  = errors.New("netem queue: conn closed")
	errQueueExpired = errors.New("netem queue: deadline passed")
)

// queue is a FIFO of chunks bounded in bytes, for one producer and one
// consumer (the pump and Read inbound; Write and send outbound).
type queue struct {
	limit int
	ready chan struct{} // a chunk was pushed (capacity 1)
	space chan struct{} // a chunk was popped (capacity 1)

	mu     sync.Mutex // guards chunks, queued
	chunks []chunk
	queued int // bytes in chunks
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// push appends ch, waiting while it would take the queue past its limit
// (an empty queue takes any chunk); it gives up when closed or expired
// (nil: never) is closed first.
func (q *queue) push(ch chunk, closed, expired <-chan struct{}) error {
	for {
		q.mu.Lock()
		if q.queued == 0 || q.queued+len(ch.data) <= q.limit {
			q.chunks = append(q.chunks, ch)
			q.queued += len(ch.data)
			q.mu.Unlock()
			signal(q.ready)
			return nil
		}
		q.mu.Unlock()
		select {
		case <-q.space:
		case <-closed:
			return errQueueClosed
		case <-expired:
			return errQueueExpired
		}
	}
}

// tryPop removes the oldest chunk, if there is one.
func (q *queue) tryPop() (chunk, bool) {
	q.mu.Lock()
	if len(q.chunks) == 0 {
		q.mu.Unlock()
		return chunk{}, false
	}
	ch := q.chunks[0]
	q.chunks[0] = chunk{}
	q.chunks = q.chunks[1:]
	q.queued -= len(ch.data)
	q.mu.Unlock()
	signal(q.space)
	return ch, true
}

// pop removes the oldest chunk, waiting for one; it gives up when closed
// or expired (nil: never) is closed first.
func (q *queue) pop(closed, expired <-chan struct{}) (chunk, error) {
	for {
		if ch, ok := q.tryPop(); ok {
			return ch, nil
		}
		select {
		case <-q.ready:
		case <-closed:
			return chunk{}, errQueueClosed
		case <-expired:
			return chunk{}, errQueueExpired
		}
	}
}
