package netem

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// readChunk is the inbound pump's buffer size.
const readChunk = 32 << 10

// drainLimit bounds how long a closed conn keeps trying to deliver its
// queued output to a peer that does not read.
const drainLimit = 5 * time.Second

// Listener wraps a net.Listener so that every accepted conn goes through
// the emulated path.
type Listener struct {
	net.Listener
	cfg Config
}

// NewListener returns ln with cfg applied to every accepted conn; a zero cfg
// (loopback) returns ln itself, so loopback costs nothing.
func NewListener(ln net.Listener, cfg Config) (net.Listener, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("netem listener: %w", err)
	}
	if cfg.IsZero() {
		return ln, nil
	}
	return &Listener{Listener: ln, cfg: cfg}, nil
}

// Accept waits for a conn and wraps it.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newConn(c, l.cfg), nil
}

// chunk is bytes (or an error, for end of stream) that become visible at at.
type chunk struct {
	at   time.Time
	data []byte
	err  error
}

// Conn is an accepted conn on the emulated path. Inbound bytes (the
// client's) become readable RTT/2 plus serialisation after they arrive, and
// not before the set-up round trip (one RTT after accept) has passed, since
// a client on a real path cannot send before its handshake completes.
// Outbound bytes reach the client RTT/2 plus serialisation after Write; Write
// blocks only for its own serialisation. Close delivers what is queued, then
// closes the underlying conn.
//
// Accuracy: deliveries are never early. They can be late by the runtime's
// timer resolution, up to about 1 ms per direction when the process is
// idle (Linux netpoll sleeps whole milliseconds), so an RTT below about 2 ms
// is emulated long: the lan preset's warm request takes about 2.3 ms. The
// set-up round trip counts from Accept, so a conn that waited in the accept
// queue pays it again on top.
type Conn struct {
	net.Conn
	cfg Config

	in, out *queue // bounded in bytes (queueBytes)
	closed  chan struct{}
	done    chan struct{} // closed when both goroutines have exited
	once    sync.Once

	setupDone time.Time // inbound data is not sent before this

	readMu  sync.Mutex // serialises Reads; guards cur, rerr, rtimer
	cur     chunk
	rerr    error
	rtimer  *time.Timer
	rdl     deadline
	writeMu sync.Mutex // serialises Writes; guards txFree, wtimer
	txFree  time.Time  // when the outbound wire is next free
	wtimer  *time.Timer
	wdl     deadline
}

func newConn(c net.Conn, cfg Config) *Conn {
	now := time.Now()
	cn := &Conn{
		Conn:      c,
		cfg:       cfg,
		in:        newQueue(queueBytes),
		out:       newQueue(queueBytes),
		closed:    make(chan struct{}),
		done:      make(chan struct{}),
		setupDone: now.Add(cfg.RTT),
		rtimer:    stoppedTimer(),
		wtimer:    stoppedTimer(),
		rdl:       newDeadline(),
		wdl:       newDeadline(),
	}
	pumpDone := make(chan struct{})
	go cn.pump(pumpDone)
	go func() {
		cn.send()
		<-pumpDone
		close(cn.done)
	}()
	return cn
}

func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// pump reads the client's bytes, stamps each chunk with the time it becomes
// readable, and queues it for Read.
func (c *Conn) pump(done chan<- struct{}) {
	defer close(done)
	var rxFree time.Time // when the inbound wire is next free
	buf := make([]byte, readChunk)
	for {
		n, err := c.Conn.Read(buf)
		now := time.Now()
		start := now
		if start.Before(c.setupDone) {
			start = c.setupDone
		}
		if start.Before(rxFree) {
			start = rxFree
		}
		rxFree = start.Add(c.cfg.serialise(n))
		ch := chunk{at: rxFree.Add(c.cfg.RTT / 2), data: append([]byte(nil), buf[:n]...)}
		if n > 0 {
			if c.in.push(ch, c.closed, nil) != nil {
				return
			}
		}
		if err != nil {
			_ = c.in.push(chunk{at: ch.at, err: err}, c.closed, nil)
			return
		}
	}
}

// send writes each queued outbound chunk to the client at its time. After
// Close it drains what was queued before, then closes the underlying conn.
func (c *Conn) send() {
	defer c.Conn.Close()
	t := stoppedTimer()
	alive := true
	for {
		// Once closed, only drain (with its deadline) delivers.
		ch, err := chunk{}, errQueueClosed
		if !isClosed(c.closed) {
			ch, err = c.out.pop(c.closed, nil)
		}
		if err != nil {
			if alive {
				c.drain(t)
			}
			return
		}
		// After a failed write, discard until Close so Writes never block.
		alive = alive && c.deliver(t, ch)
	}
}

func (c *Conn) drain(t *time.Timer) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.cfg.RTT + drainLimit))
	for {
		ch, ok := c.out.tryPop()
		if !ok || !c.deliver(t, ch) {
			return
		}
	}
}

// deliver waits until ch.at and writes ch; false means the conn is dead.
func (c *Conn) deliver(t *time.Timer, ch chunk) bool {
	if d := time.Until(ch.at); d > 0 {
		t.Reset(d)
		<-t.C
	}
	_, err := c.Conn.Write(ch.data)
	return err == nil
}

// Read returns the client's bytes once they are due, honouring the read
// deadline; Close wakes a pending Read with net.ErrClosed.
func (c *Conn) Read(p []byte) (int, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if isClosed(c.closed) {
		return 0, c.opErr("read", net.ErrClosed)
	}
	if c.rerr != nil {
		return 0, c.rerr
	}
	expired := c.rdl.wait()
	if len(c.cur.data) == 0 {
		ch, err := c.in.pop(c.closed, expired)
		switch {
		case errors.Is(err, errQueueClosed):
			return 0, c.opErr("read", net.ErrClosed)
		case err != nil:
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		c.cur = ch
	}
	if d := time.Until(c.cur.at); d > 0 {
		c.rtimer.Reset(d)
		select {
		case <-c.rtimer.C:
		case <-c.closed:
			c.rtimer.Stop()
			return 0, c.opErr("read", net.ErrClosed)
		case <-expired:
			c.rtimer.Stop()
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
	}
	if c.cur.err != nil {
		c.rerr = c.cur.err
		if !errors.Is(c.rerr, io.EOF) {
			c.rerr = c.opErr("read", c.rerr)
		}
		c.cur = chunk{}
		return 0, c.rerr
	}
	n := copy(p, c.cur.data)
	c.cur.data = c.cur.data[n:]
	return n, nil
}

// Write queues a copy of p to reach the client RTT/2 after its serialisation
// ends, and returns when that serialisation ends (at once without a
// bandwidth), honouring the write deadline.
func (c *Conn) Write(p []byte) (int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if isClosed(c.closed) {
		return 0, c.opErr("write", net.ErrClosed)
	}
	expired := c.wdl.wait()
	if isClosed(expired) {
		return 0, c.opErr("write", os.ErrDeadlineExceeded)
	}
	if len(p) == 0 {
		return 0, nil
	}
	start := time.Now()
	if start.Before(c.txFree) {
		start = c.txFree
	}
	c.txFree = start.Add(c.cfg.serialise(len(p)))
	ch := chunk{at: c.txFree.Add(c.cfg.RTT / 2), data: append([]byte(nil), p...)}
	switch err := c.out.push(ch, c.closed, expired); {
	case errors.Is(err, errQueueClosed):
		return 0, c.opErr("write", net.ErrClosed)
	case err != nil:
		return 0, c.opErr("write", os.ErrDeadlineExceeded)
	}
	if d := time.Until(c.txFree); d > 0 {
		c.wtimer.Reset(d)
		select {
		case <-c.wtimer.C:
		case <-c.closed:
			c.wtimer.Stop()
		case <-expired:
			c.wtimer.Stop()
		}
	}
	return len(p), nil
}

// Close wakes pending Reads and Writes at once; bytes already written are
// still delivered on time (for at most RTT + 5 s), then the underlying conn
// is closed.
func (c *Conn) Close() error {
	err := c.opErr("close", net.ErrClosed)
	c.once.Do(func() {
		close(c.closed)
		err = nil
	})
	return err
}

// Done is closed once the conn's goroutines have exited and the underlying
// conn is closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline for pending and future Reads.
func (c *Conn) SetReadDeadline(t time.Time) error { c.rdl.set(t); return nil }

// SetWriteDeadline sets the deadline for pending and future Writes.
func (c *Conn) SetWriteDeadline(t time.Time) error { c.wdl.set(t); return nil }

func (c *Conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "netem", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// deadline is a settable deadline whose wait channel is closed when it
// passes; moving it to the future before then keeps the same channel.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{}
}

func newDeadline() deadline { return deadline{ch: make(chan struct{})} }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch // the timer fired (or is closing ch): wait for it
	}
	d.timer = nil
	if isClosed(d.ch) {
		d.ch = make(chan struct{})
	}
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		close(d.ch)
		return
	}
	ch := d.ch
	d.timer = time.AfterFunc(dur, func() { close(ch) })
}

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}
