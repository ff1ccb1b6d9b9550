package pycrawl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// checkTimeout bounds the interpreter run by Check.
const checkTimeout = 30 * time.Second

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
	path, err := exec.LookPath(cfg.python())
	if err != nil {
		return fmt.Errorf("pycrawl: python interpreter %s not found: install python3 (%v)", cfg.python(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	// Print the first module that fails to import, or nothing.
	script := "import importlib,sys\nfor m in sys.argv[1:]:\n  try: importlib.import_module(m)\n  except Exception: print(m); break\n"
	cmd := exec.CommandContext(ctx, path, append([]string{"-c", script}, modules(cfg.parser())...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("pycrawl: %s does not run: %v: %s", path, err, lastLine(stderr.String()))
		}
		return fmt.Errorf("pycrawl: %s does not run: %w", path, err)
	}
	if m := strings.TrimSpace(string(outb)); m != "" {
		return fmt.Errorf("pycrawl: %s with %s: %s lacks module %s: install python3-%s", kind, cfg.parser(), path, m, m)
	}
	return nil
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
