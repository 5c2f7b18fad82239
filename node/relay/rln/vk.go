package rln

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"

	"github.com/cairn-node/cairn/accel/groth16verify"
	"github.com/cairn-node/cairn/node/internal/snarkjs"
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
	// −δ precomputed, built by ParseVerifyingKey.
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

// ParseVerifyingKey parses a snarkjs verification_key.json (protocol
// "groth16", curve "bn128", nPublic = 5; see node/internal/snarkjs). Every
// point is checked to be on its curve and in the prime-order subgroup.
func ParseVerifyingKey(data []byte) (*VerifyingKey, error) {
	raw, err := snarkjs.ParseVerifyingKey(data)
	if err != nil {
		return nil, fmt.Errorf("rln: parse %w", err)
	}
	if raw.NumPublic() != NumPublicInputs {
		return nil, fmt.Errorf("rln: parse verifying key: %d public inputs, want %d", raw.NumPublic(), NumPublicInputs)
	}
	return &VerifyingKey{Alpha: raw.Alpha, Beta: raw.Beta, Gamma: raw.Gamma, Delta: raw.Delta, IC: raw.IC, acc: raw}, nil
}
