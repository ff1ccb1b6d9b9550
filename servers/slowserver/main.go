package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/crawlbench/crawlbench/servers/servercmd"
	"github.com/crawlbench/crawlbench/servers/serverproc"
)

func main() {
	if serverproc.IsChild() { // started by serverproc.StartCommand
		os.Exit(serverproc.ChildMain())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := servercmd.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
