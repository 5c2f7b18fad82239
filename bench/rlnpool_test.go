package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	// Tests prove their few messages; they leave the user's cache alone.
	poolCacheFile = ""
	os.Exit(m.Run())
}

// TestPoolCache saves two proved messages, loads them back, and checks
// that a truncated or altered cache is refused.
func TestPoolCache(t *testing.T) {
	pool, err := provedMessages(2)
	if err != nil {
		t.Fatal(err)
	}
	m, err := member()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pool.bin")
	if err := savePool(path, pool); err != nil {
		t.Fatalf("savePool = %v", err)
	}
	back, err := loadPool(path, m)
	if err != nil {
		t.Fatalf("loadPool = %v", err)
	}
	if len(back) != 2 {
		t.Fatalf("loadPool gave %d messages, want 2", len(back))
	}
	for i := range back {
		if !back[i].pv.Nullifier.Equal(&pool[i].pv.Nullifier) || string(back[i].msg.Encode()) != string(pool[i].msg.Encode()) {
			t.Errorf("message %d differs after the round trip", i)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"truncated":         raw[:len(raw)-1],
		"nullifier altered": append(append([]byte(nil), raw[:len(raw)-40]...), append([]byte{raw[len(raw)-40] ^ 1}, raw[len(raw)-39:]...)...),
	} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadPool(path, m); err == nil {
			t.Errorf("loadPool(%s cache) = nil error", name)
		}
	}
}
