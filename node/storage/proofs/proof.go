package proofs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
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

// proofJSON is snarkjs's proof.json layout: affine points in projective
// form with z = 1, G2 coordinates as [c0, c1] (x = c0 + c1·u), decimals.
type proofJSON struct {
	A        [3]string    `json:"pi_a"`
	B        [3][2]string `json:"pi_b"`
	C        [3]string    `json:"pi_c"`
	Protocol string       `json:"protocol"`
	Curve    string       `json:"curve"`
}

// MarshalJSON returns snarkjs's layout:
//
//	{"pi_a":[x,y,"1"],"pi_b":[[x0,x1],[y0,y1],["1","0"]],"pi_c":[x,y,"1"],
//	 "protocol":"groth16","curve":"bn128"}
func (p *Proof) MarshalJSON() ([]byte, error) {
	j := proofJSON{
		A:        g1JSON(&p.p.Ar),
		C:        g1JSON(&p.p.Krs),
		Protocol: "groth16",
		Curve:    "bn128",
	}
	j.B = [3][2]string{
		{fpDec(&p.p.Bs.X.A0), fpDec(&p.p.Bs.X.A1)},
		{fpDec(&p.p.Bs.Y.A0), fpDec(&p.p.Bs.Y.A1)},
		{"1", "0"},
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes MarshalJSON's layout. It returns an error wrapping
// ErrEncoding for a protocol other than groth16, a curve other than bn128
// or bn254, a coordinate that is not a decimal below the base field
// modulus, z ≠ 1, or a point not on the curve or not in its subgroup.
func (p *Proof) UnmarshalJSON(b []byte) error {
	var j proofJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("%w: proof JSON: %w", ErrEncoding, err)
	}
	if j.Protocol != "groth16" || (j.Curve != "bn128" && j.Curve != "bn254") {
		return fmt.Errorf("%w: proof JSON for %q on %q, want groth16 on bn128", ErrEncoding, j.Protocol, j.Curve)
	}
	var q groth16bn254.Proof
	if err := g1FromJSON(&q.Ar, j.A, "pi_a"); err != nil {
		return err
	}
	if err := g1FromJSON(&q.Krs, j.C, "pi_c"); err != nil {
		return err
	}
	if j.B[2] != [2]string{"1", "0"} {
		return fmt.Errorf("%w: pi_b: z = %q, want [\"1\",\"0\"]", ErrEncoding, j.B[2])
	}
	for _, c := range []struct {
		dst *fp.Element
		s   string
	}{{&q.Bs.X.A0, j.B[0][0]}, {&q.Bs.X.A1, j.B[0][1]}, {&q.Bs.Y.A0, j.B[1][0]}, {&q.Bs.Y.A1, j.B[1][1]}} {
		if err := fpFromDec(c.dst, c.s, "pi_b"); err != nil {
			return err
		}
	}
	if !q.Bs.IsOnCurve() || !q.Bs.IsInSubGroup() {
		return fmt.Errorf("%w: pi_b is not a point of G2", ErrEncoding)
	}
	p.p = q
	return nil
}

func g1JSON(a *bn254.G1Affine) [3]string {
	return [3]string{fpDec(&a.X), fpDec(&a.Y), "1"}
}

func fpDec(e *fp.Element) string {
	var v big.Int
	return e.BigInt(&v).String()
}

func g1FromJSON(dst *bn254.G1Affine, s [3]string, what string) error {
	if s[2] != "1" {
		return fmt.Errorf("%w: %s: z = %q, want \"1\"", ErrEncoding, what, s[2])
	}
	if err := fpFromDec(&dst.X, s[0], what); err != nil {
		return err
	}
	if err := fpFromDec(&dst.Y, s[1], what); err != nil {
		return err
	}
	if !dst.IsOnCurve() || !dst.IsInSubGroup() {
		return fmt.Errorf("%w: %s is not a point of G1", ErrEncoding, what)
	}
	return nil
}

// fpFromDec parses a decimal below the base field modulus p.
func fpFromDec(dst *fp.Element, s, what string) error {
	if len(s) == 0 || len(s) > 80 {
		return fmt.Errorf("%w: %s: coordinate of %d digits", ErrEncoding, what, len(s))
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: %s: coordinate %q is not decimal", ErrEncoding, what, s)
		}
	}
	v, _ := new(big.Int).SetString(s, 10)
	if v.Cmp(fp.Modulus()) >= 0 {
		return fmt.Errorf("%w: %s: coordinate not below the base field modulus", ErrEncoding, what)
	}
	dst.SetBigInt(v)
	return nil
}
