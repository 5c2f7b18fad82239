// Package progress draws byte-count progress bars for long CLI transfers
// (hashing, uploads, downloads) on a terminal, and plain periodic lines
// elsewhere (logs, CI), so a person always sees that work goes on.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar is a progress bar for a transfer of Total bytes (0: unknown). It is
// safe for concurrent use.
type Bar struct {
	mu struct {
		sync.Mutex
		done  uint64
		drawn time.Time
	}
	w     io.Writer
	label string
	total uint64
	start time.Time
	tty   bool
	every time.Duration
	now   func() time.Time
}

// width is the number of cells of the bar itself.
const width = 30

// New returns a bar drawing on w. Nil w gives a bar that draws nothing. On
// a terminal it redraws in place up to 10 times a second; elsewhere it
// prints a line every 5 seconds.
func New(w io.Writer, label string, total uint64) *Bar {
	b := &Bar{w: w, label: label, total: total, now: time.Now, every: 5 * time.Second}
	b.start = b.now()
	b.mu.drawn = b.start // the first line is due one interval after the start
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.tty, b.every = true, 100*time.Millisecond
		}
	}
	return b
}

// Set records that done bytes are finished and redraws when due.
func (b *Bar) Set(done uint64) {
	if b == nil || b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mu.done = done
	if now := b.now(); now.Sub(b.mu.drawn) >= b.every {
		b.mu.drawn = now
		b.draw(now)
	}
}

// Done draws the final state and ends the line. Off a terminal it prints
// nothing for a transfer that ended before its first line was due.
func (b *Bar) Done() {
	if b == nil || b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.tty && b.mu.drawn.Equal(b.start) {
		return
	}
	if b.total == 0 {
		b.total = b.mu.done
	}
	b.draw(b.now())
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) draw(now time.Time) {
	el := now.Sub(b.start).Seconds()
	rate := ""
	if el > 0 {
		rate = Bytes(uint64(float64(b.mu.done)/el)) + "/s"
	}
	line := fmt.Sprintf("%s %s %s", b.label, Bytes(b.mu.done), rate)
	if b.total > 0 {
		frac := min(float64(b.mu.done)/float64(b.total), 1)
		cells := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %3.0f%% %s / %s %s", b.label, strings.Repeat("#", cells), strings.Repeat("-", width-cells),
			frac*100, Bytes(b.mu.done), Bytes(b.total), rate)
	}
	if b.tty {
		fmt.Fprintf(b.w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(b.w, line)
}

// Bytes formats n with a binary unit: 512 B, 1.5 KiB, 3.0 GiB.
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
