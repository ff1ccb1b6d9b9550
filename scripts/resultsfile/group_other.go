//go:build !unix

package resultsfile

import (
	"os/exec"
	"time"
)

// InGroup sets cmd's WaitDelay; process groups are a unix feature.
func InGroup(cmd *exec.Cmd, grace time.Duration) (end func()) {
	cmd.WaitDelay = grace
	return func() {}
}
