//go:build unix

package resultsfile

import (
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// InGroup makes cmd start in a process group of its own. When cmd's
// context ends, the whole group (go and the test binary it started, and
// their children) gets SIGTERM, and SIGKILL grace later if anything is
// left, so a signal to a runner stops every process it started. Call the
// returned function after cmd.Wait: it kills whatever is left of the
// group (a test binary whose go command has already exited).
func InGroup(cmd *exec.Cmd, grace time.Duration) (end func()) {
	var mu sync.Mutex
	var timer *time.Timer
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pid := cmd.Process.Pid
		mu.Lock()
		timer = time.AfterFunc(grace, func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
		mu.Unlock()
		return syscall.Kill(-pid, syscall.SIGTERM)
	}
	cmd.WaitDelay = grace
	return func() {
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
}
