package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress draws "[#####-----] 12/40 label" on w: redrawn in place with a
// carriage return on a terminal, one line per step otherwise (logs, CI).
type progress struct {
	w     io.Writer
	tty   bool
	total int
	n     int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

const barWidth = 30

func (p *progress) step(label string) {
	if p.w == nil {
		return
	}
	p.n++
	filled := barWidth * (p.n - 1) / max(p.total, 1)
	bar := strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K[%s] %d/%d %s", bar, p.n, p.total, label)
		return
	}
	fmt.Fprintf(p.w, "[%s] %d/%d %s\n", bar, p.n, p.total, label)
}

func (p *progress) done() {
	if p.w != nil && p.tty {
		fmt.Fprintf(p.w, "\r\033[K[%s] %d/%d done\n", strings.Repeat("#", barWidth), p.n, p.total)
	}
}
