//go:build unix

package lambda

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the function in its own process group, so that a kill reaches the
// children a runtime may start (a shell wrapper's interpreter, for one).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
