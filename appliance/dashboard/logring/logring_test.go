package logring_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-node/cairn/appliance/dashboard/logring"
	"github.com/cairn-node/cairn/appliance/supervise"
)

func TestHandler(t *testing.T) {
	h := logring.New(supervise.NewRing(0), slog.LevelInfo)
	log := slog.New(h).With("subsys", "node")
	log.Debug("hidden")
	log.Info("started", "port", 8080)
	log.WithGroup("api").Warn("slow request", "path", "/x y")
	log.Error("line\nbreak")

	got := h.Since(0, 0)
	if len(got) != 3 {
		t.Fatalf("Since(0, 0) = %d entries %+v, want 3 (debug filtered)", len(got), got)
	}
	for i, want := range []struct{ level, msg, attrs string }{
		{"INFO", "started", "subsys=node port=8080"},
		{"WARN", "slow request", `subsys=node api.path="/x y"`},
		{"ERROR", "line\nbreak", "subsys=node"},
	} {
		e := got[i]
		if e.Seq != uint64(i+1) || e.Level != want.level || e.Msg != want.msg || e.Attrs != want.attrs || e.Time.IsZero() {
			t.Errorf("entry %d = %+v, want seq %d %s %q attrs %q", i, e, i+1, want.level, want.msg, want.attrs)
		}
	}
	if h.Last() != 3 {
		t.Errorf("Last() = %d, want 3", h.Last())
	}
	if got := h.Since(2, 0); len(got) != 1 || got[0].Seq != 3 {
		t.Errorf("Since(2, 0) = %+v, want entry 3 alone", got)
	}
	if got := h.Since(0, 2); len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 3 {
		t.Errorf("Since(0, 2) = %+v, want the newest two, oldest first", got)
	}
	if got := h.Since(3, 0); len(got) != 0 {
		t.Errorf("Since(Last) = %+v, want none", got)
	}
}

func TestRingBound(t *testing.T) {
	h := logring.New(supervise.NewRing(10), nil)
	log := slog.New(h)
	for i := range 25 {
		log.Info("msg", "i", i)
	}
	got := h.Since(0, 0)
	if len(got) != 10 || got[0].Seq != 16 || got[9].Seq != 25 {
		t.Errorf("Since(0, 0) on a 10-line ring after 25 records = %d entries from %d, want 16..25", len(got), got[0].Seq)
	}
}

func TestLongRecordsStayWhole(t *testing.T) {
	h := logring.New(supervise.NewRing(0), nil)
	log := slog.New(h)
	log.Info(strings.Repeat("é", 3000), "blob", strings.Repeat("\x00", 3000))
	got := h.Since(0, 0)
	if len(got) != 1 {
		t.Fatalf("a long record gave %d entries, want 1 (cut, not lost)", len(got))
	}
	if !strings.HasSuffix(got[0].Msg, "…") || len(got[0].Msg) > 1100 {
		t.Errorf("long message kept as %d bytes ending %q, want it cut with …", len(got[0].Msg), got[0].Msg[len(got[0].Msg)-8:])
	}
}

func TestConcurrentSeqOrder(t *testing.T) {
	h := logring.New(supervise.NewRing(0), nil)
	log := slog.New(h)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				log.Info("x", "g", g, "i", i)
			}
		}()
	}
	wg.Wait()
	got := h.Since(0, 0)
	if len(got) != 400 {
		t.Fatalf("got %d entries, want 400", len(got))
	}
	for i, e := range got {
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d has seq %d: ring order is not seq order", i, e.Seq)
		}
	}
}

func TestTee(t *testing.T) {
	var console bytes.Buffer
	ring := logring.New(supervise.NewRing(0), slog.LevelWarn)
	log := slog.New(logring.Tee(slog.NewTextHandler(&console, &slog.HandlerOptions{Level: slog.LevelDebug}), ring))
	if !log.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Tee not enabled at debug although the console is")
	}
	log.With("a", 1).Debug("to the console only")
	log.Warn("to both")
	if c := console.String(); !strings.Contains(c, "to the console only") || !strings.Contains(c, "a=1") || !strings.Contains(c, "to both") {
		t.Errorf("console got %q, want both records", c)
	}
	if got := ring.Since(0, 0); len(got) != 1 || got[0].Msg != "to both" {
		t.Errorf("ring got %+v, want the warning only", got)
	}
}
