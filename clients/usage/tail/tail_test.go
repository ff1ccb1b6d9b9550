package tail

import (
	"strings"
	"sync"
	"testing"
)

func TestBufferKeepsTheEnd(t *testing.T) {
	b := New(8)
	_, _ = b.Write([]byte("abc"))
	if b.String() != "abc" {
		t.Errorf("got %q", b.String())
	}
	_, _ = b.Write([]byte("defgh"))
	_, _ = b.Write([]byte("ij"))
	if got := b.String(); got != "...cdefghij" {
		t.Errorf("got %q, want ...cdefghij", got)
	}
	_, _ = b.Write([]byte("0123456789"))
	if got := b.String(); got != "...23456789" {
		t.Errorf("got %q, want ...23456789", got)
	}
}

// Concurrent writers never leave more than max bytes, and each write is
// kept whole or dropped from the front, never interleaved mid-write.
func TestBufferConcurrent(t *testing.T) {
	b := New(64)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("abcdefgh"))
			}
		})
	}
	wg.Wait()
	got := strings.TrimPrefix(b.String(), "...")
	if len(got) != 64 || strings.Repeat("abcdefgh", 8) != got {
		t.Errorf("tail %q, want 8 whole writes", got)
	}
}
