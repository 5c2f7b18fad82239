package powerbutton

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Watch reads every event device in dir (normally /dev/input) and sends
// on the returned channel each time the power button goes down; a press
// that finds the channel full is dropped. It returns an error when dir has
// no event device. The readers stop when ctx ends (a blocked read ends at
// the next event or never: they hold no resource worth freeing on PID 1).
func Watch(ctx context.Context, dir string) (<-chan struct{}, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "event*"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("powerbutton: no input event devices in %s; is the evdev module loaded?", dir)
	}
	presses := make(chan struct{}, 1)
	opened := 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		opened++
		go read(ctx, f, presses)
	}
	if opened == 0 {
		return nil, fmt.Errorf("powerbutton: cannot open the event devices in %s", dir)
	}
	return presses, nil
}

// read forwards power presses from one device until ctx ends or a read
// fails.
func read(ctx context.Context, r io.ReadCloser, presses chan<- struct{}) {
	defer r.Close()
	ev := make([]byte, eventSize)
	for ctx.Err() == nil {
		if _, err := io.ReadFull(r, ev); err != nil {
			return
		}
		if IsPowerPress(ev) {
			select {
			case presses <- struct{}{}:
			default:
			}
		}
	}
}
