package serverproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/crawlbench/crawlbench/servers"
)

// MaxGroup bounds GroupConfig.Procs.
const MaxGroup = 64

// ErrSharedURL is returned by Group.Stats and Group.Reset when several
// processes share one URL (SO_REUSEPORT), so that a request to it reaches
// one of them at random and their counters cannot be read one by one.
var ErrSharedURL = errors.New("several server processes share one URL (SO_REUSEPORT): their counters are not addressable one by one")

// GroupConfig configures StartGroup.
type GroupConfig struct {
	// Procs is the number of server processes, 1..MaxGroup.
	Procs int
	// Args are the slowserver flags of every process, e.g. "-delay", "1s".
	// The group sets -addr and -reuseport itself; Args must not.
	Args []string
	// Hosts are the loopback addresses the processes listen on: process i
	// binds Hosts[i%len(Hosts)]. Empty means 127.0.0.1. Several hosts
	// (127.0.0.2, 127.0.0.3, ...) give clients more source/destination
	// pairs, each with its own range of ephemeral ports.
	Hosts []string
	// ReusePort puts every process on one port with SO_REUSEPORT (the
	// kernel spreads connections over the processes of a host); otherwise
	// each process listens on a port of its own and has a URL of its own.
	ReusePort bool
	// Command is the server's argv; nil re-executes this binary, like Start.
	Command []string
}

// Validate reports the first invalid field of c, naming it and its range.
func (c GroupConfig) Validate() error {
	if c.Procs < 1 || c.Procs > MaxGroup {
		return fmt.Errorf("procs: %d: want 1 to %d server processes", c.Procs, MaxGroup)
	}
	for _, a := range c.Args {
		name := strings.TrimLeft(a, "-")
		name, _, _ = strings.Cut(name, "=")
		if strings.HasPrefix(a, "-") && (name == "addr" || name == "reuseport") {
			return fmt.Errorf("args: %q: the group sets -addr and -reuseport itself", a)
		}
	}
	for i, h := range c.Hosts {
		ip := net.ParseIP(h)
		if ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("hosts[%d]: %q: want a loopback IP address (127.0.0.0/8, ::1)", i, h)
		}
	}
	if c.Command != nil && (len(c.Command) == 0 || c.Command[0] == "") {
		return fmt.Errorf("command: %q: want a program and its arguments, or nil to re-execute this program", c.Command)
	}
	return nil
}

// Group is several slowserver processes serving as one: clients spread
// their requests over URLs (clients.Config.Targets round-robins over
// them), which is how one machine serves more concurrent connections than
// one process may hold open files.
type Group struct {
	procs  []*Proc
	urls   []string // distinct base URLs, in process order
	shared bool     // some URL is served by more than one process

	stopOnce sync.Once
	stopErr  error
}

// StartGroup starts cfg.Procs slowserver processes. ctx bounds only the
// start-up. If any process fails to start, the others are stopped and the
// error names the failing one.
func StartGroup(ctx context.Context, cfg GroupConfig) (*Group, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("serverproc: group: %w", err)
	}
	hosts := cfg.Hosts
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1"}
	}
	start := func(i int, port string) (*Proc, error) {
		args := append([]string{"-addr", net.JoinHostPort(hosts[i%len(hosts)], port)}, cfg.Args...)
		if cfg.ReusePort {
			args = append(args, "-reuseport")
		}
		if cfg.Command != nil {
			return StartCommand(ctx, cfg.Command, args)
		}
		return Start(ctx, args)
	}
	g := &Group{procs: make([]*Proc, cfg.Procs)}
	first, err := start(0, "0")
	if err != nil {
		return nil, fmt.Errorf("serverproc: group: server 0: %w", err)
	}
	g.procs[0] = first
	port := "0"
	if cfg.ReusePort {
		u, err := url.Parse(first.URL)
		if err != nil {
			_ = g.Stop()
			return nil, fmt.Errorf("serverproc: group: server 0 URL %q: %w", first.URL, err)
		}
		port = u.Port()
	}
	var eg errgroup.Group
	for i := 1; i < cfg.Procs; i++ {
		eg.Go(func() error {
			p, err := start(i, port)
			if err != nil {
				return fmt.Errorf("server %d: %w", i, err)
			}
			g.procs[i] = p
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		_ = g.Stop()
		return nil, fmt.Errorf("serverproc: group: %w", err)
	}
	seen := map[string]bool{}
	for _, p := range g.procs {
		if seen[p.URL] {
			g.shared = true
			continue
		}
		seen[p.URL] = true
		g.urls = append(g.urls, p.URL)
	}
	return g, nil
}

// URLs returns the group's distinct base URLs (http://HOST:PORT): one per
// process, or one per host with ReusePort.
func (g *Group) URLs() []string { return append([]string(nil), g.urls...) }

// Targets returns the URLs with path appended, e.g. "/", ready for
// clients.Config.Targets.
func (g *Group) Targets(path string) []string {
	out := make([]string, len(g.urls))
	for i, u := range g.urls {
		out[i] = u + path
	}
	return out
}

// Procs returns the group's processes.
func (g *Group) Procs() []*Proc { return append([]*Proc(nil), g.procs...) }

// Pids returns the processes' pids.
func (g *Group) Pids() []int {
	out := make([]int, len(g.procs))
	for i, p := range g.procs {
		out[i] = p.Pid()
	}
	return out
}

// Stats returns the processes' counters added up. MaxInFlight and MaxQueued
// become the sums of the processes' peaks, an upper bound on the group's
// peak (and equal to it when every process peaks at once, as in a batch
// that puts all its requests in flight together). With processes sharing
// a URL it returns ErrSharedURL.
func (g *Group) Stats(ctx context.Context) (servers.Stats, error) {
	var sum servers.Stats
	if g.shared {
		return sum, fmt.Errorf("serverproc: group stats: %w", ErrSharedURL)
	}
	all := make([]servers.Stats, len(g.procs))
	var eg errgroup.Group
	for i, p := range g.procs {
		eg.Go(func() error {
			st, err := p.Stats(ctx)
			all[i] = st
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return sum, fmt.Errorf("serverproc: group stats: %w", err)
	}
	for _, st := range all {
		sum.Served += st.Served
		sum.Canceled += st.Canceled
		sum.BadRequests += st.BadRequests
		sum.InFlight += st.InFlight
		sum.MaxInFlight += st.MaxInFlight
		sum.Queued += st.Queued
		sum.MaxQueued += st.MaxQueued
		sum.Conns += st.Conns
		sum.TimerLateNS += st.TimerLateNS
		sum.TimerLateMaxNS = max(sum.TimerLateMaxNS, st.TimerLateMaxNS)
		sum.TimerWakes += st.TimerWakes
		sum.PreTimerNS += st.PreTimerNS
		sum.PostTimerNS += st.PostTimerNS
		sum.Bursts += st.Bursts
		sum.BurstSpanNS += st.BurstSpanNS
		sum.BurstArrivalNS += st.BurstArrivalNS
		sum.BurstPreNS += st.BurstPreNS
		sum.BurstDelayNS += st.BurstDelayNS
		sum.BurstLateNS += st.BurstLateNS
		sum.BurstPostNS += st.BurstPostNS
		sum.BurstFirstMonoNS += st.BurstFirstMonoNS
	}
	return sum, nil
}

// Reset zeroes every process's counters. With processes sharing a URL it
// returns ErrSharedURL.
func (g *Group) Reset(ctx context.Context) error {
	if g.shared {
		return fmt.Errorf("serverproc: group reset: %w", ErrSharedURL)
	}
	var eg errgroup.Group
	for _, p := range g.procs {
		eg.Go(func() error { return p.Reset(ctx) })
	}
	if err := eg.Wait(); err != nil {
		return fmt.Errorf("serverproc: group reset: %w", err)
	}
	return nil
}

// Stop stops every process at once (each drains its in-flight requests,
// as Proc.Stop does) and reaps them all. It is idempotent; every call
// returns the first call's result, the processes' errors joined.
func (g *Group) Stop() error {
	g.stopOnce.Do(func() {
		errs := make([]error, len(g.procs))
		var wg sync.WaitGroup
		for i, p := range g.procs {
			if p == nil {
				continue
			}
			wg.Go(func() { errs[i] = p.Stop() })
		}
		wg.Wait()
		g.stopErr = errors.Join(errs...)
	})
	return g.stopErr
}
