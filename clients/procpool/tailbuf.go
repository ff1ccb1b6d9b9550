package procpool

import "sync"

// stderrTail is how much of a worker's stderr is kept for error messages.
const stderrTail = 4 << 10

// tailBuffer is an io.Writer that keeps the last max bytes written to it. It
// is safe for concurrent use.
type tailBuffer struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	lost int64 // bytes dropped from the front
}

func newTailBuffer(max int) *tailBuffer {
	return &tailBuffer{max: max}
}

// Write keeps the tail of p; it never fails.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		t.lost += int64(len(t.buf) + len(p) - t.max)
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.lost += int64(over)
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// String returns the kept tail, prefixed with "..." when bytes were dropped.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lost > 0 {
		return "..." + string(t.buf)
	}
	return string(t.buf)
}
