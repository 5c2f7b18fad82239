// Package pid1 does what the first process of a Linux system must do and
// nothing else: mount the kernel's pseudo file systems ([MountAll]), reap
// orphaned children ([Reaper]), turn Ctrl-Alt-Del into a signal instead of
// an instant reset ([DisableCtrlAltDel]), map the console's signals to
// shutdown actions ([ActionFor]) and shut down cleanly ([Shutdown]: sync,
// unmount, reboot or power off).
//
// PID 1 must never exit: the kernel panics when it does. Callers loop or
// block forever after a failed step rather than return from main.
//
// Everything but [ActionFor] and the [Mounts] table needs Linux and root;
// elsewhere those functions return [ErrUnsupported].
package pid1
