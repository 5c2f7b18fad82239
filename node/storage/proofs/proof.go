package proofs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"

	"github.com/cairn-node/cairn/node/internal/snarkjs"
)

// ProofSize is the length of a proof's binary encoding: gnark's compressed
// A (32 bytes), B (64), C (32), an empty commitment list (4) and the
// unused commitment proof of knowledge (32).
const ProofSize = 32 + 64 + 32 + 4 + 32

// Proof is a Groth16 proof of SampleAndProve. The zero value is not a
// valid proof. A Proof is immutable after decoding.
type Proof struct {
	p groth16bn254.Proof
}

// MarshalBinary returns gnark's compressed encoding, ProofSize bytes.
func (p *Proof) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	if _, err := p.p.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("proofs: encode proof: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalBinary decodes gnark's compressed encoding. It returns an error
// wrapping ErrEncoding unless b is exactly ProofSize bytes of compressed
// valid points (on the curve, in the subgroup) with no commitments. It does
// not retain b.
func (p *Proof) UnmarshalBinary(b []byte) error {
	if len(b) != ProofSize {
		return fmt.Errorf("%w: proof of %d bytes, want %d", ErrEncoding, len(b), ProofSize)
	}
	// The points are decoded one by one at fixed offsets, so that neither
	// an uncompressed point nor a commitment count can shift the layout or
	// make gnark's decoder allocate by a length read from b.
	var q groth16bn254.Proof
	for _, pt := range []struct {
		what   string
		setter interface {
			SetBytes([]byte) (int, error)
		}
		off, size int
	}{{"A", &q.Ar, 0, 32}, {"B", &q.Bs, 32, 64}, {"C", &q.Krs, 96, 32}, {"commitment PoK", &q.CommitmentPok, 132, 32}} {
		n, err := pt.setter.SetBytes(b[pt.off : pt.off+pt.size])
		if err != nil {
			return fmt.Errorf("%w: proof %s: %w", ErrEncoding, pt.what, err)
		}
		if n != pt.size {
			return fmt.Errorf("%w: proof %s is not compressed", ErrEncoding, pt.what)
		}
	}
	if binary.BigEndian.Uint32(b[128:132]) != 0 {
		return fmt.Errorf("%w: proof has commitments, want none", ErrEncoding)
	}
	if !q.Ar.IsInSubGroup() || !q.Bs.IsInSubGroup() || !q.Krs.IsInSubGroup() {
		return fmt.Errorf("%w: proof point not in its subgroup", ErrEncoding)
	}
	p.p = q
	return nil
}

// MarshalJSON returns snarkjs's proof.json layout (node/internal/snarkjs):
//
//	{"pi_a":[x,y,"1"],"pi_b":[[x0,x1],[y0,y1],["1","0"]],"pi_c":[x,y,"1"],
//	 "protocol":"groth16","curve":"bn128"}
func (p *Proof) MarshalJSON() ([]byte, error) {
	return json.Marshal(snarkjs.Proof{A: p.p.Ar, B: p.p.Bs, C: p.p.Krs})
}

// UnmarshalJSON decodes MarshalJSON's layout, which is also what snarkjs
// and upstream's circom provers write. It returns an error wrapping
// ErrEncoding for a protocol other than groth16, a curve other than bn128
// or bn254, a coordinate that is not a decimal below the base field
// modulus, z ≠ 1, or a point not on the curve or not in its subgroup.
func (p *Proof) UnmarshalJSON(b []byte) error {
	var q snarkjs.Proof
	if err := json.Unmarshal(b, &q); err != nil {
		return fmt.Errorf("%w: %w", ErrEncoding, err)
	}
	p.p = groth16bn254.Proof{Ar: q.A, Bs: q.B, Krs: q.C}
	return nil
}
