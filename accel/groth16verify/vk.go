package groth16verify

import (
	"fmt"
	"slices"

	"github.com/consensys/gnark-crypto/ecc/bn254"
)

// lines is the precomputed Miller-loop line evaluations of one fixed G2
// point.
type lines = [2][len(bn254.LoopCounter)]bn254.LineEvaluationAff

// VerifyingKey is a Groth16 verifying key over BN254 with the values
// verification precomputes from it (e(α, β) and the Miller-loop lines of
// −γ and −δ).
//
// Build it with NewVerifyingKey; a VerifyingKey built otherwise (a struct
// literal, the zero value) is refused with ErrInvalidKey. It is immutable
// once built: do not modify its fields afterwards (the precomputed values
// would no longer match). It is safe for concurrent use.
type VerifyingKey struct {
	Alpha bn254.G1Affine
	Beta  bn254.G2Affine
	Gamma bn254.G2Affine
	Delta bn254.G2Affine
	// IC holds the input commitments: IC[0] is the constant term and IC[i]
	// belongs to public input i-1, so the circuit has len(IC)-1 public
	// inputs. NewVerifyingKey copies it.
	IC []bn254.G1Affine

	built      bool     // set by NewVerifyingKey alone
	alphaBeta  bn254.GT // e(α, β)
	gammaLines lines    // lines of −γ
	deltaLines lines    // lines of −δ
}

// NewVerifyingKey checks the points of a verifying key and precomputes what
// verification needs. Every point must be on its curve and in its
// prime-order subgroup, α, β, γ and δ must not be the point at infinity,
// and ic must hold at least IC₀; otherwise the error wraps ErrInvalidKey and
// names the point. ic is copied; the caller may reuse it. It costs about one
// pairing.
func NewVerifyingKey(alpha bn254.G1Affine, beta, gamma, delta bn254.G2Affine, ic []bn254.G1Affine) (*VerifyingKey, error) {
	if len(ic) == 0 {
		return nil, fmt.Errorf("%w: no IC points (want len(IC) = public inputs + 1)", ErrInvalidKey)
	}
	if alpha.IsInfinity() || !alpha.IsInSubGroup() { // IsInSubGroup includes IsOnCurve
		return nil, fmt.Errorf("%w: alpha is not a point of G1 other than infinity", ErrInvalidKey)
	}
	for _, g := range []struct {
		name string
		p    *bn254.G2Affine
	}{{"beta", &beta}, {"gamma", &gamma}, {"delta", &delta}} {
		if g.p.IsInfinity() || !g.p.IsInSubGroup() {
			return nil, fmt.Errorf("%w: %s is not a point of G2 other than infinity", ErrInvalidKey, g.name)
		}
	}
	for i := range ic {
		if !ic[i].IsInSubGroup() {
			return nil, fmt.Errorf("%w: IC[%d] is not a point of G1", ErrInvalidKey, i)
		}
	}
	vk := &VerifyingKey{Alpha: alpha, Beta: beta, Gamma: gamma, Delta: delta, IC: slices.Clone(ic)}
	ab, err := bn254.Pair([]bn254.G1Affine{alpha}, []bn254.G2Affine{beta})
	if err != nil {
		return nil, fmt.Errorf("%w: e(alpha, beta): %w", ErrInvalidKey, err)
	}
	vk.alphaBeta = ab
	var negGamma, negDelta bn254.G2Affine
	negGamma.Neg(&gamma)
	negDelta.Neg(&delta)
	vk.gammaLines = bn254.PrecomputeLines(negGamma)
	vk.deltaLines = bn254.PrecomputeLines(negDelta)
	vk.built = true
	return vk, nil
}

// NumPublic returns the number of public inputs of the key's circuit,
// len(IC)-1.
func (vk *VerifyingKey) NumPublic() int { return len(vk.IC) - 1 }

// checkKey returns an error wrapping ErrInvalidKey unless vk was built by
// NewVerifyingKey.
func checkKey(vk *VerifyingKey) error {
	if vk == nil || !vk.built {
		return fmt.Errorf("%w: nil or not built by NewVerifyingKey", ErrInvalidKey)
	}
	return nil
}

// checkProof returns an error wrapping ErrInvalidProof unless every point
// of p is on its curve and in its prime-order subgroup (the point at
// infinity is).
func checkProof(p *Proof) error {
	if !p.A.IsInSubGroup() { // IsInSubGroup includes IsOnCurve
		return fmt.Errorf("%w: A is not in G1", ErrInvalidProof)
	}
	if !p.B.IsInSubGroup() {
		return fmt.Errorf("%w: B is not in G2", ErrInvalidProof)
	}
	if !p.C.IsInSubGroup() {
		return fmt.Errorf("%w: C is not in G1", ErrInvalidProof)
	}
	return nil
}
