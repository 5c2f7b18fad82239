// Package decompress decodes BN254 points from gnark-crypto's compressed
// encoding in bulk: G1 points of 32 bytes and G2 points of 64, each an x
// coordinate (big-endian; for G2 x.A1 then x.A0) whose two top bits say
// which of the two y fit (the lexicographically smallest, 0b10, or
// largest, 0b11) or that the point is at infinity (0b01, every other bit
// zero). Recovering y takes a square root per point: 5 µs of CPU in Fp
// with gnark-crypto's code, about 13 µs in Fp2, so the 7 million points of
// a storage proof's proving key for 100 samples took 23 s of decoding on
// two cores, three times as long as the proof itself.
//
// # Backends
//
// [New] picks the implementation:
//
//   - [accel.Go]: gnark-crypto's own Decoder, without subgroup checks; the
//     reference.
//   - [accel.SIMD]: on amd64 CPUs with AVX-512 IFMA, the square roots of
//     sixteen points at a time (two vecs of eight lanes of
//     accel/internal/lanes): an exponentiation by (p+1)/4 in Fp, and in
//     Fp2 two of them, through the norm; each result is checked by
//     squaring it back. Elsewhere New returns an error wrapping
//     [accel.ErrUnavailable].
//
// Both return the same points, bit for bit (the tests and the fuzz
// targets compare them), and reject the same inputs. On the 2-core
// development machine (`cairn bench --filter decompress`,
// bench/results/vm-2026-11-26-decompress.json) simd decodes 1.71 million
// G1 points/s against go's 0.38 million (4.5×), and 0.78 million G2
// points/s against 0.15 million (5.1×). The exponentiations are nearly
// all of simd's time; they raise two vecs in lockstep, which the CPU
// overlaps (one chain of squarings alone ran 1.4 times slower).
//
// # Contract
//
// src holds len(dst) compressed points back to back; a point with the
// uncompressed flag (0b00), an x coordinate not below p, an x with no
// point on the curve or a malformed infinity is an error wrapping
// [ErrInvalidPoint] that names the first bad point's index. Points are
// checked to lie on the curve but not, in G2, to lie in the prime-order
// subgroup: that check costs more than the decoding and is for input
// from untrusted sources, which should use gnark-crypto's checked
// decoders. After an error dst's contents are unspecified.
//
// [ReadG1] and [ReadG2] read a slice as gnark-crypto's Encoder writes it
// (a big-endian uint32 count, then the compressed points), decoding it in
// pieces of 2^16 points; the caller bounds the count by the input's size,
// so that a corrupt count cannot make them allocate beyond it.
package decompress
