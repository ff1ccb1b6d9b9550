package pyproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// checkTimeout bounds the interpreter run by FirstMissing.
const checkTimeout = 30 * time.Second

// FirstMissing runs the interpreter python and returns its path and the
// first of modules it cannot import ("" when it imports them all). An
// error says the interpreter is missing (install python3) or does not run.
func FirstMissing(ctx context.Context, python string, modules []string) (path, missing string, err error) {
	path, err = exec.LookPath(python)
	if err != nil {
		return "", "", fmt.Errorf("python interpreter %s not found: install python3 (%v)", python, err)
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	// Print the first module that fails to import, or nothing.
	script := "import importlib,sys\nfor m in sys.argv[1:]:\n  try: importlib.import_module(m)\n  except Exception: print(m); break\n"
	cmd := exec.CommandContext(ctx, path, append([]string{"-c", script}, modules...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return path, "", fmt.Errorf("%s does not run: %v: %s", path, err, lastLine(stderr.String()))
		}
		return path, "", fmt.Errorf("%s does not run: %w", path, err)
	}
	return path, strings.TrimSpace(string(outb)), nil
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
