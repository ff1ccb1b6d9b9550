package scale

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// netstatPath holds the kernel's TCP extension counters (TcpExt) for this
// network namespace: every process in it adds to them, so a delta over a
// run is an upper bound on what the run itself caused.
const netstatPath = "/proc/net/netstat"

// The TcpExt counters the scale benchmark reports.
const (
	// listenOverflows counts connections that completed the handshake (or
	// SYNs) dropped because a listener's accept queue was full.
	listenOverflows = "ListenOverflows"
	// listenDrops counts every SYN or handshake dropped at a listener,
	// overflows included.
	listenDrops = "ListenDrops"
	// synRetrans counts SYN retransmissions by clients: each one is a
	// connect that waited 1 s (then 2 s, 4 s, ...) more.
	synRetrans = "TCPSynRetrans"
)

// tcpExt is a snapshot of the TcpExt counters.
type tcpExt map[string]int64

// readTCPExt reads the TcpExt counters of /proc/net/netstat.
func readTCPExt() (tcpExt, error) {
	b, err := os.ReadFile(netstatPath)
	if err != nil {
		return nil, fmt.Errorf("tcp counters: %w", err)
	}
	return parseTCPExt(string(b))
}

// parseTCPExt parses the text of /proc/net/netstat: pairs of lines, a
// header "TcpExt: Name1 Name2 ..." and the values "TcpExt: 1 2 ...".
func parseTCPExt(s string) (tcpExt, error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != "TcpExt:" {
			continue
		}
		if len(values) != len(names) || values[0] != "TcpExt:" {
			return nil, fmt.Errorf("tcp counters: %d TcpExt names but %d values", len(names)-1, len(values)-1)
		}
		out := make(tcpExt, len(names)-1)
		for j := 1; j < len(names); j++ {
			v, err := strconv.ParseInt(values[j], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("tcp counters: %s = %q: %w", names[j], values[j], err)
			}
			out[names[j]] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("tcp counters: no TcpExt lines in %s", netstatPath)
}

// since returns t[name] − earlier[name].
func (t tcpExt) since(earlier tcpExt, name string) int64 {
	return t[name] - earlier[name]
}

// conntrackPath holds the number of connections the kernel's connection
// tracking (netfilter) follows. Its table is bounded (nf_conntrack_max);
// when it is full, new connections' packets are dropped.
const conntrackPath = "/proc/sys/net/netfilter/nf_conntrack_count"

// conntrackCount returns the number of tracked connections, or an error
// where there is no connection tracking.
func conntrackCount() (int64, error) {
	b, err := os.ReadFile(conntrackPath)
	if err != nil {
		return 0, fmt.Errorf("conntrack: %w", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("conntrack: %s: %w", conntrackPath, err)
	}
	return n, nil
}
