package slots

import (
	"bytes"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

func sampleSlotFile() *slotFile {
	return &slotFile{
		slot: 3, numSlots: 5, blockSize: 65536, cellSize: 2048, strategy: 1, blocksCount: 15,
		tree: []byte{0x01, 0x55, 0x12, 0x20, 0xaa}, root: poseidon2.FrFromUint64(7),
		digests: []accel.Fr{poseidon2.FrFromUint64(1), poseidon2.FrFromUint64(2)},
	}
}

// TestSlotFileRoundTrip checks encode/decode and that any flipped byte or
// truncation is refused.
func TestSlotFileRoundTrip(t *testing.T) {
	b := encodeSlotFile(sampleSlotFile())
	f, err := decodeSlotFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encodeSlotFile(f), b) {
		t.Fatal("decode(encode(f)) re-encodes differently")
	}
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x40
		if _, err := decodeSlotFile(c); err == nil {
			t.Fatalf("decodeSlotFile(byte %d flipped) = nil error", i)
		}
	}
	for n := range len(b) {
		if _, err := decodeSlotFile(b[:n]); err == nil {
			t.Fatalf("decodeSlotFile(first %d bytes) = nil error", n)
		}
	}
}

// FuzzDecodeSlotFile checks that decoding never panics and that whatever
// decodes re-encodes to the same bytes.
func FuzzDecodeSlotFile(f *testing.F) {
	f.Add(encodeSlotFile(sampleSlotFile()))
	f.Add([]byte("cairnslt"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := decodeSlotFile(data)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeSlotFile(sf), data) {
			t.Fatalf("re-encoding differs")
		}
	})
}
