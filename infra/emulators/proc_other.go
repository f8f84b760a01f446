//go:build !unix

package emulators

import "os/exec"

func setProcessGroup(*exec.Cmd) {}

func terminateGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }
