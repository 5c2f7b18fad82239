package poseidon2

import (
	"fmt"
	"math/big"

	"github.com/cairn-node/cairn/accel"
)

// Parameters of the permutation. They are fixed by the Logos Storage proofs.
const (
	width          = 3  // state size t
	rate           = 2  // sponge rate; the capacity is width - rate = 1
	nFullRounds    = 8  // 4 before and 4 after the partial rounds
	nPartialRounds = 56 // S-box on the first element only
)

// Keys of the keyed compression used by the Logos Storage Merkle trees
// (nim-poseidon2 merkle.nim, codex/merkletree/poseidon2.nim): bit 0 is set on
// the bottom layer, bit 1 on an odd node, which is compressed with a zero
// right child. Pass them as the key argument of [accel.Poseidon2.Compress].
const (
	// KeyNone compresses an even pair above the bottom layer.
	KeyNone uint64 = 0
	// KeyBottomLayer compresses an even pair of leaves.
	KeyBottomLayer uint64 = 1
	// KeyOdd compresses the last, unpaired node of a layer above the bottom.
	KeyOdd uint64 = 2
	// KeyOddAndBottomLayer compresses the last, unpaired leaf.
	KeyOddAndBottomLayer uint64 = 3
)

// New returns the Poseidon2 permutation computed by backend b:
//
//   - [accel.Go]: pure Go with its own field arithmetic; always available,
//     the reference for correctness; works on the calling goroutine.
//   - [accel.SIMD]: eight lanes of AVX-512 IFMA arithmetic where the CPU
//     has it ([LanesActive]), for whole groups of eight states, pairs or
//     sponges; otherwise, and for the rest of a batch, gnark-crypto's BN254
//     field multiplication (ADX/BMI2 assembly on amd64, assembly on arm64,
//     generic Go elsewhere). Batches of 128 or more states or pairs are
//     spread over GOMAXPROCS goroutines.
//     In -tags noasm builds it is unavailable ([accel.SIMDAvailable]).
//   - [accel.Icicle]: icicle v3; only in binaries built with -tags icicle,
//     otherwise the error wraps [accel.ErrUnavailable].
//
// Any other value gives an error wrapping [accel.ErrUnknownBackend]. The
// returned value is safe for concurrent use.
func New(b accel.Backend) (accel.Poseidon2, error) {
	switch b {
	case accel.Go:
		return goBackend{}, nil
	case accel.SIMD:
		if err := accel.SIMDAvailable(); err != nil {
			return nil, fmt.Errorf("poseidon2: %w", err)
		}
		return newSIMD(), nil
	case accel.Icicle:
		// newIcicle's errors already name the package and the fix.
		return newIcicle()
	}
	return nil, fmt.Errorf("poseidon2: new backend %q: %w (want go, simd or icicle)", b, accel.ErrUnknownBackend)
}

// Available returns nil when New(b) would succeed, else New's error. For
// [accel.Icicle] it initialises the icicle runtime as New does.
func Available(b accel.Backend) error {
	_, err := New(b)
	return err
}

// Modulus returns a new copy of the BN254 scalar field modulus r.
func Modulus() *big.Int {
	m, _ := new(big.Int).SetString("21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)
	return m
}

// spongeIV returns the capacity IV of the rate-2 sponge,
// 2^64 + 256·t + rate = 2^64 + 0x0302 (nim-poseidon2 sponge.nim).
func spongeIV() *big.Int {
	iv := new(big.Int).Lsh(big.NewInt(1), 64)
	return iv.Add(iv, big.NewInt(256*width+rate))
}

// FrFromUint64 returns v as a field element. Every uint64 is below r.
func FrFromUint64(v uint64) accel.Fr {
	var x accel.Fr
	l := [4]uint64{v}
	putFrLimbs(&x, &l)
	return x
}

// FrFromBig returns v as a field element. It returns an error wrapping
// [accel.ErrInvalidElement] when v is nil, negative or not below r; it does
// not reduce. v is not modified.
func FrFromBig(v *big.Int) (accel.Fr, error) {
	if v == nil || v.Sign() < 0 || v.BitLen() > 256 {
		return accel.Fr{}, fmt.Errorf("poseidon2: from big %v: %w", v, accel.ErrInvalidElement)
	}
	var be [32]byte
	v.FillBytes(be[:])
	var x accel.Fr
	for i := range be {
		x[i] = be[31-i]
	}
	if err := CheckCanonical(x); err != nil {
		return accel.Fr{}, fmt.Errorf("poseidon2: from big %v: %w", v, err)
	}
	return x, nil
}

// ToBig returns the integer whose little-endian encoding is x. It does not
// check that x is canonical.
func ToBig(x accel.Fr) *big.Int {
	var be [32]byte
	for i := range be {
		be[i] = x[31-i]
	}
	return new(big.Int).SetBytes(be[:])
}

// CheckCanonical returns nil when x is below r, else an error wrapping
// [accel.ErrInvalidElement].
func CheckCanonical(x accel.Fr) error {
	l := frLimbs(&x)
	if !limbsBelowModulus(&l) {
		return fmt.Errorf("poseidon2: %x (little-endian) is not below r: %w", x[:], accel.ErrInvalidElement)
	}
	return nil
}

// checkElems checks that every element of elems is canonical.
func checkElems(op string, elems []accel.Fr) error {
	for i := range elems {
		l := frLimbs(&elems[i])
		if !limbsBelowModulus(&l) {
			return fmt.Errorf("poseidon2: %s: element %d: %w", op, i, accel.ErrInvalidElement)
		}
	}
	return nil
}

// checkStates checks that every element of every state is canonical.
func checkStates(op string, states [][3]accel.Fr) error {
	for i := range states {
		for j := range states[i] {
			l := frLimbs(&states[i][j])
			if !limbsBelowModulus(&l) {
				return fmt.Errorf("poseidon2: %s: state %d element %d: %w", op, i, j, accel.ErrInvalidElement)
			}
		}
	}
	return nil
}

// checkCompress checks the slice lengths and the inputs of Compress.
func checkCompress(out, left, right []accel.Fr) error {
	if len(left) != len(out) || len(right) != len(out) {
		return fmt.Errorf("poseidon2: compress: lengths out %d, left %d, right %d differ: %w",
			len(out), len(left), len(right), accel.ErrInvalidParams)
	}
	if err := checkElems("compress left", left); err != nil {
		return err
	}
	return checkElems("compress right", right)
}
