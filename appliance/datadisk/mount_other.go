//go:build !linux

package datadisk

import (
	"context"
	"errors"
)

// Mount reports that only Linux is supported.
func Mount(ctx context.Context, c Config) (dev string, err error) {
	return "", errors.New("datadisk: mounting the data partition needs Linux")
}

// Grow reports that only Linux is supported.
func Grow(dev string, c Config) (*Growth, error) {
	return nil, errors.New("datadisk: growing the data partition needs Linux")
}
