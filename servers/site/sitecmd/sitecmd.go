// Package sitecmd runs a generated site (package servers/site) as a command,
// [Main], and in a child process of any host binary, [Start], so a benchmark
// never shares its runtime with the site it crawls.
//
// Usage:
//
//	site -pages 10000 -hosts 16 [-seed 1] [-page-bytes 30000] [-links 20]
//	     [-external 2] [-delay 5ms] [-dist fixed] [-sigma 0.5] [-capacity 0]
//	     [-gzip] [-not-html 3,7] [-huge 5] [-huge-bytes 2097152] [-loop 9]
//	     [-refuse 2]
//
// Once listening it prints one line, "slowserver: listening on URL" (the
// line package serverproc waits for) with host 0's base URL; every host's URL
// is in GET URL/_site. A bad flag prints one line naming the flag and its
// range, and exits 2.
//
// A host binary's main (or TestMain) must hand over first thing:
//
//	if sitecmd.IsChild() { os.Exit(sitecmd.ChildMain()) }
//	if serverproc.IsChild() { os.Exit(serverproc.ChildMain()) }
package sitecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/servers"
	"github.com/crawlbench/crawlbench/servers/servercmd"
	"github.com/crawlbench/crawlbench/servers/serverproc"
	"github.com/crawlbench/crawlbench/servers/site"
)

// Marker is the first argument of a site child, telling it apart from a
// slowserver child.
const Marker = "-crawlbench-site"

// Exit statuses of Main.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// IsChild reports whether this process was started by Start.
func IsChild() bool {
	return serverproc.IsChild() && len(os.Args) > 1 && os.Args[1] == Marker
}

// ChildMain runs Main in a child started by Start and returns its exit
// status.
func ChildMain() int {
	return serverproc.RunChild(func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return Main(ctx, args[1:], stdout, stderr)
	})
}

// Proc is a site in a child process.
type Proc struct {
	*serverproc.Proc
	// Hosts are the base URLs of the hosts, host h at index h.
	Hosts []string
}

// Start runs a site child (this binary re-executed) with args, waits for it
// to listen and reads its hosts' URLs.
func Start(ctx context.Context, args []string) (*Proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("sitecmd: finding this executable: %w", err)
	}
	p, err := serverproc.StartCommand(ctx, []string{exe, Marker}, args)
	if err != nil {
		return nil, fmt.Errorf("sitecmd: %w", err)
	}
	st, err := site.FetchStatus(ctx, p.URL)
	if err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("sitecmd: %w", err)
	}
	return &Proc{Proc: p, Hosts: st.Hosts}, nil
}

// Status reads the child's counters.
func (p *Proc) Status(ctx context.Context) (site.Status, error) { return site.FetchStatus(ctx, p.URL) }

// Reset zeroes the child's counters.
func (p *Proc) Reset(ctx context.Context) error { return site.ResetStatus(ctx, p.URL) }

// StartURL is the crawl's start page.
func (p *Proc) StartURL() string { return p.Hosts[0] + "/p/0" }

// Args returns the command line that makes c (the inverse of parsing).
func Args(c site.Config) []string {
	a := []string{"-seed", strconv.FormatUint(c.Seed, 10), "-pages", strconv.Itoa(c.Pages), "-hosts", strconv.Itoa(c.Hosts)}
	add := func(name string, v int) {
		if v != 0 {
			a = append(a, name, strconv.Itoa(v))
		}
	}
	add("-page-bytes", c.PageBytes)
	add("-links", c.Links)
	add("-external", c.External)
	add("-capacity", c.Capacity)
	add("-huge-bytes", c.HugeBytes)
	if c.Delay != 0 {
		a = append(a, "-delay", c.Delay.String())
	}
	if c.Dist != "" {
		a = append(a, "-dist", string(c.Dist))
	}
	if c.Sigma != 0 {
		a = append(a, "-sigma", strconv.FormatFloat(c.Sigma, 'g', -1, 64))
	}
	if c.Gzip {
		a = append(a, "-gzip")
	}
	for _, l := range []struct {
		name string
		v    []int
	}{{"-not-html", c.NotHTML}, {"-huge", c.Huge}, {"-loop", c.Loop}, {"-refuse", c.Refuse}} {
		if len(l.v) > 0 {
			s := make([]string, len(l.v))
			for i, x := range l.v {
				s[i] = strconv.Itoa(x)
			}
			a = append(a, l.name, strings.Join(s, ","))
		}
	}
	return a
}

// intList is a flag of comma-separated integers.
type intList struct{ v *[]int }

func (l intList) String() string {
	if l.v == nil {
		return ""
	}
	return fmt.Sprint(*l.v)
}

func (l intList) Set(s string) error {
	*l.v = nil
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("%q is not a comma-separated list of integers", s)
		}
		*l.v = append(*l.v, n)
	}
	return nil
}

// flagOf names the flag of a site.Config field.
var flagOf = map[string]string{
	"Pages": "-pages", "Hosts": "-hosts", "PageBytes": "-page-bytes", "Links": "-links", "External": "-external",
	"Delay": "-delay", "Capacity": "-capacity", "Sigma": "-sigma", "HugeBytes": "-huge-bytes", "Dist": "-dist",
	"NotHTML": "-not-html", "Huge": "-huge", "Loop": "-loop", "Refuse": "-refuse",
}

// Parse parses the command line into a validated site.Config; an error
// names the flag and its range.
func Parse(args []string, stderr io.Writer) (site.Config, error) {
	var c site.Config
	fs := flag.NewFlagSet("site", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var dist string
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the link graph, the text and the delays")
	fs.IntVar(&c.Pages, "pages", 1000, fmt.Sprintf("pages P; 1..%d", site.MaxPages))
	fs.IntVar(&c.Hosts, "hosts", 16, fmt.Sprintf("hosts H, each its own port; 1..%d and at most -pages", site.MaxHosts))
	fs.IntVar(&c.PageBytes, "page-bytes", site.DefaultPageBytes, fmt.Sprintf("HTML bytes per page; %d..%d", site.MinPageBytes, site.MaxPageBytes))
	fs.IntVar(&c.Links, "links", site.DefaultLinks, fmt.Sprintf("in-site links per page; -1 (none) or 1..%d", site.MaxLinks))
	fs.IntVar(&c.External, "external", site.DefaultExternal, fmt.Sprintf("out-of-site links per page; -1 (none) or 1..%d", site.MaxExternal))
	fs.DurationVar(&c.Delay, "delay", 0, fmt.Sprintf("delay d per page (the scale of -dist); 0..%v", site.MaxDelay))
	fs.StringVar(&dist, "dist", string(servers.DistFixed), fmt.Sprintf("delay distribution, one of %v", servers.Dists()))
	fs.Float64Var(&c.Sigma, "sigma", servers.DefaultSigma, fmt.Sprintf("lognormal shape; 0..%g", servers.LimitSigma))
	fs.IntVar(&c.Capacity, "capacity", 0, fmt.Sprintf("requests in service at once per host k (0: unlimited); 0..%d", site.MaxCapacity))
	fs.BoolVar(&c.Gzip, "gzip", false, "gzip pages for clients that accept it")
	fs.Var(intList{&c.NotHTML}, "not-html", "pages served as application/octet-stream (comma-separated, 0..P-1)")
	fs.Var(intList{&c.Huge}, "huge", "pages of -huge-bytes bytes (comma-separated, 0..P-1)")
	fs.IntVar(&c.HugeBytes, "huge-bytes", site.DefaultHugeBytes, "bytes of a -huge page")
	fs.Var(intList{&c.Loop}, "loop", "pages linking to themselves and page 0 (comma-separated, 0..P-1)")
	fs.Var(intList{&c.Refuse}, "refuse", "hosts whose port refuses connections (comma-separated, 1..H-1)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.Dist = servers.Dist(dist)
	if err := c.WithDefaults().Validate(); err != nil {
		var se *site.Error
		if errors.As(err, &se) {
			return c, fmt.Errorf("%s: %s", flagOf[se.Field], se.Msg)
		}
		return c, err
	}
	return c, nil
}

// Main runs the site command with args until ctx is done and returns the
// exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := Parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "site: %v\n", err)
		return ExitUsage
	}
	s, err := site.Start(ctx, c)
	if err != nil {
		fmt.Fprintf(stderr, "site: %v\n", err)
		return ExitError
	}
	fmt.Fprintf(stdout, "%s%s\n", servercmd.ListeningPrefix, s.URLs()[0])
	fmt.Fprintf(stderr, "site: %d pages over %d hosts, %d bytes each, delay %v %s, capacity %d per host\n",
		c.Pages, c.Hosts, s.Config().PageBytes, c.Delay, c.Dist, c.Capacity)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		_ = s.Close()
	}
	return ExitOK
}
