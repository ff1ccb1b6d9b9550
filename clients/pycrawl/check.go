package pycrawl

import (
	"context"
	"fmt"

	"github.com/crawlbench/crawlbench/internal/pyproc"
)

// Check reports in one line why kind cannot run with parser (""
// means HTMLParser) and the interpreter python ("" means DefaultPython):
// the interpreter is missing, or a module is, naming the Debian package to
// install. It returns nil when the crawler can run.
func Check(ctx context.Context, python string, kind Kind, parser Parser) error {
	if kind != Asyncio && kind != ProcsAsyncio {
		return fmt.Errorf("pycrawl: kind %q: want %s or %s", kind, Asyncio, ProcsAsyncio)
	}
	cfg := Config{Python: python, Parser: parser}
	if p := cfg.parser(); p != HTMLParser && p != LXML {
		return fmt.Errorf("pycrawl: parser %q: want %s or %s", p, HTMLParser, LXML)
	}
	path, m, err := pyproc.FirstMissing(ctx, cfg.python(), modules(cfg.parser()))
	if err != nil {
		return fmt.Errorf("pycrawl: %w", err)
	}
	if m != "" {
		return fmt.Errorf("pycrawl: %s with %s: %s lacks module %s: install python3-%s", kind, cfg.parser(), path, m, m)
	}
	return nil
}
