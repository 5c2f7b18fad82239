package erasure

import (
	"crypto/subtle"

	"github.com/cairn-node/cairn/accel"
)

// xorFunc returns the XOR routine of a backend: crypto/subtle's assembly
// for SIMD, a byte loop for the pure-Go reference.
func xorFunc(b accel.Backend) func(dst, x, y []byte) {
	if b == accel.SIMD {
		return func(dst, x, y []byte) { subtle.XORBytes(dst, x, y) }
	}
	return xorGo
}

// xorGo sets dst[i] = x[i] ^ y[i] for i < len(dst).
func xorGo(dst, x, y []byte) {
	for i := range dst {
		dst[i] = x[i] ^ y[i]
	}
}
