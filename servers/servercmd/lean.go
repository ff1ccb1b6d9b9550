package servercmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/crawlbench/crawlbench/servers"
)

// LeanArg, as the first argument, runs the lean server instead of the
// slowserver: `slowserver lean -addr A -delay D`.
const LeanArg = "lean"

// leanMaxDelay caps the lean server's -delay, as the slowserver's default
// -max-delay caps its delays.
const leanMaxDelay = servers.DefaultMaxDelay

// leanServer is the least a slow server can do, the control against which
// the slowserver's own cost per request is measured: fasthttp, every
// request held for a fixed delay and answered "ok", and the counters a
// benchmark checks (served, in_flight, max_in_flight, delay_ns, dist) at
// /_stats and /_stats/reset, with nothing else: no faults, distributions,
// capacity, bursts, timer or breakdown counters, TLS or emulated network.
type leanServer struct {
	delay                   time.Duration
	served, inFlight, maxIn atomic.Int64
	conns                   atomic.Int64
}

func (s *leanServer) handle(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case servers.ResetPath:
		if !ctx.IsPost() {
			ctx.Error("POST only", fasthttp.StatusMethodNotAllowed)
			return
		}
		s.served.Store(0)
		s.maxIn.Store(s.inFlight.Load())
		s.conns.Store(0)
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return
	case servers.StatsPath:
		b, err := json.Marshal(servers.Stats{
			Served: s.served.Load(), InFlight: s.inFlight.Load(), MaxInFlight: s.maxIn.Load(),
			Conns: s.conns.Load(), DelayNS: int64(s.delay), Dist: string(servers.DistFixed), PID: os.Getpid(),
		})
		if err != nil {
			ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		ctx.SetContentType("application/json")
		ctx.SetBody(b)
		return
	}
	n := s.inFlight.Add(1)
	for m := s.maxIn.Load(); n > m && !s.maxIn.CompareAndSwap(m, n); m = s.maxIn.Load() {
	}
	t := time.NewTimer(s.delay)
	select {
	case <-t.C:
	case <-ctx.Done(): // the server is shutting down
		t.Stop()
	}
	s.inFlight.Add(-1)
	s.served.Add(1)
	ctx.SetBodyString("ok\n")
}

// mainLean runs the lean server with args until ctx is done.
func mainLean(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(Name+" "+LeanArg, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:0", "listen `address` (loopback)")
	delay := fs.Duration("delay", 50*time.Millisecond, fmt.Sprintf("how long every request is held, 0..%v", leanMaxDelay))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: %s %s [-addr A] [-delay D]\n\nThe lean server: every request held -delay and answered \"ok\", and /_stats; nothing else.\n", Name, LeanArg)
			return ExitOK
		}
		fmt.Fprintf(stderr, "%s %s: %v (flags: -addr, -delay)\n", Name, LeanArg, err)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s %s: unexpected arguments %q; the lean server takes only -addr and -delay\n", Name, LeanArg, fs.Args())
		return ExitUsage
	}
	if *delay < 0 || *delay > leanMaxDelay {
		fmt.Fprintf(stderr, "%s %s: -delay %v: want 0..%v\n", Name, LeanArg, *delay, leanMaxDelay)
		return ExitUsage
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "%s %s: listen -addr %s: %v\n", Name, LeanArg, *addr, err)
		return ExitError
	}
	s := &leanServer{delay: *delay}
	hs := &fasthttp.Server{
		Handler:     s.handle,
		Name:        Name + "-" + LeanArg,
		Concurrency: 1 << 20,
		ConnState: func(_ net.Conn, st fasthttp.ConnState) {
			if st == fasthttp.StateNew {
				s.conns.Add(1)
			}
		},
	}
	fmt.Fprintf(stdout, "%shttp://%s\n", ListeningPrefix, ln.Addr())
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	select {
	case err := <-serveErr:
		fmt.Fprintf(stderr, "%s %s: serve: %v\n", Name, LeanArg, err)
		return ExitError
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.ShutdownWithContext(sctx); err != nil {
		fmt.Fprintf(stderr, "%s %s: shutdown: %v\n", Name, LeanArg, err)
	}
	fmt.Fprintf(stderr, "%s: stopped: served %d, connections %d, max in service %d (lean)\n", Name, s.served.Load(), s.conns.Load(), s.maxIn.Load())
	return ExitOK
}
