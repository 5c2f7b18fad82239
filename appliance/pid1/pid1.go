package pid1

import (
	"errors"
	"syscall"
)

// ErrUnsupported is returned by the functions of this package on systems
// other than Linux.
var ErrUnsupported = errors.New("pid1: only Linux can run Cairn as PID 1")

// Mount is one pseudo file system PID 1 mounts at boot.
type Mount struct {
	Source, Target, FSType, Data string
	Flags                        uintptr
	// Required mounts fail the boot; others are logged and skipped
	// (cgroup2 on a kernel without it, say).
	Required bool
}

// Mount flags, spelled out here so the table below builds everywhere.
const (
	msNoSuid = 0x2
	msNoDev  = 0x4
	msNoExec = 0x8
)

// Mounts lists what MountAll mounts, in order: /proc, /sys and /dev first
// because the rest of the boot reads them.
var Mounts = []Mount{
	{Source: "proc", Target: "/proc", FSType: "proc", Flags: msNoSuid | msNoDev | msNoExec, Required: true},
	{Source: "sysfs", Target: "/sys", FSType: "sysfs", Flags: msNoSuid | msNoDev | msNoExec, Required: true},
	{Source: "devtmpfs", Target: "/dev", FSType: "devtmpfs", Data: "mode=0755", Flags: msNoSuid, Required: true},
	{Source: "devpts", Target: "/dev/pts", FSType: "devpts", Data: "mode=0620,ptmxmode=0666", Flags: msNoSuid | msNoExec},
	{Source: "tmpfs", Target: "/run", FSType: "tmpfs", Data: "mode=0755", Flags: msNoSuid | msNoDev, Required: true},
	{Source: "tmpfs", Target: "/tmp", FSType: "tmpfs", Data: "mode=1777", Flags: msNoSuid | msNoDev, Required: true},
	{Source: "cgroup2", Target: "/sys/fs/cgroup", FSType: "cgroup2", Flags: msNoSuid | msNoDev | msNoExec},
}

// Action is how the system goes down.
type Action int

// Shutdown actions.
const (
	Reboot Action = iota
	PowerOff
)

// String returns "reboot" or "power off".
func (a Action) String() string {
	if a == PowerOff {
		return "power off"
	}
	return "reboot"
}

// ActionFor maps a signal sent to PID 1 to its shutdown action, as
// sysvinit and busybox do: SIGINT (Ctrl-Alt-Del on the console, once
// [DisableCtrlAltDel] ran) and SIGTERM reboot; SIGUSR2 powers off. ok is
// false for other signals.
func ActionFor(sig syscall.Signal) (a Action, ok bool) {
	switch sig {
	case syscall.SIGINT, syscall.SIGTERM:
		return Reboot, true
	case syscall.SIGUSR2:
		return PowerOff, true
	}
	return 0, false
}
