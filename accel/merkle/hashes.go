package merkle

import (
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

// sha256Compressor compresses with sha256(x ‖ y ‖ key).
type sha256Compressor struct{ h accel.SHA256 }

// SHA256 returns the compressor of the Logos Storage dataset tree:
// compress(x, y, key) = sha256(x ‖ y ‖ [key]), 65 bytes in. A layer is one
// SumBlocks batch of h.
func SHA256(h accel.SHA256) Compressor[[32]byte] { return sha256Compressor{h} }

func (c sha256Compressor) CompressPairs(out, in [][32]byte, key Key) error {
	if len(in) != 2*len(out) {
		return fmt.Errorf("merkle: %d inputs for %d outputs: %w", len(in), len(out), accel.ErrInvalidParams)
	}
	const msgLen = 65
	buf := make([]byte, msgLen*len(out))
	msgs := make([][]byte, len(out))
	for i := range out {
		m := buf[i*msgLen : (i+1)*msgLen : (i+1)*msgLen]
		copy(m, in[2*i][:])
		copy(m[32:], in[2*i+1][:])
		m[64] = byte(key)
		msgs[i] = m
	}
	return c.h.SumBlocks(out, msgs)
}

// poseidon2Compressor compresses with the Poseidon2 permutation.
type poseidon2Compressor struct{ p accel.Poseidon2 }

// Poseidon2 returns the compressor of the storage-proof trees:
// compress(x, y, key) = permutation(x, y, key)[0]. A layer is one Compress
// batch of p.
func Poseidon2(p accel.Poseidon2) Compressor[accel.Fr] { return poseidon2Compressor{p} }

func (c poseidon2Compressor) CompressPairs(out, in []accel.Fr, key Key) error {
	if len(in) != 2*len(out) {
		return fmt.Errorf("merkle: %d inputs for %d outputs: %w", len(in), len(out), accel.ErrInvalidParams)
	}
	left := make([]accel.Fr, len(out))
	right := make([]accel.Fr, len(out))
	for i := range out {
		left[i], right[i] = in[2*i], in[2*i+1]
	}
	return c.p.Compress(out, left, right, uint64(key))
}
