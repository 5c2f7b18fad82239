package watchdog

import (
	"errors"
	"fmt"
	"io/fs"

	uwatchdog "github.com/u-root/u-root/pkg/watchdog"
)

// Open opens and thereby arms the watchdog at path; from now on it must be
// fed. It returns ErrNoWatchdog when path does not exist.
func Open(path string) (Device, error) {
	w, err := uwatchdog.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoWatchdog
	}
	if err != nil {
		return nil, fmt.Errorf("watchdog: open %s: %w", path, err)
	}
	return w, nil
}
