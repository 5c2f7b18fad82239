package wasmwitness

import "testing"

// TestSignalHash checks the FNV-1a 64 split against the reference values of
// the FNV test suite (www.isthe.com/chongo/tech/comp/fnv: "a" ->
// 0xaf63dc4c8601ec8c, "" -> 0xcbf29ce484222325, circom's initial hash).
func TestSignalHash(t *testing.T) {
	for _, c := range []struct {
		name     string
		msb, lsb uint64
	}{
		{"", 0xcbf29ce4, 0x84222325},
		{"a", 0xaf63dc4c, 0x8601ec8c},
	} {
		if msb, lsb := signalHash(c.name); msb != c.msb || lsb != c.lsb {
			t.Errorf("signalHash(%q) = %#x, %#x, want %#x, %#x", c.name, msb, lsb, c.msb, c.lsb)
		}
	}
}
