//go:build !linux

package pid1

import (
	"os/exec"
	"syscall"
)

// MountAll reports ErrUnsupported.
func MountAll(warn func(msg string, err error)) error { return ErrUnsupported }

// DisableCtrlAltDel reports ErrUnsupported.
func DisableCtrlAltDel() error { return ErrUnsupported }

// Reaper is not available off Linux; its Start reports ErrUnsupported.
type Reaper struct{}

// NewReaper returns a Reaper whose Start fails.
func NewReaper() *Reaper { return &Reaper{} }

// Start reports ErrUnsupported.
func (r *Reaper) Start(cmd *exec.Cmd) (<-chan syscall.WaitStatus, error) { return nil, ErrUnsupported }

// Close does nothing.
func (r *Reaper) Close() {}

// Shutdown reports ErrUnsupported.
func Shutdown(a Action, mountpoints []string, logf func(format string, args ...any)) error {
	return ErrUnsupported
}
