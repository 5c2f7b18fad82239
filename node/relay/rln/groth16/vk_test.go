package groth16_test

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"

	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/circuit"
	"github.com/cairn-node/cairn/node/relay/rln/groth16"
)

// TestVerifyingKeyMatchesRLN checks that the embedded zkey carries the very
// verifying key nwaku checks proofs with (rln.DefaultVerifyingKey, from
// zerokit's verification_key.json).
func TestVerifyingKeyMatchesRLN(t *testing.T) {
	pk, err := groth16.ParseZKey(circuit.ZKey())
	if err != nil {
		t.Fatalf("ParseZKey = %v", err)
	}
	vk := rln.DefaultVerifyingKey()
	alpha, beta, gamma, delta, ic := pk.Alpha1, pk.Beta2, pk.Gamma2, pk.Delta2, pk.IC
	if !alpha.Equal(&vk.Alpha) {
		t.Errorf("alpha = %s, want %s", alpha.String(), vk.Alpha.String())
	}
	if !beta.Equal(&vk.Beta) {
		t.Errorf("beta = %s, want %s", beta.String(), vk.Beta.String())
	}
	if !gamma.Equal(&vk.Gamma) {
		t.Errorf("gamma = %s, want %s", gamma.String(), vk.Gamma.String())
	}
	if !delta.Equal(&vk.Delta) {
		t.Errorf("delta = %s, want %s", delta.String(), vk.Delta.String())
	}
	if len(ic) != len(vk.IC) {
		t.Fatalf("len(IC) = %d, want %d", len(ic), len(vk.IC))
	}
	for i := range ic {
		if !ic[i].Equal(&vk.IC[i]) {
			t.Errorf("IC[%d] = %s, want %s", i, ic[i].String(), vk.IC[i].String())
		}
	}
	if pk.NPublic != rln.NumPublicInputs {
		t.Errorf("NPublic = %d, want %d", pk.NPublic, rln.NumPublicInputs)
	}
	// β₁ and δ₁ have no counterpart in the JSON key; they must have the
	// same discrete logs as their G2 twins: e(β₁, δ₂) = e(δ₁, β₂).
	l, err := bn254.Pair([]bn254.G1Affine{pk.Beta1}, []bn254.G2Affine{pk.Delta2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := bn254.Pair([]bn254.G1Affine{pk.Delta1}, []bn254.G2Affine{pk.Beta2})
	if err != nil {
		t.Fatal(err)
	}
	if !l.Equal(&r) {
		t.Errorf("e(beta1, delta2) != e(delta1, beta2): G1 and G2 halves of the key disagree")
	}
}
