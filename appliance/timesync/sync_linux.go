package timesync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// queryTimeout bounds each server's answer.
const queryTimeout = 3 * time.Second

// Sync asks the servers in order until one answers and steps the system
// clock by its offset when that exceeds MaxDrift. It returns the offset
// found, or the errors of all servers joined.
func Sync(ctx context.Context, servers []string) (time.Duration, error) {
	if len(servers) == 0 {
		servers = []string{DefaultServer}
	}
	var errs []error
	for _, s := range servers {
		qctx, cancel := context.WithTimeout(ctx, queryTimeout)
		off, err := Query(qctx, s)
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if off.Abs() < MaxDrift {
			return off, nil
		}
		tv := unix.NsecToTimeval(time.Now().Add(off).UnixNano())
		if err := unix.Settimeofday(&tv); err != nil {
			return off, fmt.Errorf("timesync: step the clock by %s: %w", off, err)
		}
		return off, nil
	}
	return 0, errors.Join(errs...)
}
