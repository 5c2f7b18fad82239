//go:build !linux

package watchdog

// Open reports ErrNoWatchdog: only Linux has /dev/watchdog.
func Open(path string) (Device, error) { return nil, ErrNoWatchdog }
