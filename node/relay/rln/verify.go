package rln

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/groth16verify"
)

// Verify checks a Groth16 proof against vk and the public inputs in circuit
// order (y, root, nullifier, x, external_nullifier):
//
//	e(A, B) = e(α, β) · e(IC₀ + Σ inputᵢ·ICᵢ₊₁, γ) · e(C, δ)
//
// It returns (false, nil) for a well-formed proof that does not verify, and
// (false, err) with err wrapping ErrInvalidProof when a point of proof is not
// on its curve or not in the prime-order subgroup (possible only for a Proof
// not built by DecodeCompressed). vk must come from ParseVerifyingKey or
// DefaultVerifyingKey (else an error). Verify is safe for concurrent use.
//
// The pairing check is the accel kernel groth16verify (package
// accel/groth16verify), routed like the other kernels.
func Verify(vk *VerifyingKey, proof Proof, publicInputs [NumPublicInputs]fr.Element) (bool, error) {
	v, acc, err := verifier(vk, 1)
	if err != nil {
		return false, err
	}
	ok, err := v.Verify(acc, groth16verify.Proof(proof), publicInputs[:])
	return ok, wrapErr(err)
}

// BatchItem is one proof and its public inputs for BatchVerify.
type BatchItem struct {
	Proof        Proof
	PublicInputs [NumPublicInputs]fr.Element
}

// BatchVerify verifies many proofs at once and reports, per item, whether it
// verified. It first checks a random linear combination of all proofs with
// one multi-Miller loop and one final exponentiation:
//
//	∏ e(rᵢ·Aᵢ, Bᵢ) · e(Σ rᵢ·Lᵢ, −γ) · e(Σ rᵢ·Cᵢ, −δ) = e(α, β)^(Σ rᵢ)
//
// with independent random 128-bit rᵢ, so a batch containing an invalid proof
// passes with probability at most about 2⁻¹²⁸. Σ rᵢ·Lᵢ is computed as
// (Σ rᵢ)·IC₀ + Σⱼ (Σᵢ rᵢ·inputᵢⱼ)·ICⱼ₊₁, a six-point multi-exponentiation
// whatever the batch size, and the per-proof work (subgroup checks, rᵢ·Aᵢ,
// Miller loops) is spread over all cores. If the batch fails it is
// bisected until the invalid proofs are found, so a batch with k bad proofs
// costs O(k·log n) combined checks. An item whose points are malformed is
// reported false and does not affect the others. The returned error is
// non-nil only for a bad verifying key, a failure of the random source, or
// an MSM backend forced by configuration (CAIRN_ACCEL_MSM) that cannot run.
// BatchVerify does not modify items and is safe for concurrent use.
//
// The work is the accel kernel groth16verify (package accel/groth16verify),
// routed for len(items) proofs; Σ rᵢ·Cᵢ of large batches goes through
// accel/msm.
func BatchVerify(vk *VerifyingKey, items []BatchItem) ([]bool, error) {
	v, acc, err := verifier(vk, len(items))
	if err != nil {
		return nil, err
	}
	proofs := make([]groth16verify.Proof, len(items))
	publics := make([][]fr.Element, len(items))
	for i := range items {
		proofs[i] = groth16verify.Proof(items[i].Proof)
		publics[i] = items[i].PublicInputs[:]
	}
	ok, err := v.BatchVerify(acc, proofs, publics)
	return ok, wrapErr(err)
}

// verifier returns the routed verifier for n proofs and vk's accel key.
func verifier(vk *VerifyingKey, n int) (groth16verify.Verifier, *groth16verify.VerifyingKey, error) {
	if vk == nil || vk.acc == nil {
		return nil, nil, errors.New("rln: verifying key not built by ParseVerifyingKey (use DefaultVerifyingKey or ParseVerifyingKey)")
	}
	if len(vk.IC) != NumPublicInputs+1 {
		return nil, nil, fmt.Errorf("rln: verifying key has %d IC points for %d public inputs", len(vk.IC), NumPublicInputs)
	}
	v, err := groth16verify.ForSize(n)
	if err != nil {
		return nil, nil, fmt.Errorf("rln: verify: %w", err)
	}
	return v, vk.acc, nil
}

// wrapErr makes the kernel's malformed-proof error an ErrInvalidProof (it
// keeps wrapping groth16verify.ErrInvalidProof) and names rln in the others.
func wrapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, groth16verify.ErrInvalidProof):
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	return fmt.Errorf("rln: verify: %w", err)
}
