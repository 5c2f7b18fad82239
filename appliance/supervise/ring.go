package supervise

import (
	"bytes"
	"sync"
)

// DefaultRingLines is the number of lines a Ring built with a size of zero
// keeps.
const DefaultRingLines = 1000

// maxLineBytes caps a line kept in a Ring: longer lines are cut there, so a
// child writing without newlines cannot grow the buffer without bound.
const maxLineBytes = 4096

// Ring keeps the last lines written to it. It is an io.Writer: writes are
// split at '\n', and an unterminated tail waits for the next write (or
// [Ring.Flush]). It is safe for concurrent use.
//
// INVARIANT: len(mu.lines) <= size, and mu.next is the index the next
// complete line goes to once the ring is full.
type Ring struct {
	size int
	mu   struct {
		sync.Mutex
		lines []string
		next  int
		total uint64
		part  []byte
	}
}

// NewRing returns a ring keeping the last size lines; size <= 0 means
// DefaultRingLines.
func NewRing(size int) *Ring {
	if size <= 0 {
		size = DefaultRingLines
	}
	return &Ring{size: size}
}

// Write adds the complete lines in p to the ring. It never fails and always
// returns len(p). The ring does not keep p.
func (r *Ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxLineBytes - len(r.mu.part)
			r.mu.part = append(r.mu.part, p[:min(room, len(p))]...)
			break
		}
		room := maxLineBytes - len(r.mu.part)
		r.mu.part = append(r.mu.part, p[:min(room, i)]...)
		r.addLocked(string(r.mu.part))
		r.mu.part = r.mu.part[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Flush ends a pending unterminated line, if any, as a line of its own.
func (r *Ring) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.mu.part) > 0 {
		r.addLocked(string(r.mu.part))
		r.mu.part = r.mu.part[:0]
	}
}

func (r *Ring) addLocked(line string) {
	r.mu.total++
	if len(r.mu.lines) < r.size {
		r.mu.lines = append(r.mu.lines, line) // preserves INVARIANT: len < size before
		return
	}
	r.mu.lines[r.mu.next] = line // overwrites the oldest line
	r.mu.next = (r.mu.next + 1) % r.size
}

// Lines returns the kept lines, oldest first, in a new slice the caller
// owns.
func (r *Ring) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.mu.lines))
	out = append(out, r.mu.lines[r.mu.next:]...)
	return append(out, r.mu.lines[:r.mu.next]...)
}

// Total returns how many complete lines were ever written, kept or not.
func (r *Ring) Total() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.total
}
