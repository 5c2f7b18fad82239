//go:build !linux

package update

import (
	"context"
	"errors"
)

// MountESP reports an error off Linux: mount the ESP yourself and use
// DirESP.
func MountESP(ctx context.Context) (dir string, unmount func() error, err error) {
	return "", nil, errors.New("update: only Linux can find and mount the ESP; mount it and pass its directory (--esp)")
}
