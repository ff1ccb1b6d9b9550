package pyclient

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
	path, err := exec.LookPath(python)
	if err != nil {
		return fmt.Errorf("pyclient: python interpreter %s not found: install python3 (%v)", python, err)
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	// Print the first module that fails to import, or nothing.
	script := "import importlib,sys\nfor m in sys.argv[1:]:\n  try: importlib.import_module(m)\n  except Exception: print(m); break\n"
	cmd := exec.CommandContext(ctx, path, append([]string{"-c", script}, mods...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("pyclient: %s does not run: %v: %s", path, err, lastLine(stderr.String()))
		}
		return fmt.Errorf("pyclient: %s does not run: %w", path, err)
	}
	if m := strings.TrimSpace(string(outb)); m != "" {
		return fmt.Errorf("pyclient: %s: %s lacks module %s: install python3-%s", kind, path, m, m)
	}
	return nil
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
