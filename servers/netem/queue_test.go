package netem

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// burst is more small writes than the 64 chunks the queues held when they
// were bounded in chunks, as many as HTTP/2 HEADERS frames a fan-out of
// c = 100 writes on one connection at once.
const burst = 200

// hangGuard only turns a stalled write into a failure instead of a hang.
const hangGuard = 5 * time.Second

// small is the i-th write of a burst: 81 bytes, the size of one request's
// HEADERS frame in a TLS record, numbered so that reordering shows.
func small(i int) []byte {
	b := bytes.Repeat([]byte{byte(i)}, 81)
	b[0], b[1] = byte(i>>8), byte(i)
	return b
}

func wantBurst() []byte {
	var all []byte
	for i := range burst {
		all = append(all, small(i)...)
	}
	return all
}

// emulatedPipe returns an emulated conn over net.Pipe and the pipe's other
// end (the client). A pipe never merges two writes into one read, so each
// client write is one inbound chunk.
func emulatedPipe(t *testing.T, cfg Config) (*Conn, net.Conn) {
	t.Helper()
	server, client := net.Pipe()
	c := newConn(server, cfg)
	t.Cleanup(func() {
		client.Close()
		c.Close()
		<-c.Done()
	})
	return c, client
}

// TestInboundBurstNotStalled is the cause of BenchmarkStreams' 1.25× at
// c = 100: 100 requests' HEADERS frames written at once on one HTTP/2
// connection. Every one of burst small client writes must be taken in
// before the server reads anything, as on a real path (8 KB in one RTT/2).
// With a queue bounded in chunks (64), the pump stalled at the 65th until
// the first was read, RTT/2 later, and stamped the rest RTT/2 late.
func TestInboundBurstNotStalled(t *testing.T) {
	c, client := emulatedPipe(t, Config{RTT: 200 * time.Millisecond})
	if err := client.SetWriteDeadline(time.Now().Add(hangGuard)); err != nil {
		t.Fatal(err)
	}
	for i := range burst {
		if _, err := client.Write(small(i)); err != nil {
			t.Fatalf("the path took %d of %d small client writes before the server read any (want all; the queue is bounded in bytes, not writes): %v", i, burst, err)
		}
	}
	got := make([]byte, len(wantBurst()))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wantBurst()) {
		t.Fatal("the burst arrived corrupted or reordered")
	}
}

// TestOutboundBurstNotStalled is the same for the server's writes (many
// small HTTP/2 frames): none of burst Writes blocks, though the client reads
// nothing until they are all queued.
func TestOutboundBurstNotStalled(t *testing.T) {
	c, client := emulatedPipe(t, Config{RTT: 200 * time.Millisecond})
	if err := c.SetWriteDeadline(time.Now().Add(hangGuard)); err != nil {
		t.Fatal(err)
	}
	for i := range burst {
		if _, err := c.Write(small(i)); err != nil {
			t.Fatalf("%d of %d small server Writes returned before the client read any (want all; the queue is bounded in bytes, not writes): %v", i, burst, err)
		}
	}
	got := make([]byte, len(wantBurst()))
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wantBurst()) {
		t.Fatal("the burst arrived corrupted or reordered")
	}
}

// TestQueueBoundedInBytes checks the back-pressure that remains: a queue
// takes any number of chunks up to its limit in bytes and refuses one more
// byte until a chunk leaves; an empty queue takes a chunk of any size.
func TestQueueBoundedInBytes(t *testing.T) {
	const limit = 1000
	closed := make(chan struct{})
	close(closed) // a push that would wait gives up at once
	q := newQueue(limit)
	for i := range limit {
		if err := q.push(chunk{data: []byte{1}}, closed, nil); err != nil {
			t.Fatalf("push %d of %d one-byte chunks: %v; want no bound on the number of chunks", i+1, limit, err)
		}
	}
	if err := q.push(chunk{data: []byte{1}}, closed, nil); !errors.Is(err, errQueueClosed) {
		t.Fatalf("push past %d bytes = %v, want it to wait (errQueueClosed here)", limit, err)
	}
	expired := make(chan struct{})
	close(expired)
	if err := q.push(chunk{data: []byte{1}}, nil, expired); !errors.Is(err, errQueueExpired) {
		t.Fatalf("push past %d bytes with the deadline passed = %v, want errQueueExpired", limit, err)
	}
	if _, err := q.pop(closed, nil); err != nil {
		t.Fatal(err)
	}
	if err := q.push(chunk{data: []byte{2}}, closed, nil); err != nil {
		t.Fatalf("push after a pop freed a byte: %v", err)
	}
	for range limit {
		if _, ok := q.tryPop(); !ok {
			t.Fatal("queue emptied early")
		}
	}
	if _, ok := q.tryPop(); ok {
		t.Fatal("queue holds more chunks than were pushed")
	}
	if _, err := q.pop(closed, nil); !errors.Is(err, errQueueClosed) {
		t.Fatalf("pop from an empty queue = %v, want it to wait (errQueueClosed here)", err)
	}
	if err := q.push(chunk{data: make([]byte, 2*limit)}, closed, nil); err != nil {
		t.Fatalf("push of %d bytes into an empty queue: %v; want it taken", 2*limit, err)
	}
}
