package budget

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func open(t *testing.T, path string, c *clock, limit uint64) *Budget {
	t.Helper()
	b, err := Open(path, Options{Limit: limit, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func alloc(t *testing.T, b *Budget) (uint64, uint64) {
	t.Helper()
	e, id, err := b.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	return e, id
}

func TestAllocateSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "budget")
	c := &clock{time.Unix(600*1000+10, 0)} // 10 s into epoch 1000
	b := open(t, path, c, 3)
	for want := uint64(0); want < 2; want++ {
		if e, id := alloc(t, b); e != 1000 || id != want {
			t.Errorf("Allocate() = epoch %d id %d, want epoch 1000 id %d", e, id, want)
		}
	}
	b.Close() // a reboot
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("budget file: %v, %v; want mode 0600", fi, err)
	}
	b = open(t, path, c, 3)
	if e, id := alloc(t, b); e != 1000 || id != 2 {
		t.Errorf("after reopening: Allocate() = epoch %d id %d, want epoch 1000 id 2", e, id)
	}
	_, _, err := b.Allocate()
	var rl *RateLimitError
	if !errors.Is(err, ErrRateLimit) || !errors.As(err, &rl) || rl.Epoch != 1000 || rl.NextEpochIn != 590*time.Second {
		t.Fatalf("Allocate() beyond the limit = %v, want a RateLimitError for epoch 1000, 590 s to go", err)
	}
	if want := "rate limit reached for epoch 1000, next epoch in 590s (3 messages per epoch)"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
	if _, left := b.Remaining(); left != 0 {
		t.Errorf("Remaining() = %d, want 0", left)
	}

	c.t = c.t.Add(600 * time.Second) // epoch 1001
	if e, left := b.Remaining(); e != 1001 || left != 3 {
		t.Errorf("Remaining() in a new epoch = %d, %d; want 1001, 3", e, left)
	}
	if e, id := alloc(t, b); e != 1001 || id != 0 {
		t.Errorf("new epoch: Allocate() = epoch %d id %d, want epoch 1001 id 0", e, id)
	}
	b.Close()
	b = open(t, path, c, 3)
	if e, id := alloc(t, b); e != 1001 || id != 1 {
		t.Errorf("new epoch after reopening: Allocate() = epoch %d id %d, want epoch 1001 id 1", e, id)
	}
}

func TestTornSlotFallsBackToTheOtherOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "budget")
	c := &clock{time.Unix(600*7, 0)}
	b := open(t, path, c, 10)
	alloc(t, b) // seq 1, slot 1
	alloc(t, b) // seq 2, slot 0
	b.Close()
	// Tear the newest slot (seq 2, id 1): the state falls back to seq 1,
	// whose next id is 1 — the torn allocation never returned, so reusing
	// its id is safe.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xff}, 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b = open(t, path, c, 10)
	if _, id := alloc(t, b); id != 1 {
		t.Errorf("after a torn slot: id %d, want 1", id)
	}
}

func TestDamagedFileBlocksTheCurrentEpoch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "budget")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 1024)), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Unix(600*7, 0)}
	b := open(t, path, c, 10)
	if _, _, err := b.Allocate(); !errors.Is(err, ErrRateLimit) {
		t.Errorf("Allocate() with a damaged file = %v, want ErrRateLimit for the current epoch", err)
	}
	c.t = c.t.Add(600 * time.Second)
	if _, id := alloc(t, b); id != 0 {
		t.Errorf("next epoch: id %d, want 0", id)
	}
}

func TestClockGoingBack(t *testing.T) {
	c := &clock{time.Unix(600*7, 0)}
	b := open(t, filepath.Join(t.TempDir(), "budget"), c, 10)
	alloc(t, b)
	c.t = c.t.Add(-600 * time.Second)
	if _, _, err := b.Allocate(); !errors.Is(err, ErrClock) {
		t.Errorf("Allocate() with the clock an epoch back = %v, want ErrClock", err)
	}
}

func TestOpenErrorsAndClose(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "b"), Options{}); err == nil {
		t.Error("Open with limit 0 succeeded")
	}
	b := open(t, filepath.Join(t.TempDir(), "b"), &clock{time.Unix(0, 0)}, 1)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	if _, _, err := b.Allocate(); !errors.Is(err, ErrClosed) {
		t.Errorf("Allocate() after Close = %v, want ErrClosed", err)
	}
}

func FuzzDecodeState(f *testing.F) {
	f.Add(state{seq: 1, epoch: 2, next: 3}.encode())
	f.Add([]byte("CAIRNBG1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, ok := decodeState(b)
		if ok && string(s.encode()) != string(b[:recordSize]) {
			t.Errorf("decodeState accepted a record that does not re-encode")
		}
	})
}
