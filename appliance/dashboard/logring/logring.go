// Package logring keeps a process's recent log records for its dashboard:
// a [log/slog] handler that writes each record as one JSON line into a
// [supervise.Ring], numbered so that a poller can ask for what is new.
//
// # Usage
//
//	ring := logring.New(supervise.NewRing(0), slog.LevelInfo)
//	log := slog.New(logring.Tee(slog.NewTextHandler(os.Stderr, nil), ring))
//	log.Info("started", "port", 8080)
//	entries := ring.Since(0, 100) // the newest 100 records, oldest first
package logring

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cairn-node/cairn/appliance/supervise"
)

// Caps on the text of one entry, so that its JSON line stays under the
// ring's line limit (4 KiB) and is never cut in the middle.
const (
	maxMsgBytes   = 1024
	maxAttrsBytes = 2048
)

// Entry is one log record as the dashboard shows it.
type Entry struct {
	// Seq numbers the records a Handler wrote, from 1, without gaps.
	Seq uint64 `json:"seq"`
	// Time, Level and Msg are the record's.
	Time  time.Time `json:"time"`
	Level string    `json:"level"`
	Msg   string    `json:"msg"`
	// Attrs are the record's attributes (and those of the logger) in
	// slog's text format: key=value pairs, groups as dotted keys.
	Attrs string `json:"attrs,omitempty"`
}

// Handler is a slog.Handler that keeps records in a ring. Handlers derived
// with WithAttrs and WithGroup share the ring and the numbering. It is
// safe for concurrent use.
type Handler struct {
	sh    *shared
	level slog.Leveler
	// text formats the attributes; it writes into sh.buf under sh.mu.
	text slog.Handler
}

// shared is the state of a Handler and the handlers derived from it.
type shared struct {
	ring *supervise.Ring
	// mu serialises records so that ring order is Seq order.
	mu  sync.Mutex
	seq uint64
	buf bytes.Buffer
}

var _ slog.Handler = (*Handler)(nil)

// New returns a Handler keeping records at level or above in ring; a nil
// level means slog.LevelInfo. The ring should be used by this Handler
// alone: Since skips lines that are not its entries.
func New(ring *supervise.Ring, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	sh := &shared{ring: ring}
	return &Handler{sh: sh, level: level, text: slog.NewTextHandler(&sh.buf, &slog.HandlerOptions{
		Level: slog.LevelDebug - 100, // Enabled decides
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{} // they have fields of their own
			}
			return a
		},
	})}
}

// Enabled reports whether level is at or above the Handler's level.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// Handle numbers r and writes it into the ring. It fails only when
// formatting an attribute fails.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	h.sh.mu.Lock()
	defer h.sh.mu.Unlock()
	h.sh.buf.Reset()
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	h.sh.seq++
	e := Entry{
		Seq:   h.sh.seq,
		Time:  r.Time,
		Level: r.Level.String(),
		Msg:   cut(r.Message, maxMsgBytes),
		Attrs: cut(strings.TrimSpace(h.sh.buf.String()), maxAttrsBytes),
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if len(line) >= 4000 { // escapes blew it up: keep the message only
		e.Attrs, e.Msg = "", cut(e.Msg, 256)
		if line, err = json.Marshal(e); err != nil {
			return err
		}
	}
	_, _ = h.sh.ring.Write(append(line, '\n')) // a Ring never fails
	return nil
}

// WithAttrs returns a Handler adding attrs to every record.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{sh: h.sh, level: h.level, text: h.text.WithAttrs(attrs)}
}

// WithGroup returns a Handler putting later attributes in group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{sh: h.sh, level: h.level, text: h.text.WithGroup(name)}
}

// Since returns the kept entries numbered above seq, oldest first, at most
// limit of them (the newest ones; limit <= 0 means all). The caller owns
// the slice. Records older than the ring's size are gone.
func (h *Handler) Since(seq uint64, limit int) []Entry {
	lines := h.sh.ring.Lines()
	var out []Entry
	for i := len(lines) - 1; i >= 0; i-- {
		if limit > 0 && len(out) == limit {
			break
		}
		var e Entry
		if json.Unmarshal([]byte(lines[i]), &e) != nil || e.Seq == 0 {
			continue // not written by a Handler
		}
		if e.Seq <= seq {
			break // lines are in Seq order
		}
		out = append(out, e)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Last returns the number of the newest record written, 0 before the
// first.
func (h *Handler) Last() uint64 {
	h.sh.mu.Lock()
	defer h.sh.mu.Unlock()
	return h.sh.seq
}

// cut shortens s to at most n bytes on a rune boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1] // at most 3 bytes of a cut rune
	}
	return s + "…"
}
