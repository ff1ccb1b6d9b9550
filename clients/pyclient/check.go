package pyclient

import (
	"context"
	"fmt"

	"github.com/crawlbench/crawlbench/internal/pyproc"
)

// Check reports in one line why kind cannot run with the interpreter
// python ("" means DefaultPython): the interpreter is missing, or a module
// the kind imports is, naming the Debian package to install. It returns
// nil when the kind can run.
func Check(ctx context.Context, python string, kind Kind) error {
	return check(ctx, python, kind)
}

// check is Check for kind with the modules extra imported too.
func check(ctx context.Context, python string, kind Kind, extra ...string) error {
	if python == "" {
		python = DefaultPython
	}
	mods, ok := kindModules[kind]
	if !ok {
		return fmt.Errorf("pyclient: kind %q: want one of %s", kind, kindList())
	}
	mods = append(append([]string(nil), mods...), extra...)
	path, m, err := pyproc.FirstMissing(ctx, python, mods)
	if err != nil {
		return fmt.Errorf("pyclient: %w", err)
	}
	if m != "" {
		return fmt.Errorf("pyclient: %s: %s lacks module %s: install python3-%s", kind, path, m, m)
	}
	return nil
}
