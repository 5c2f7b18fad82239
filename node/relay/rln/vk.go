package rln

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"

	"github.com/cairn-node/cairn/accel/groth16verify"
)

// NumPublicInputs is the number of public inputs of the RLN v2 circuit:
// y, root, nullifier, x, external_nullifier.
const NumPublicInputs = 5

// verificationKeyJSON is the RLN v2 (tree depth 20) Groth16 verifying key in
// snarkjs format, exported from the ceremony rln_final.zkey with snarkjs@0.7.6
// `zkey export verificationkey`; byte-identical to zerokit v0.5.0
// rln/resources/tree_height_20/verification_key.json (vacp2p/zerokit, licence
// MIT OR Apache-2.0). sha256
// ae43614cd02ebe951f44465924eff9882d1321b20f0cc129406bc5fa2547fe11.
//
//go:embed verification_key.json
var verificationKeyJSON []byte

// VerifyingKey is a Groth16 verifying key for BN254.
//
// A VerifyingKey is immutable once built and safe for concurrent use. Build
// it with ParseVerifyingKey (or use DefaultVerifyingKey): verification runs
// on the accel groth16verify key that it derives from the fields, and
// refuses a VerifyingKey built otherwise.
type VerifyingKey struct {
	Alpha bn254.G1Affine
	Beta  bn254.G2Affine
	Gamma bn254.G2Affine
	Delta bn254.G2Affine
	// IC holds the input commitments; IC[0] is the constant term and IC[i]
	// belongs to public input i-1. len(IC) = NumPublicInputs + 1.
	IC []bn254.G1Affine

	// acc is the same key with e(α, β) and the Miller-loop lines of −γ and
	// −δ precomputed; precompute builds it from the fields above.
	acc *groth16verify.VerifyingKey
}

var (
	defaultVKOnce sync.Once
	defaultVK     *VerifyingKey
)

// DefaultVerifyingKey returns the embedded zerokit RLN v2 (tree depth 20)
// verifying key, the one nwaku verifies with. The result is shared; callers
// must not modify it.
func DefaultVerifyingKey() *VerifyingKey {
	defaultVKOnce.Do(func() {
		vk, err := ParseVerifyingKey(verificationKeyJSON)
		if err != nil {
			panic("BUG: rln: embedded verification_key.json: " + err.Error())
		}
		defaultVK = vk
	})
	return defaultVK
}

type snarkjsVK struct {
	Protocol string     `json:"protocol"`
	Curve    string     `json:"curve"`
	NPublic  int        `json:"nPublic"`
	Alpha    []string   `json:"vk_alpha_1"`
	Beta     [][]string `json:"vk_beta_2"`
	Gamma    [][]string `json:"vk_gamma_2"`
	Delta    [][]string `json:"vk_delta_2"`
	IC       [][]string `json:"IC"`
	// vk_alphabeta_12 is not read: it is recomputed from alpha and beta.
}

// ParseVerifyingKey parses a snarkjs verification_key.json (protocol
// "groth16", curve "bn128", nPublic = 5). Points are given as projective
// decimal coordinates with z = 1; G2 coordinates are [c0, c1] pairs. Every
// point is checked to be on its curve and in the prime-order subgroup.
func ParseVerifyingKey(data []byte) (*VerifyingKey, error) {
	var raw snarkjsVK
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("rln: parse verifying key: %w", err)
	}
	if raw.Protocol != "groth16" || raw.Curve != "bn128" {
		return nil, fmt.Errorf("rln: parse verifying key: protocol %q curve %q, want groth16 bn128", raw.Protocol, raw.Curve)
	}
	if raw.NPublic != NumPublicInputs || len(raw.IC) != NumPublicInputs+1 {
		return nil, fmt.Errorf("rln: parse verifying key: nPublic %d with %d IC points, want %d and %d", raw.NPublic, len(raw.IC), NumPublicInputs, NumPublicInputs+1)
	}
	vk := &VerifyingKey{IC: make([]bn254.G1Affine, len(raw.IC))}
	var err error
	if vk.Alpha, err = parseG1(raw.Alpha); err != nil {
		return nil, fmt.Errorf("rln: parse verifying key alpha: %w", err)
	}
	if vk.Beta, err = parseG2(raw.Beta); err != nil {
		return nil, fmt.Errorf("rln: parse verifying key beta: %w", err)
	}
	if vk.Gamma, err = parseG2(raw.Gamma); err != nil {
		return nil, fmt.Errorf("rln: parse verifying key gamma: %w", err)
	}
	if vk.Delta, err = parseG2(raw.Delta); err != nil {
		return nil, fmt.Errorf("rln: parse verifying key delta: %w", err)
	}
	for i, p := range raw.IC {
		if vk.IC[i], err = parseG1(p); err != nil {
			return nil, fmt.Errorf("rln: parse verifying key IC[%d]: %w", i, err)
		}
	}
	if err := vk.precompute(); err != nil {
		return nil, fmt.Errorf("rln: parse verifying key: %w", err)
	}
	return vk, nil
}

// precompute derives the accel verifying key (checked points, e(α, β),
// line evaluations) from the exported fields.
func (vk *VerifyingKey) precompute() error {
	acc, err := groth16verify.NewVerifyingKey(vk.Alpha, vk.Beta, vk.Gamma, vk.Delta, vk.IC)
	if err != nil {
		return err
	}
	vk.acc = acc
	return nil
}

func parseFp(s string) (fp.Element, error) {
	var e fp.Element
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || v.Cmp(fp.Modulus()) >= 0 {
		return e, fmt.Errorf("coordinate %q is not a canonical base field element", s)
	}
	e.SetBigInt(v)
	return e, nil
}

func parseG1(c []string) (bn254.G1Affine, error) {
	var p bn254.G1Affine
	if len(c) != 3 || c[2] != "1" {
		return p, fmt.Errorf("G1 point %q: want [x, y, \"1\"]", c)
	}
	var err error
	if p.X, err = parseFp(c[0]); err != nil {
		return p, err
	}
	if p.Y, err = parseFp(c[1]); err != nil {
		return p, err
	}
	if !p.IsOnCurve() || !p.IsInSubGroup() {
		return p, fmt.Errorf("G1 point %q is not on the curve", c)
	}
	return p, nil
}

func parseG2(c [][]string) (bn254.G2Affine, error) {
	var p bn254.G2Affine
	if len(c) != 3 || len(c[0]) != 2 || len(c[1]) != 2 || len(c[2]) != 2 || c[2][0] != "1" || c[2][1] != "0" {
		return p, fmt.Errorf("G2 point %q: want [[x.c0, x.c1], [y.c0, y.c1], [\"1\", \"0\"]]", c)
	}
	var err error
	if p.X.A0, err = parseFp(c[0][0]); err != nil {
		return p, err
	}
	if p.X.A1, err = parseFp(c[0][1]); err != nil {
		return p, err
	}
	if p.Y.A0, err = parseFp(c[1][0]); err != nil {
		return p, err
	}
	if p.Y.A1, err = parseFp(c[1][1]); err != nil {
		return p, err
	}
	if !p.IsOnCurve() || !p.IsInSubGroup() {
		return p, fmt.Errorf("G2 point %q is not on the twist or not in the subgroup", c)
	}
	return p, nil
}
