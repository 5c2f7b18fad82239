// Package snarkjs reads and writes snarkjs's JSON encodings of Groth16
// over BN254 (snarkjs calls the curve "bn128"): verification_key.json, as
// `snarkjs zkey export verificationkey` writes it, and proof.json, as
// `snarkjs groth16 prove` writes it. circom provers (rapidsnark, arkworks'
// circom-compat, the Logos Storage and nwaku nodes) use the same layout.
//
// Points are affine coordinates written as projective ones with z = 1,
// each coordinate a decimal string below the base field modulus; a G2
// coordinate is a pair [c0, c1] for c0 + c1·u. Every decoder checks that
// a point is on its curve and in the prime-order subgroup, and returns an
// error wrapping [ErrFormat] for anything else.
//
// # Usage
//
//	vk, err := snarkjs.ParseVerifyingKey(vkJSON) // an accel/groth16verify key
//	var p snarkjs.Proof
//	err = json.Unmarshal(proofJSON, &p)
//	out, err := json.Marshal(p) // proof.json again
package snarkjs

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"

	"github.com/cairn-node/cairn/accel/groth16verify"
)

// ErrFormat is wrapped by every decoding error.
var ErrFormat = errors.New("malformed snarkjs JSON")

// MaxPublic bounds a verifying key's nPublic; real circuits have a
// handful of public inputs, and the bound keeps a hostile file from
// making the parser check millions of points.
const MaxPublic = 1024

// vkJSON is verification_key.json; vk_alphabeta_12 is not read (it is
// e(α, β), which a verifier recomputes from alpha and beta).
type vkJSON struct {
	Protocol string     `json:"protocol"`
	Curve    string     `json:"curve"`
	NPublic  int        `json:"nPublic"`
	Alpha    []string   `json:"vk_alpha_1"`
	Beta     [][]string `json:"vk_beta_2"`
	Gamma    [][]string `json:"vk_gamma_2"`
	Delta    [][]string `json:"vk_delta_2"`
	IC       [][]string `json:"IC"`
}

// ParseVerifyingKey decodes a verification_key.json for protocol
// "groth16" on curve "bn128" with 0 ≤ nPublic ≤ MaxPublic and nPublic + 1
// IC points, into the key accel/groth16verify verifies with (its
// precomputation costs about one pairing).
func ParseVerifyingKey(data []byte) (*groth16verify.VerifyingKey, error) {
	var raw vkJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("verifying key: %w: %w", ErrFormat, err)
	}
	if err := checkProtocol(raw.Protocol, raw.Curve); err != nil {
		return nil, fmt.Errorf("verifying key: %w", err)
	}
	if raw.NPublic < 0 || raw.NPublic > MaxPublic || len(raw.IC) != raw.NPublic+1 {
		return nil, fmt.Errorf("verifying key: %w: nPublic %d with %d IC points (want nPublic + 1, nPublic ≤ %d)", ErrFormat, raw.NPublic, len(raw.IC), MaxPublic)
	}
	alpha, err := ParseG1(raw.Alpha)
	if err != nil {
		return nil, fmt.Errorf("verifying key vk_alpha_1: %w", err)
	}
	var g2 [3]bn254.G2Affine
	for i, g := range []struct {
		src  [][]string
		name string
	}{{raw.Beta, "vk_beta_2"}, {raw.Gamma, "vk_gamma_2"}, {raw.Delta, "vk_delta_2"}} {
		if g2[i], err = ParseG2(g.src); err != nil {
			return nil, fmt.Errorf("verifying key %s: %w", g.name, err)
		}
	}
	ic := make([]bn254.G1Affine, len(raw.IC))
	for i, p := range raw.IC {
		if ic[i], err = ParseG1(p); err != nil {
			return nil, fmt.Errorf("verifying key IC[%d]: %w", i, err)
		}
	}
	vk, err := groth16verify.NewVerifyingKey(alpha, g2[0], g2[1], g2[2], ic)
	if err != nil {
		return nil, fmt.Errorf("verifying key: %w: %w", ErrFormat, err)
	}
	return vk, nil
}

// Proof is a Groth16 proof: pi_a, pi_b and pi_c of proof.json. Its JSON
// form (MarshalJSON, UnmarshalJSON) is proof.json.
type Proof struct {
	A bn254.G1Affine
	B bn254.G2Affine
	C bn254.G1Affine
}

// proofJSON is proof.json.
type proofJSON struct {
	A        []string   `json:"pi_a"`
	B        [][]string `json:"pi_b"`
	C        []string   `json:"pi_c"`
	Protocol string     `json:"protocol"`
	Curve    string     `json:"curve"`
}

// MarshalJSON returns proof.json:
//
//	{"pi_a":[x,y,"1"],"pi_b":[[x0,x1],[y0,y1],["1","0"]],"pi_c":[x,y,"1"],
//	 "protocol":"groth16","curve":"bn128"}
func (p Proof) MarshalJSON() ([]byte, error) {
	return json.Marshal(proofJSON{A: FormatG1(&p.A), B: FormatG2(&p.B), C: FormatG1(&p.C), Protocol: "groth16", Curve: "bn128"})
}

// UnmarshalJSON decodes proof.json (protocol "groth16", curve "bn128" or
// "bn254"). On error p is unchanged.
func (p *Proof) UnmarshalJSON(data []byte) error {
	var raw proofJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("proof: %w: %w", ErrFormat, err)
	}
	if err := checkProtocol(raw.Protocol, raw.Curve); err != nil {
		return fmt.Errorf("proof: %w", err)
	}
	var q Proof
	var err error
	if q.A, err = ParseG1(raw.A); err != nil {
		return fmt.Errorf("proof pi_a: %w", err)
	}
	if q.B, err = ParseG2(raw.B); err != nil {
		return fmt.Errorf("proof pi_b: %w", err)
	}
	if q.C, err = ParseG1(raw.C); err != nil {
		return fmt.Errorf("proof pi_c: %w", err)
	}
	*p = q
	return nil
}

// checkProtocol accepts groth16 on bn128 (snarkjs's name) or bn254.
func checkProtocol(protocol, curve string) error {
	if protocol != "groth16" || (curve != "bn128" && curve != "bn254") {
		return fmt.Errorf("%w: protocol %q on curve %q, want groth16 on bn128", ErrFormat, protocol, curve)
	}
	return nil
}

// ParseFp decodes a base field element: a decimal of at most 80 digits,
// below the modulus.
func ParseFp(s string) (fp.Element, error) {
	var e fp.Element
	if len(s) == 0 || len(s) > 80 {
		return e, fmt.Errorf("%w: coordinate of %d digits", ErrFormat, len(s))
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return e, fmt.Errorf("%w: coordinate %q is not a decimal", ErrFormat, s) // ≤ 80 bytes
		}
	}
	v, _ := new(big.Int).SetString(s, 10)
	if v.Cmp(fp.Modulus()) >= 0 {
		return e, fmt.Errorf("%w: coordinate %s is not below the base field modulus", ErrFormat, s)
	}
	e.SetBigInt(v)
	return e, nil
}

// ParseG1 decodes [x, y, "1"], a point of G1.
func ParseG1(c []string) (bn254.G1Affine, error) {
	var p bn254.G1Affine
	if len(c) != 3 || c[2] != "1" {
		return p, fmt.Errorf("%w: G1 point of %d coordinates or z ≠ 1: want [x, y, \"1\"]", ErrFormat, len(c))
	}
	var err error
	if p.X, err = ParseFp(c[0]); err != nil {
		return p, err
	}
	if p.Y, err = ParseFp(c[1]); err != nil {
		return p, err
	}
	if !p.IsOnCurve() || !p.IsInSubGroup() {
		return p, fmt.Errorf("%w: G1 point %q is not on the curve", ErrFormat, c)
	}
	return p, nil
}

// ParseG2 decodes [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]], a point of G2.
func ParseG2(c [][]string) (bn254.G2Affine, error) {
	var p bn254.G2Affine
	if len(c) != 3 || len(c[0]) != 2 || len(c[1]) != 2 || len(c[2]) != 2 || c[2][0] != "1" || c[2][1] != "0" {
		return p, fmt.Errorf("%w: G2 point not of the form [[x.c0, x.c1], [y.c0, y.c1], [\"1\", \"0\"]]", ErrFormat)
	}
	for _, f := range []struct {
		dst *fp.Element
		s   string
	}{{&p.X.A0, c[0][0]}, {&p.X.A1, c[0][1]}, {&p.Y.A0, c[1][0]}, {&p.Y.A1, c[1][1]}} {
		var err error
		if *f.dst, err = ParseFp(f.s); err != nil {
			return p, err
		}
	}
	if !p.IsOnCurve() || !p.IsInSubGroup() {
		return p, fmt.Errorf("%w: G2 point %q is not on the twist or not in the subgroup", ErrFormat, c)
	}
	return p, nil
}

// FormatG1 returns [x, y, "1"] in decimal.
func FormatG1(p *bn254.G1Affine) []string {
	return []string{dec(&p.X), dec(&p.Y), "1"}
}

// FormatG2 returns [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]] in decimal.
func FormatG2(p *bn254.G2Affine) [][]string {
	return [][]string{{dec(&p.X.A0), dec(&p.X.A1)}, {dec(&p.Y.A0), dec(&p.Y.A1)}, {"1", "0"}}
}

func dec(e *fp.Element) string {
	var v big.Int
	return e.BigInt(&v).String()
}
