// Package sha256x implements [accel.SHA256]: SHA-256 over many blocks at
// once, the hash of Logos Storage block CIDs and dataset Merkle trees.
//
// The [accel.Go] backend is a pure-Go implementation of FIPS 180-4 written
// for this package (no assembly), the reference. The [accel.SIMD] backend
// uses crypto/sha256, whose assembly uses SHA-NI or AVX2 on amd64 and the
// ARMv8 SHA-2 instructions on arm64, and spreads a batch over the cores.
//
// # Usage
//
//	h, _ := sha256x.New(accel.SIMD)
//	out := make([][32]byte, len(blocks))
//	err := h.SumBlocks(out, blocks)
package sha256x
