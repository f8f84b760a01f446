//go:build unix && !linux

package emulators

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
