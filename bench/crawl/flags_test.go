package crawl

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A bad flag stops the binary before anything runs: exit status 2 and a
// line naming the flag and its range.
func TestBadFlags(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-pages", "0"}, "Pages"},
		{[]string{"-hosts", "300"}, "Hosts"},
		{[]string{"-conc", "0"}, "-conc"},
		{[]string{"-per-host", "x"}, "-per-host"},
		{[]string{"-page-work", "2s"}, "-page-work"},
		{[]string{"-gomaxprocs", "-1"}, "-gomaxprocs"},
		{[]string{"-strategies", "nope"}, "-strategies"},
		{[]string{"-procs", "100"}, "-procs"},
		{[]string{"-req-timeout", "1ns"}, "-req-timeout"},
		{[]string{"-python", " "}, "-python"},
	} {
		out, err := exec.Command(exe, append([]string{"-test.run=^$"}, tc.args...)...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: %v, output %q; want exit 2 naming %s", tc.args, err, out, tc.want)
		}
	}
}
