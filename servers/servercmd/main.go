package servercmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/netem"
)

// Name is the command name used in messages.
const Name = "slowserver"

// ListeningPrefix starts the single stdout line printed once the server
// listens; the base URL (http://HOST:PORT) follows it.
const ListeningPrefix = Name + ": listening on "

// Flag defaults and limits.
const (
	DefaultAddr            = "127.0.0.1:5000"
	DefaultDelay           = 3 * time.Second
	DefaultSeed            = 1
	DefaultShutdownTimeout = 10 * time.Second
	MaxShutdownTimeout     = time.Hour
)

// Exit statuses of Main.
const (
	ExitOK    = 0
	ExitError = 1 // listening or serving failed
	ExitUsage = 2 // bad flag or value
)

// options are the parsed command line.
type options struct {
	addr            string
	allowRemote     bool
	cfg             servers.Config
	shutdownTimeout time.Duration
	listen          ListenOptions
	listeners       int
	netem           netem.Config
	tls             tlsOptions
}

// flagFor returns the flag that sets the servers.Config field.
func flagFor(field string) string {
	switch field {
	case "Delay":
		return "-delay"
	case "Body":
		return "-body"
	case "Capacity":
		return "-capacity"
	case "Dist":
		return "-dist"
	case "Sigma":
		return "-sigma"
	case "MaxDelay":
		return "-max-delay"
	case "MaxBytes":
		return "-max-bytes"
	case "MaxBody":
		return "-max-body"
	}
	return field
}

// Main runs the slowserver command with args (without the program name)
// until ctx is done, and returns the exit status.
// With LeanArg first it runs the lean server (lean.go) instead.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == LeanArg {
		return mainLean(ctx, args[1:], stdout, stderr)
	}
	opts, code, done := parseArgs(args, stdout, stderr)
	if done {
		return code
	}
	opts.cfg.ErrorLog = stderr
	srv, err := servers.New(opts.cfg)
	if err != nil { // parseArgs validated the config
		fmt.Fprintf(stderr, "%s: %v\n", Name, err)
		return ExitUsage
	}
	lns, err := ListenN(ctx, opts.addr, opts.listen, opts.listeners)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", Name, err)
		return ExitError
	}
	if ap, err := netip.ParseAddrPort(lns[0].Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		fmt.Fprintf(stderr, "%s: warning: listening on non-loopback %s: anyone who can reach it can make it hold requests for up to %v\n", Name, ap.Addr(), srv.Config().MaxDelay)
	}
	fmt.Fprintf(stderr, "%s: %s\n", Name, describe(srv.Config()))
	fmt.Fprintf(stderr, "%s: %s\n", Name, describeListener(lns, opts.listen))
	if !opts.netem.IsZero() {
		for i, ln := range lns {
			if lns[i], err = netem.NewListener(ln, opts.netem); err != nil { // parseArgs validated it
				fmt.Fprintf(stderr, "%s: %v\n", Name, err)
				return ExitUsage
			}
		}
		fmt.Fprintf(stderr, "%s: emulated network on every connection: RTT %v (one extra RTT before a new connection's first bytes), bandwidth %d B/s per direction (0 = unlimited)\n", Name, opts.netem.RTT, opts.netem.Bandwidth)
	}

	hs := srv.HTTPServer(opts.addr)
	if line, err := opts.tls.apply(hs, lns); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", Name, err)
		return ExitError
	} else if line != "" {
		fmt.Fprintf(stderr, "%s: %s\n", Name, line)
	}
	// Printed once the certificate is written, so that a parent reading
	// this line can trust it at once.
	fmt.Fprintf(stdout, "%s%s://%s\n", ListeningPrefix, opts.tls.scheme(), lns[0].Addr())
	serveErr := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { serveErr <- hs.Serve(ln) }()
	}

	select {
	case err := <-serveErr:
		fmt.Fprintf(stderr, "%s: serve: %v\n", Name, err)
		_ = hs.Close() // ends the other listeners' Serve
		for range len(lns) - 1 {
			<-serveErr
		}
		return ExitError
	case <-ctx.Done():
	}

	st := srv.Stats()
	fmt.Fprintf(stderr, "%s: shutting down: %d in service, %d queued; draining for up to %v\n", Name, st.InFlight, st.Queued, opts.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.shutdownTimeout)
	err = hs.Shutdown(sctx)
	cancel()
	if err != nil {
		st := srv.Stats()
		fmt.Fprintf(stderr, "%s: drain deadline %v passed with %d in service and %d queued; closing their connections\n", Name, opts.shutdownTimeout, st.InFlight, st.Queued)
		if err := hs.Close(); err != nil {
			fmt.Fprintf(stderr, "%s: close: %v\n", Name, err)
		}
		// Handlers see their connections close and return at once; wait a
		// little so the final counts include them.
		if !waitIdle(srv, closeGrace) {
			fmt.Fprintf(stderr, "%s: requests still in service %v after closing\n", Name, closeGrace)
		}
	}
	for range lns {
		if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "%s: serve: %v\n", Name, err)
		}
	}
	st = srv.Stats()
	fmt.Fprintf(stderr, "%s: stopped: served %d, canceled %d, bad requests %d, connections %d, max in service %d, max queued %d\n",
		Name, st.Served, st.Canceled, st.BadRequests, st.Conns, st.MaxInFlight, st.MaxQueued)
	return ExitOK
}

// closeGrace bounds how long Main waits for handlers to notice a forced close.
const closeGrace = 2 * time.Second

// waitIdle polls until srv has nothing in service or queued, or d passes.
func waitIdle(srv *servers.Server, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if st := srv.Stats(); st.InFlight == 0 && st.Queued == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// describeListener is the second startup line on stderr: the accept queue
// the kernel really gives each listening socket, how many there are, and
// whether SO_REUSEPORT is set.
func describeListener(lns []net.Listener, o ListenOptions) string {
	reuse := "off"
	if o.ReusePort || len(lns) > 1 {
		reuse = "on"
	}
	asked := "default"
	if o.Backlog > 0 {
		asked = strconv.Itoa(o.Backlog)
	}
	eff, err := Backlog(lns[0])
	effective := strconv.Itoa(eff)
	if err != nil {
		effective = "unknown (" + err.Error() + ")"
	}
	somax, err := Somaxconn()
	limit := strconv.Itoa(somax)
	if err != nil {
		limit = "unknown"
	}
	return fmt.Sprintf("listener: %d socket(s), accept backlog %s each (asked %s, net.core.somaxconn %s), SO_REUSEPORT %s", len(lns), effective, asked, limit, reuse)
}

// describe is the startup line on stderr.
func describe(c servers.Config) string {
	capacity := "unlimited"
	if c.Capacity > 0 {
		capacity = strconv.Itoa(c.Capacity)
	}
	dist := string(c.Dist)
	if c.Dist == servers.DistLognormal {
		dist += fmt.Sprintf(" sigma %g", c.Sigma)
	}
	return fmt.Sprintf("delay %v (%s, seed %d), capacity %s, body %d bytes", c.Delay, dist, c.Seed, capacity, len(c.Body))
}

// parseArgs parses the command line. If done, Main returns code at once
// (after -h, or after a one-line error on stderr).
func parseArgs(args []string, stdout, stderr io.Writer) (opts options, code int, done bool) {
	fs := flag.NewFlagSet(Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, in one line
	fs.Usage = func() {}

	opts.addr = DefaultAddr
	opts.cfg = servers.Config{Delay: DefaultDelay, Body: servers.DefaultBody, Dist: servers.DistFixed, Sigma: servers.DefaultSigma,
		Seed: DefaultSeed, MaxDelay: servers.DefaultMaxDelay, MaxBytes: servers.DefaultMaxBytes, MaxBody: servers.DefaultMaxBody}
	opts.shutdownTimeout = DefaultShutdownTimeout
	c := &opts.cfg

	fs.StringVar(&opts.addr, "addr", opts.addr, "listen `address` host:port; the host must be loopback (127.0.0.0/8, ::1, localhost) unless -allow-remote; port 0 picks a free port")
	fs.BoolVar(&opts.allowRemote, "allow-remote", false, "accept a non-loopback -addr (e.g. 0.0.0.0:5000): anyone who can reach it can make it hold requests for up to -max-delay")
	fs.Var(durationValue(&c.Delay, "0s up to -max-delay (10m0s by default)"), "delay", "`d`, how long each request waits before it is answered (the scale of -dist)")
	fs.Var(intValue(&c.Capacity, fmt.Sprintf("0..%d", servers.LimitCapacity)), "capacity", "`k`, at most k requests in service at once, the rest queue FIFO; 0 = unlimited (Flask threaded=True), 1 = one at a time")
	fs.StringVar(&c.Body, "body", c.Body, "response `body`; ?bytes=N repeats it to N bytes")
	fs.Var(distValue(&c.Dist), "dist", "delay `distribution`: fixed (d), uniform (U[0,2d]), exp (mean d), lognormal (median d)")
	fs.Var(floatValue(&c.Sigma, fmt.Sprintf("0..%g", servers.LimitSigma)), "sigma", "lognormal shape `sigma` (0 = 0.5)")
	fs.Var(uintValue(&c.Seed), "seed", "`seed` of the delay draws: a request with index i (header X-Slowserver-Index; without it, the i-th request after start or reset) always draws the same delay")
	fs.Var(durationValue(&c.MaxDelay, fmt.Sprintf("0s..%v", servers.LimitMaxDelay)), "max-delay", "`duration` cap on ?delay= and on drawn delays (0 = 10m)")
	fs.Var(int64Value(&c.MaxBytes, fmt.Sprintf("0..%d", servers.LimitMaxBytes)), "max-bytes", "`n` cap on ?bytes= (0 = 16 MiB)")
	fs.Var(int64Value(&c.MaxBody, fmt.Sprintf("0..%d", servers.LimitMaxBody)), "max-body", "`n` cap on request body bytes, 413 beyond (0 = 1 MiB)")
	fs.BoolVar(&opts.listen.ReusePort, "reuseport", false, "set SO_REUSEPORT, so that several slowservers can listen on the same -addr; the kernel spreads connections over them")
	opts.listeners = 1
	fs.Var(intValue(&opts.listeners, fmt.Sprintf("1..%d", MaxListeners)), "listeners", "listening `sockets` on -addr (SO_REUSEPORT): each has its own accept queue and accept loop, so a burst of new connections overflows none of them")
	fs.Var(intValue(&opts.listen.Backlog, fmt.Sprintf("0..%d", MaxBacklog)), "backlog", "accept-queue length `n` for listen(2); 0 = net.core.somaxconn (Go's default); the kernel caps it at somaxconn")
	fs.Var(durationValue(&opts.netem.RTT, fmt.Sprintf("0s..%v", netem.MaxRTT)), "rtt", "emulated round-trip `time` added to every connection (RTT/2 each way, plus one RTT of set-up before a new connection's first bytes); 0 = none")
	fs.Var(int64Value(&opts.netem.Bandwidth, fmt.Sprintf("0 or %d..%d", netem.MinBandwidth, netem.MaxBandwidth)), "bandwidth", "emulated `bytes` per second per connection and direction; 0 = unlimited")
	opts.tls.addFlags(fs)
	fs.Var(durationValue(&opts.shutdownTimeout, fmt.Sprintf("0s..%v", MaxShutdownTimeout)), "shutdown-timeout", "on SIGINT/SIGTERM, how long (`duration`) in-flight requests may take to finish before their connections are closed")

	usageErr := func(format string, a ...any) (options, int, bool) {
		fmt.Fprintf(stderr, "%s: %s (see -h)\n", Name, fmt.Sprintf(format, a...))
		return opts, ExitUsage, true
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: %s [flags]\n\nServes a slow HTTP endpoint on loopback for crawlbench: GET / waits -delay, then answers -body.\nPer request: ?delay=DURATION, ?bytes=N. GET /_stats gives counters as JSON; POST /_stats/reset zeroes them.\n\nflags:\n", Name)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return opts, ExitOK, true
		}
		return usageErr("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q; want flags only", fs.Arg(0))
	}
	if err := checkAddr(opts.addr, opts.allowRemote); err != nil {
		return usageErr("-addr: %v", err)
	}
	if c.Body == "" {
		return usageErr("-body: empty; want at least one byte (default %q)", servers.DefaultBody)
	}
	if opts.listeners < 1 || opts.listeners > MaxListeners {
		return usageErr("-listeners: %d is out of range; want 1..%d", opts.listeners, MaxListeners)
	}
	if opts.listen.Backlog < 0 || opts.listen.Backlog > MaxBacklog {
		return usageErr("-backlog: %d is out of range; want 0..%d (0 = net.core.somaxconn)", opts.listen.Backlog, MaxBacklog)
	}
	if opts.shutdownTimeout < 0 || opts.shutdownTimeout > MaxShutdownTimeout {
		return usageErr("-shutdown-timeout: %v is out of range; want 0s..%v", opts.shutdownTimeout, MaxShutdownTimeout)
	}
	if r := opts.netem.RTT; r < 0 || r > netem.MaxRTT {
		return usageErr("-rtt: %v is out of range; want 0s..%v", r, netem.MaxRTT)
	}
	if err := opts.netem.Validate(); err != nil {
		return usageErr("-bandwidth: %d is out of range; want 0 (unlimited) or %d..%d bytes per second", opts.netem.Bandwidth, netem.MinBandwidth, netem.MaxBandwidth)
	}
	if err := opts.tls.check(); err != nil {
		return usageErr("%v", err)
	}
	if err := c.Validate(); err != nil {
		var ce *servers.ConfigError
		if errors.As(err, &ce) {
			return usageErr("%s: %s %s; want %s", flagFor(ce.Field), ce.Value, ce.Reason, ce.Want)
		}
		return usageErr("%v", err)
	}
	return opts, 0, false
}

// checkAddr accepts host:port with a numeric port and, unless allowRemote,
// a loopback host.
func checkAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port; want e.g. %s or 127.0.0.1:0", addr, DefaultAddr)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number; want 0..65535", port)
	} else if p > 65535 {
		return fmt.Errorf("port %d is out of range; want 0..65535", p)
	}
	if allowRemote || strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("host %q is not a loopback address; want 127.0.0.0/8, ::1 or localhost (or -allow-remote)", host)
}
