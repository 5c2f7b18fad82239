package rln

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
)

// ErrInvalidProof reports a proof or proof values that cannot be decoded or
// checked: wrong length, a coordinate or field element out of range, a point
// not on the curve or not in the prime-order subgroup, or bad flag bits.
// A well-formed proof that fails the pairing check is not an error; Verify
// returns false for it.
var ErrInvalidProof = errors.New("rln: invalid proof")

// CompressedProofSize is the size of an arkworks-compressed Groth16 proof:
// A (G1, 32 B) ‖ B (G2, 64 B) ‖ C (G1, 32 B).
const CompressedProofSize = 128

// arkworks SWFlags in the top bits of the last byte of a compressed point
// (ark-ec v0.5.0 ec/src/models/short_weierstrass/serialization_flags.rs).
const (
	arkFlagYIsNegative byte = 1 << 7 // y is the lexicographically larger root
	arkFlagInfinity    byte = 1 << 6
	arkFlagMask             = arkFlagYIsNegative | arkFlagInfinity
)

// gnark-crypto compressed flags, in the top bits of the first (big-endian) byte.
const (
	gnarkSmallest byte = 0b10 << 6
	gnarkLargest  byte = 0b11 << 6
	gnarkInfinity byte = 0b01 << 6
)

// Proof is a Groth16 proof over BN254. Its points have been checked to lie
// on their curves and in the prime-order subgroups when it comes from
// DecodeCompressed.
type Proof struct {
	A bn254.G1Affine
	B bn254.G2Affine
	C bn254.G1Affine
}

// DecodeCompressed decodes the 128-byte arkworks CanonicalSerialize
// compressed form of a proof, as zerokit writes it. It returns an error
// wrapping ErrInvalidProof for a wrong length, a coordinate ≥ p, the
// invalid flag combination, an x with no point on the curve, a point outside
// the prime-order subgroup, or a point at infinity whose x bytes are not zero
// (arkworks ignores them; we accept only the canonical encoding).
// It does not retain b.
func DecodeCompressed(b []byte) (Proof, error) {
	var p Proof
	if len(b) != CompressedProofSize {
		return p, fmt.Errorf("%w: proof is %d bytes, want %d", ErrInvalidProof, len(b), CompressedProofSize)
	}
	if err := decodeG1(&p.A, b[0:32]); err != nil {
		return Proof{}, fmt.Errorf("%w: decode A: %w", ErrInvalidProof, err)
	}
	if err := decodeG2(&p.B, b[32:96]); err != nil {
		return Proof{}, fmt.Errorf("%w: decode B: %w", ErrInvalidProof, err)
	}
	if err := decodeG1(&p.C, b[96:128]); err != nil {
		return Proof{}, fmt.Errorf("%w: decode C: %w", ErrInvalidProof, err)
	}
	return p, nil
}

// EncodeCompressed returns the 128-byte arkworks-compressed form of p.
func (p *Proof) EncodeCompressed() [CompressedProofSize]byte {
	var out [CompressedProofSize]byte
	encodeG1(out[0:32], &p.A)
	encodeG2(out[32:96], &p.B)
	encodeG1(out[96:128], &p.C)
	return out
}

// arkToGnarkFlag maps the arkworks flag bits to gnark-crypto's.
func arkToGnarkFlag(last byte) (byte, error) {
	switch last & arkFlagMask {
	case 0:
		return gnarkSmallest, nil
	case arkFlagYIsNegative:
		return gnarkLargest, nil
	case arkFlagInfinity:
		return gnarkInfinity, nil
	default:
		return 0, errors.New("both infinity and y-sign flags set")
	}
}

func gnarkToArkFlag(first byte) byte {
	switch first & (0b11 << 6) {
	case gnarkLargest:
		return arkFlagYIsNegative
	case gnarkInfinity:
		return arkFlagInfinity
	default:
		return 0
	}
}

// reverseInto writes src reversed into dst; len(dst) == len(src).
func reverseInto(dst, src []byte) {
	for i := range src {
		dst[len(src)-1-i] = src[i]
	}
}

// decodeG1 decodes a 32-byte arkworks-compressed G1 point (x LE, flags in
// byte 31) by re-encoding it in gnark-crypto's big-endian compressed form.
func decodeG1(p *bn254.G1Affine, b []byte) error {
	flag, err := arkToGnarkFlag(b[31])
	if err != nil {
		return err
	}
	var buf [bn254.SizeOfG1AffineCompressed]byte
	reverseInto(buf[:], b[:32])
	buf[0] &^= arkFlagMask
	// x must be canonical before gnark sees it: the flag bits overlap the
	// top of the coordinate, and SetBytesCanonical checks x < p.
	var x fp.Element
	if err := x.SetBytesCanonical(buf[:]); err != nil {
		return fmt.Errorf("x coordinate: %w", err)
	}
	buf[0] |= flag
	// SetBytes solves the curve equation (failing if there is no root) and
	// checks subgroup membership.
	if _, err := p.SetBytes(buf[:]); err != nil {
		return err
	}
	return nil
}

// decodeG2 decodes a 64-byte arkworks-compressed G2 point: x.c0 LE (32 B),
// then x.c1 LE (32 B) with the flags in its last byte.
func decodeG2(p *bn254.G2Affine, b []byte) error {
	flag, err := arkToGnarkFlag(b[63])
	if err != nil {
		return err
	}
	// gnark: x.A1 BE (with flags) ‖ x.A0 BE.
	var buf [bn254.SizeOfG2AffineCompressed]byte
	reverseInto(buf[0:32], b[32:64])
	reverseInto(buf[32:64], b[0:32])
	buf[0] &^= arkFlagMask
	var x fp.Element
	if err := x.SetBytesCanonical(buf[0:32]); err != nil {
		return fmt.Errorf("x.c1 coordinate: %w", err)
	}
	if err := x.SetBytesCanonical(buf[32:64]); err != nil {
		return fmt.Errorf("x.c0 coordinate: %w", err)
	}
	buf[0] |= flag
	if _, err := p.SetBytes(buf[:]); err != nil {
		return err
	}
	return nil
}

func encodeG1(dst []byte, p *bn254.G1Affine) {
	g := p.Bytes()
	flag := gnarkToArkFlag(g[0])
	g[0] &^= 0b11 << 6
	reverseInto(dst[:32], g[:])
	dst[31] |= flag
}

func encodeG2(dst []byte, p *bn254.G2Affine) {
	g := p.Bytes()
	flag := gnarkToArkFlag(g[0])
	g[0] &^= 0b11 << 6
	reverseInto(dst[0:32], g[32:64]) // x.c0
	reverseInto(dst[32:64], g[0:32]) // x.c1
	dst[63] |= flag
}
