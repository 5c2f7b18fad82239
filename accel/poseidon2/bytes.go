package poseidon2

import (
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

// ChunkSize is the number of bytes packed into one field element by
// [BytesToElements]: 31 bytes, so every chunk is below r.
const ChunkSize = 31

// NumElements returns len(BytesToElements(data)) for len(data) == n: the
// padded length n+1 rounded up to a multiple of [ChunkSize], divided by it.
// A 2048-byte cell gives 67 elements.
func NumElements(n int) int {
	return n/ChunkSize + 1
}

// BytesToElements converts bytes into field elements as Logos Storage does
// (nim-poseidon2 io.nim `elements`, codex-storage-proofs-circuits Slot.hs
// `cellDataToFieldElements`): append the end marker 0x01, pad with zero bytes
// to a multiple of 31, and read every 31-byte chunk as a little-endian
// integer. The marker is always added, so data ending in zero bytes and its
// trimmed form differ, and empty data gives one element, 1.
//
// It appends to dst and returns the extended slice; dst may be nil. data is
// not retained.
func BytesToElements(dst []accel.Fr, data []byte) []accel.Fr {
	for len(data) >= ChunkSize {
		var x accel.Fr
		copy(x[:ChunkSize], data)
		dst = append(dst, x)
		data = data[ChunkSize:]
	}
	var x accel.Fr
	n := copy(x[:], data)
	x[n] = 0x01
	return append(dst, x)
}

// HashBytes returns the Logos Storage hash of data: the rate-2 sponge of p
// over [BytesToElements](data). The sponge adds its own 10* padding on field
// elements on top of the byte padding, as nim-poseidon2's
// `Sponge.digest(bytes, rate = 2)` does. A 2048-byte cell hashed this way is
// a leaf of a block's Merkle tree.
//
// Errors come only from p (for example [accel.ErrUnavailable] from a
// backend that lost its device); data may be any length, including zero.
func HashBytes(p accel.Poseidon2, data []byte) (accel.Fr, error) {
	elems := BytesToElements(make([]accel.Fr, 0, NumElements(len(data))), data)
	h, err := p.Sponge(elems)
	if err != nil {
		return accel.Fr{}, fmt.Errorf("poseidon2: hash %d bytes: %w", len(data), err)
	}
	return h, nil
}
