package sitecmd_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/crawlbench/crawlbench/servers/site"
	"github.com/crawlbench/crawlbench/servers/site/sitecmd"
)

func TestMain(m *testing.M) {
	if sitecmd.IsChild() {
		os.Exit(sitecmd.ChildMain())
	}
	os.Exit(m.Run())
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"-pages 0", "-pages"},
		{"-pages 10 -hosts 300", "-hosts"},
		{"-pages 10 -hosts 2 -delay 2h", "-delay"},
		{"-pages 10 -hosts 2 -page-bytes 1", "-page-bytes"},
		{"-pages 10 -hosts 2 -not-html x", "-not-html"},
		{"-pages 10 -hosts 2 -refuse 5", "-refuse"},
	} {
		var out, errb bytes.Buffer
		code := sitecmd.Main(context.Background(), strings.Fields(tc.args), &out, &errb)
		if code != sitecmd.ExitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 naming %s", tc.args, code, errb.String(), tc.want)
		}
	}
}

func TestChildProcess(t *testing.T) {
	ctx := context.Background()
	c := site.Config{Seed: 2, Pages: 50, Hosts: 5, Gzip: true, Loop: []int{3}}
	p, err := sitecmd.Start(ctx, sitecmd.Args(c))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
	}()
	if len(p.Hosts) != 5 || p.Pid() == os.Getpid() {
		t.Fatalf("hosts %v, pid %d", p.Hosts, p.Pid())
	}
	st, err := p.Status(ctx)
	if err != nil || st.Pages != 50 {
		t.Fatalf("status %+v, %v", st, err)
	}
	got, err := sitecmd.Parse(sitecmd.Args(c), &bytes.Buffer{})
	if err != nil || got.Seed != 2 || got.Pages != 50 || !got.Gzip || len(got.Loop) != 1 || got.Loop[0] != 3 {
		t.Errorf("Parse(Args(c)) = %+v, %v", got, err)
	}
}
