package dashboard

import (
	"fmt"
	"os"
	"syscall"
)

// The signals package appliance maps to its shutdown actions (see
// pid1.ActionFor).
const (
	sigReboot   = syscall.SIGTERM
	sigPowerOff = syscall.SIGUSR2
)

// underAppliance reports whether the parent is PID 1 running this very
// binary, as it is when the appliance supervises the node (it starts
// /proc/self/exe run …). A host's init (systemd) is another binary, and a
// process that may not read /proc/1/exe is not under the appliance.
func underAppliance() bool {
	if os.Getppid() != 1 {
		return false
	}
	self, err := os.Stat("/proc/self/exe")
	if err != nil {
		return false
	}
	init, err := os.Stat("/proc/1/exe")
	if err != nil {
		return false
	}
	return os.SameFile(self, init)
}

// signalInit sends sig to PID 1.
func signalInit(sig syscall.Signal) error {
	if err := syscall.Kill(1, sig); err != nil {
		return fmt.Errorf("signal PID 1 (%v): %w", sig, err)
	}
	return nil
}
