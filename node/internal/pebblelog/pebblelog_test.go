package pebblelog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	l := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), "owner")
	l.Infof("flushed %d", 1)
	l.Errorf("compaction %s", "failed")
	out := buf.String()
	for _, want := range []string{`level=DEBUG msg="flushed 1" from=pebble`, `level=ERROR msg="compaction failed" from=pebble`} {
		if !strings.Contains(out, want) {
			t.Errorf("log output %q lacks %q", out, want)
		}
	}
	defer func() {
		if r := recover(); r != "owner: pebble: disk gone" {
			t.Errorf("Fatalf panicked with %v, want %q", r, "owner: pebble: disk gone")
		}
		if !strings.Contains(buf.String(), `msg="disk gone" from=pebble fatal=true`) {
			t.Errorf("log output %q lacks the fatal line", buf.String())
		}
	}()
	l.Fatalf("disk %s", "gone")
}
