package emulators

import "syscall"

// setParentDeathSignal kills moto_server if the test binary dies without
// running Close (test timeout panic, SIGKILL), so it cannot leak.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
