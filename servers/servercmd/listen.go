package servercmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// MaxBacklog bounds ListenOptions.Backlog and the -backlog flag. The kernel
// caps the accept queue at net.core.somaxconn anyway.
const MaxBacklog = 1 << 16

// MaxListeners bounds ListenN's n and the -listeners flag.
const MaxListeners = 64

// SomaxconnPath is the sysctl that caps every listen(2) backlog.
const SomaxconnPath = "/proc/sys/net/core/somaxconn"

// ListenOptions configures Listen.
type ListenOptions struct {
	// ReusePort sets SO_REUSEPORT on the socket, so that several processes
	// (each setting it too) can listen on the same address and port; the
	// kernel then hashes every new connection to one of their accept
	// queues.
	ReusePort bool
	// Backlog is the accept-queue length passed to listen(2), 1..MaxBacklog;
	// 0 means Go's default, which is net.core.somaxconn. The kernel silently
	// caps it at somaxconn. When the queue is full the kernel drops new
	// SYNs, and the client retransmits its SYN after 1 s, then 3 s, ...
	Backlog int
}

// Listen opens a TCP listener on addr (host:port; port 0 picks a free port)
// with the options o. It does not check that the host is loopback: the
// command's flag parsing does.
func Listen(ctx context.Context, addr string, o ListenOptions) (net.Listener, error) {
	if o.Backlog < 0 || o.Backlog > MaxBacklog {
		return nil, fmt.Errorf("listen on %s: backlog %d is out of range; want 0..%d (0 = somaxconn)", addr, o.Backlog, MaxBacklog)
	}
	if o.Backlog == 0 {
		lc := net.ListenConfig{}
		if o.ReusePort {
			lc.Control = setReusePort
		}
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		return ln, nil
	}
	ln, err := listenBacklog(ctx, addr, o)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// ListenN opens n TCP listeners (1..MaxListeners) on one address: with
// n = 1 it is Listen; with more, every socket sets SO_REUSEPORT (whatever
// o.ReusePort says), the first picks the port when addr's is 0, and the
// others bind the same port. The kernel hashes each new connection to one
// of the sockets, so n sockets give n accept queues of o.Backlog each, and n
// accept loops. On error every listener opened so far is closed.
func ListenN(ctx context.Context, addr string, o ListenOptions, n int) ([]net.Listener, error) {
	if n < 1 || n > MaxListeners {
		return nil, fmt.Errorf("listen on %s: %d listeners is out of range; want 1..%d", addr, n, MaxListeners)
	}
	if n > 1 {
		o.ReusePort = true
	}
	first, err := Listen(ctx, addr, o)
	if err != nil {
		return nil, err
	}
	lns := []net.Listener{first}
	same := first.Addr().String()
	for len(lns) < n {
		ln, err := Listen(ctx, same, o)
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// setReusePort is a net.ListenConfig.Control that sets SO_REUSEPORT.
func setReusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("setsockopt SO_REUSEPORT: %w", serr)
	}
	return nil
}

// listenBacklog builds the listening socket by hand, because the net
// package always passes somaxconn to listen(2).
func listenBacklog(ctx context.Context, addr string, o ListenOptions) (net.Listener, error) {
	tas, err := net.DefaultResolver.LookupIPAddr(ctx, hostOf(addr))
	if err != nil || len(tas) == 0 {
		return nil, fmt.Errorf("resolve %q: %w", addr, errors.Join(err, errors.New("no address")))
	}
	_, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("port %q: %w", portStr, err)
	}
	ip := tas[0].IP
	family, sa := unix.AF_INET6, unix.Sockaddr(nil)
	if ip4 := ip.To4(); ip4 != nil {
		s := &unix.SockaddrInet4{Port: int(port)}
		copy(s.Addr[:], ip4)
		family, sa = unix.AF_INET, s
	} else {
		s := &unix.SockaddrInet6{Port: int(port)}
		copy(s.Addr[:], ip.To16())
		sa = s
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	// From here the fd is owned by f; closing f closes it.
	f := os.NewFile(uintptr(fd), "listener "+addr)
	defer f.Close() // net.FileListener has its own duplicate
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return nil, fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
	}
	if o.ReusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return nil, fmt.Errorf("setsockopt SO_REUSEPORT: %w", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return nil, fmt.Errorf("bind: %w", err)
	}
	if err := unix.Listen(fd, o.Backlog); err != nil {
		return nil, fmt.Errorf("listen(%d): %w", o.Backlog, err)
	}
	return net.FileListener(f)
}

// hostOf returns the host part of host:port, or addr itself.
func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// Backlog returns the accept-queue limit the kernel applies to the TCP
// listener ln (its sk_max_ack_backlog, which Linux reports for a listening
// socket in tcpi_sacked of TCP_INFO), after the somaxconn cap.
func Backlog(ln net.Listener) (int, error) {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return 0, fmt.Errorf("backlog: %T is not a socket", ln)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("backlog: %w", err)
	}
	var info *unix.TCPInfo
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return 0, fmt.Errorf("backlog: %w", err)
	}
	if gerr != nil {
		return 0, fmt.Errorf("backlog: getsockopt TCP_INFO: %w", gerr)
	}
	if info.State != unix.BPF_TCP_LISTEN {
		return 0, fmt.Errorf("backlog: socket is in TCP state %d, not listening", info.State)
	}
	return int(info.Sacked), nil
}

// Somaxconn returns net.core.somaxconn, the kernel's cap on listen backlogs.
func Somaxconn() (int, error) {
	b, err := os.ReadFile(SomaxconnPath)
	if err != nil {
		return 0, fmt.Errorf("somaxconn: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("somaxconn: %s: %w", SomaxconnPath, err)
	}
	return n, nil
}
