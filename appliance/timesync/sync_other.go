//go:build !linux

package timesync

import (
	"context"
	"errors"
	"time"
)

// Sync reports that only Linux is supported.
func Sync(ctx context.Context, servers []string) (time.Duration, error) {
	return 0, errors.New("timesync: setting the clock needs Linux")
}
