//go:build unix

package resultsfile

import (
	"os/exec"
	"syscall"
	"time"
)

// InGroup makes cmd start in a process group of its own. When cmd's
// context ends, the whole group (go and the test binary it started, and
// their children) gets SIGTERM, and SIGKILL grace later if anything is
// left, so a signal to a runner stops every process it started. Call
// EndGroup after cmd.Wait.
func InGroup(cmd *exec.Cmd, grace time.Duration) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pid := cmd.Process.Pid
		time.AfterFunc(grace, func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
		return syscall.Kill(-pid, syscall.SIGTERM)
	}
	cmd.WaitDelay = grace
}

// EndGroup kills whatever is left of the process group of cmd, started
// with InGroup: a test binary whose go command has already exited.
func EndGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
