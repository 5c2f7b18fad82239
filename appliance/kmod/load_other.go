//go:build !linux

package kmod

import "errors"

// Load reports that only Linux loads kernel modules.
func Load() (loaded []string, err error) {
	return nil, errors.New("kmod: loading kernel modules needs Linux")
}
