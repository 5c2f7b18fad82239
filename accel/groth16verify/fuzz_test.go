package groth16verify_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/groth16verify"
)

// fuzzProofSize is a proof in gnark-crypto's compressed form: A (32 B),
// B (64 B), C (32 B).
const fuzzProofSize = 2*bn254.SizeOfG1AffineCompressed + bn254.SizeOfG2AffineCompressed

// fuzzG1 decodes a compressed G1 point with gnark-crypto's SetBytes; bytes
// that are no point become raw, unchecked coordinates, so malformed points
// reach the verifier too.
func fuzzG1(b []byte) bn254.G1Affine {
	var p bn254.G1Affine
	if _, err := p.SetBytes(b); err == nil {
		return p
	}
	p.X.SetBytes(b)
	p.Y.SetBytes(append(b[16:], b[:16]...))
	return p
}

// fuzzG2 is fuzzG1 for G2, with a middle step that keeps points on the
// twist but outside the subgroup (decoding without subgroup checks).
func fuzzG2(b []byte) bn254.G2Affine {
	var p bn254.G2Affine
	if _, err := p.SetBytes(b); err == nil {
		return p
	}
	if err := bn254.NewDecoder(bytes.NewReader(b), bn254.NoSubgroupChecks()).Decode(&p); err == nil {
		return p
	}
	p.X.A1.SetBytes(b[:32])
	p.X.A0.SetBytes(b[32:])
	p.Y.A1.SetBytes(b[16:48])
	p.Y.A0.SetBytes(append(b[48:], b[:16]...))
	return p
}

// FuzzVerify feeds random bytes, read as compressed points, to Verify and
// BatchVerify with the RLN key. It checks that nothing panics, that an
// error is exactly a malformed point (ErrInvalidProof), and that a batch of
// the fuzzed proof and a valid one agrees with Verify.
func FuzzVerify(f *testing.F) {
	vk := rlnKey(f)
	valid := rlnCases(f)[0]
	a, b, c := valid.proof.A.Bytes(), valid.proof.B.Bytes(), valid.proof.C.Bytes()
	seed := slices.Concat(a[:], b[:], c[:])
	f.Add(seed)
	flipped := bytes.Clone(seed)
	flipped[5] ^= 1
	f.Add(flipped)
	f.Add(make([]byte, fuzzProofSize))
	f.Add(bytes.Repeat([]byte{0xff}, fuzzProofSize))
	inf := make([]byte, fuzzProofSize)
	inf[0], inf[32], inf[96] = 0x40, 0x40, 0x40 // gnark's infinity flags
	f.Add(inf)
	v, err := groth16verify.New(accel.Go)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b := make([]byte, fuzzProofSize)
		copy(b, in)
		p := groth16verify.Proof{A: fuzzG1(b[:32]), B: fuzzG2(b[32:96]), C: fuzzG1(b[96:])}
		wellFormed := p.A.IsInSubGroup() && p.B.IsInSubGroup() && p.C.IsInSubGroup()
		ok, err := v.Verify(vk, p, valid.public)
		if wellFormed != (err == nil) || (err != nil && !errors.Is(err, groth16verify.ErrInvalidProof)) || (ok && err != nil) {
			t.Fatalf("Verify = %v, %v with well-formed = %v", ok, err, wellFormed)
		}
		if ok && !bytes.Equal(b, seed) {
			// Another valid proof for the same inputs from random bytes
			// would be a forgery.
			t.Fatalf("Verify(%x) = true", b)
		}
		got, err := v.BatchVerify(vk, []groth16verify.Proof{p, valid.proof}, [][]fr.Element{valid.public, valid.public})
		if err != nil || len(got) != 2 || got[0] != ok || !got[1] {
			t.Fatalf("BatchVerify = %v, %v, want [%v true]", got, err, ok)
		}
	})
}
