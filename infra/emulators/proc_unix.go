//go:build unix

package emulators

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the child in its own process group so that Close can
// stop moto_server together with anything it spawned (the pyenv shim execs
// Python, and Werkzeug may fork).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

func terminateGroup(cmd *exec.Cmd, force bool) {
	sig := syscall.SIGTERM
	if force {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
