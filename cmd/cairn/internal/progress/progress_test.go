package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestBarLines(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	b := New(&buf, "hash", 1000)
	b.now = func() time.Time { return clock }
	b.start, b.mu.drawn = clock, clock
	clock = clock.Add(6 * time.Second)
	b.Set(500)
	b.Set(600) // within 5 s of the last line: not drawn
	clock = clock.Add(time.Second)
	b.Done()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], " 50%") || !strings.Contains(lines[1], " 60%") {
		t.Errorf("lines = %q, want 50%% then 60%%", lines)
	}
	buf.Reset()
	quick := New(&buf, "hash", 10)
	quick.Set(10)
	quick.Done()
	if buf.Len() != 0 {
		t.Errorf("a transfer shorter than one interval printed %q off a terminal", buf.String())
	}
	var nilBar *Bar
	nilBar.Set(1) // must not panic
	New(nil, "x", 0).Done()
}
