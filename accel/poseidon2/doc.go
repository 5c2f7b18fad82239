// Package poseidon2 implements [accel.Poseidon2], the Poseidon2 permutation
// over the BN254 scalar field exactly as Logos Storage (Codex) uses it for
// its storage proofs: codex-storage/nim-poseidon2, the circom circuits and
// the reference code of codex-storage-proofs-circuits.
//
// # Parameters
//
// State width t = 3, S-box x^5, 8 full rounds (4 before and 4 after) and
// 56 partial rounds, external matrix circ(2,1,1) also applied once before the
// first round, internal matrix [[2,1,1],[1,2,1],[1,1,3]], and the HorizenLabs
// round constants of February 2023 (see constants.go: HorizenLabs changed
// them in June 2023, and Logos Storage kept the old ones). Field elements are
// [accel.Fr] values: 32 bytes, little-endian, canonical (below r), which is
// also nim-poseidon2's toBytes/fromBytes byte order.
//
// On top of the permutation:
//
//   - Compress(x, y, key) = perm(x, y, key)[0], the keyed 2-to-1 compression
//     of the Merkle trees; the keys are [KeyNone], [KeyBottomLayer], [KeyOdd]
//     and [KeyOddAndBottomLayer].
//   - Sponge: rate 2, capacity 1, capacity IV 2^64 + 0x0302, 10* padding on
//     field elements (a 1 after the last element, then zeros to fill the
//     rate), output the first state element.
//   - [HashBytes]: bytes cut into 31-byte little-endian chunks after 10* byte
//     padding ([BytesToElements]), then the sponge. A 2048-byte cell becomes
//     67 elements.
//
// # Backends
//
// [New] picks the implementation: [accel.Go] is pure Go with its own field
// arithmetic (math/bits, CIOS Montgomery multiplication) and is the
// reference; [accel.SIMD] computes eight permutations at once with AVX-512
// IFMA where the CPU has it (accel/internal/lanes: 52-bit limbs, lazily reduced,
// about 5x the scalar speed), else with gnark-crypto's field multiplication
// (ADX/BMI2 assembly on amd64), and spreads large batches over GOMAXPROCS
// goroutines; [SpongeMany] drives eight sponges per kernel call there;
// [accel.Icicle] exists only in binaries built with -tags icicle. All give
// byte-identical results. Non-canonical inputs are rejected with an error
// wrapping [accel.ErrInvalidElement] before any output is written.
//
// # Usage
//
//	p, err := poseidon2.New(accel.SIMD)
//	if err != nil {
//		return err
//	}
//	// Hash two 2048-byte cells, then join them as the two leaves of a
//	// Merkle tree's bottom layer.
//	a, err := poseidon2.HashBytes(p, cell0)
//	if err != nil {
//		return err
//	}
//	b, err := poseidon2.HashBytes(p, cell1)
//	if err != nil {
//		return err
//	}
//	root := make([]accel.Fr, 1)
//	if err := p.Compress(root, []accel.Fr{a}, []accel.Fr{b}, poseidon2.KeyBottomLayer); err != nil {
//		return err
//	}
//	fmt.Println(poseidon2.ToBig(root[0])) // decimal, as upstream prints it
package poseidon2
