package clients_test

import (
	"bufio"
	"net"
	"testing"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/strategy"
)

// garbageServer answers every request with reply and closes the connection.
func garbageServer(t *testing.T, reply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = bufio.NewReader(c).ReadString('\n')
				_, _ = c.Write([]byte(reply))
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/"
}

// A server that answers bytes which are not HTTP is counted as other by
// net/http and fasthttp alike; a genuine response cut short is a reset for
// both.
func TestGarbageResponsesClassifiedAlike(t *testing.T) {
	for _, tc := range []struct {
		reply string
		want  clients.ErrorKind
	}{
		{"NOT HTTP AT ALL", clients.Other},
		{"garbage\r\n\r\n", clients.Other},
		{"SSH-2.0-OpenSSH_9.6\r\n", clients.Other},
		{"HTTP/1.1 abc\r\n\r\n", clients.Other},
		{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", clients.Reset},
		{"HTTP/1.1 200 OK\r\n", clients.Reset},
	} {
		url := garbageServer(t, tc.reply)
		for _, name := range []string{strategy.Fanout, strategy.FastHTTP} {
			c := newClient(t, name, clients.Config{Targets: []string{url}})
			res, err := c.Run(t.Context(), 2)
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors[tc.want] != 2 {
				t.Errorf("%s, reply %q: errors %v (%v), want 2 × %s", name, tc.reply, res.Errors, res.Samples, tc.want)
			}
		}
	}
}
