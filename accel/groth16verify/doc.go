// Package groth16verify verifies Groth16 proofs over BN254, one at a time or
// in batches, for any circuit: the verifying key carries the circuit (its
// number of public inputs is len(IC)-1). It is the accel kernel
// [accel.KernelGroth16Verify]; RLN (node/relay/rln) and the storage proofs
// use it.
//
// # Usage
//
//	vk, err := groth16verify.NewVerifyingKey(alpha, beta, gamma, delta, ic) // checks and precomputes once
//	v, err := groth16verify.ForSize(len(proofs))                             // routed backend
//	ok, err := v.Verify(vk, proof, public)                                   // one proof
//	oks, err := v.BatchVerify(vk, proofs, publics)                           // many; oks[i] per proof
//
// Verify checks e(A, B) = e(α, β) · e(IC₀ + Σ inputᵢ·ICᵢ₊₁, γ) · e(C, δ).
// BatchVerify checks a random linear combination of all proofs with one
// multi-Miller loop and one final exponentiation and bisects a failing batch
// to find the bad proofs; see [Verifier].
//
// # Backends
//
// Only [accel.Go] is implemented and registered: gnark-crypto's pairing,
// with the per-proof work spread over all cores and the large
// multi-scalar multiplications (the Σ rᵢ·Cᵢ of a batch, the input
// commitment of a circuit with many public inputs) sent through accel/msm,
// so a GPU takes them when the router gives MSMs to icicle.
//
//   - simd is not registered: a simd verifier would run the same
//     gnark-crypto code, whose field arithmetic is already assembly.
//   - icicle is not registered: icicle v3 has MSM and NTT for BN254 but no
//     pairing (no Miller loop, no final exponentiation), so the pairing
//     part cannot run there; the MSMs already reach it through accel/msm.
//
// New returns an error wrapping [accel.ErrUnavailable] for both, and
// CAIRN_ACCEL=simd or =icicle leaves this kernel on automatic routing.
//
// # Safety
//
// Proofs may come from the network: a point that is not on its curve or
// not in the prime-order subgroup makes that proof false (Verify also
// returns an error wrapping [ErrInvalidProof]); nothing panics on any
// input. Errors otherwise report a caller's mistake (a key not built by
// [NewVerifyingKey], the wrong number of public inputs), a failure of the
// random source, or an MSM backend forced by configuration
// (CAIRN_ACCEL_MSM) that cannot run here.
package groth16verify
