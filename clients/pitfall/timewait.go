package pitfall

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// tcpTimeWait is the TIME_WAIT state's code in /proc/net/tcp.
const tcpTimeWait = "06"

// TimeWait counts the TCP sockets in TIME_WAIT whose local or remote port
// is port, from /proc/net/tcp and /proc/net/tcp6 (Linux; the file missing
// is an error).
func TimeWait(port int) (int, error) {
	if port < 1 || port > 65535 {
		return 0, fmt.Errorf("time-wait: port %d: want 1..65535", port)
	}
	total := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) && f == "/proc/net/tcp6" {
			continue // no IPv6
		}
		if err != nil {
			return 0, fmt.Errorf("time-wait: %w", err)
		}
		n, err := countTimeWait(b, port)
		if err != nil {
			return 0, fmt.Errorf("time-wait: %s: %w", f, err)
		}
		total += n
	}
	return total, nil
}

// countTimeWait counts the TIME_WAIT lines of a /proc/net/tcp table with
// port at either end.
func countTimeWait(table []byte, port int) (int, error) {
	sc := bufio.NewScanner(bytes.NewReader(table))
	n := 0
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 4 {
			continue // the header
		}
		if f[3] != tcpTimeWait {
			continue
		}
		for _, end := range f[1:3] {
			i := strings.LastIndexByte(end, ':')
			p, err := strconv.ParseUint(end[i+1:], 16, 16)
			if i < 0 || err != nil {
				return 0, fmt.Errorf("address %q: not ADDR:PORT in hex", end)
			}
			if int(p) == port {
				n++
				break
			}
		}
	}
	return n, sc.Err()
}
