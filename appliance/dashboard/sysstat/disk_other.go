//go:build !linux

package sysstat

import "errors"

// statfs reports that disk use is measured on Linux only.
func statfs(string, *Disk) error {
	return errors.New("sysstat: disk use is read on Linux only")
}
