//go:build !unix

package resultsfile

import (
	"os/exec"
	"time"
)

// InGroup sets cmd's WaitDelay; process groups are a unix feature.
func InGroup(cmd *exec.Cmd, grace time.Duration) { cmd.WaitDelay = grace }

// EndGroup does nothing without process groups.
func EndGroup(cmd *exec.Cmd) {}
