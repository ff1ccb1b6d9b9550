package clients

import (
	"testing"

	"go.uber.org/goleak"
)

// fasthttpCleaners are fasthttp's background goroutines, which end on their
// own some seconds after their client goes idle.
func fasthttpCleaners() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"),
	}
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, fasthttpCleaners()...)
}
