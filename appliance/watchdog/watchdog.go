// Package watchdog feeds the hardware watchdog, when the board has one, so
// that a hung kernel or a wedged PID 1 resets the box instead of leaving
// it dead until someone pulls the plug.
//
// The watchdog keeps the timeout its driver sets (30 s for iTCO_wdt and
// i6300esb) and is fed three times per timeout. u-root's SetTimeout is not
// used: it passes a time.Duration where the kernel reads an int of seconds.
//
// # Usage
//
//	d, err := watchdog.Open(watchdog.Dev) // arms it
//	go watchdog.Feed(ctx, d, log)          // until ctx ends, then leaves it armed
package watchdog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Dev is the kernel's first watchdog device.
const Dev = "/dev/watchdog"

// DefaultTimeout is assumed when the driver does not report its timeout.
const DefaultTimeout = 30 * time.Second

// Device is an armed watchdog.
type Device interface {
	// KeepAlive restarts the watchdog's countdown.
	KeepAlive() error
	// Timeout returns the countdown the driver uses.
	Timeout() (time.Duration, error)
}

// ErrNoWatchdog is returned by Open when the board has no watchdog device.
var ErrNoWatchdog = errors.New("watchdog: no /dev/watchdog (no watchdog driver loaded for this board)")

// Interval returns how often to feed a watchdog with the given timeout:
// a third of it, so that two missed feeds in a row are survived, and never
// more often than once a second.
func Interval(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return max(timeout/3, time.Second)
}

// Feed keeps d from firing until ctx ends; then it returns and leaves the
// watchdog armed, so that a shutdown that hangs still ends in a reset.
// A failed feed is logged; Feed keeps trying. log gets a subsys attribute.
func Feed(ctx context.Context, d Device, log *slog.Logger) {
	log = log.With("subsys", "appliance/watchdog")
	timeout, err := d.Timeout()
	if err != nil {
		timeout = DefaultTimeout
	}
	every := Interval(timeout)
	log.Info("watchdog armed", "timeout", timeout, "feed_every", every)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := d.KeepAlive(); err != nil {
			log.Warn("watchdog not fed", "err", fmt.Errorf("watchdog: %w", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
