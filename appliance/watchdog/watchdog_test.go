package watchdog_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/watchdog"
)

func TestInterval(t *testing.T) {
	for _, tc := range []struct{ timeout, want time.Duration }{
		{30 * time.Second, 10 * time.Second},
		{0, 10 * time.Second},
		{2 * time.Second, time.Second},
	} {
		if got := watchdog.Interval(tc.timeout); got != tc.want {
			t.Errorf("Interval(%v) = %v, want %v", tc.timeout, got, tc.want)
		}
	}
}

type fakeDevice struct{ fed atomic.Int32 }

func (f *fakeDevice) KeepAlive() error                { f.fed.Add(1); return nil }
func (f *fakeDevice) Timeout() (time.Duration, error) { return 3 * time.Second, nil }

func TestFeedUntilCancelled(t *testing.T) {
	d := &fakeDevice{}
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	watchdog.Feed(ctx, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// Fed at once, then every second (a third of 3 s): at 0, 1 and 2 s.
	if got := d.fed.Load(); got != 3 {
		t.Errorf("KeepAlive calls in 2.5 s = %d, want 3", got)
	}
}

func TestOpenMissing(t *testing.T) {
	if _, err := watchdog.Open(filepath.Join(t.TempDir(), "watchdog")); !errors.Is(err, watchdog.ErrNoWatchdog) {
		t.Errorf("Open(missing) = %v, want ErrNoWatchdog", err)
	}
}
