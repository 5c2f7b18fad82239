package groth16verify

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// Sentinel errors; test them with errors.Is.
var (
	// ErrInvalidProof reports a proof point that is not on its curve or not
	// in the prime-order subgroup. A well-formed proof that fails the
	// pairing check is not an error: Verify returns false for it.
	ErrInvalidProof = errors.New("groth16verify: invalid proof")
	// ErrInvalidKey reports a verifying key with a malformed point, no IC
	// points, or one not built by NewVerifyingKey.
	ErrInvalidKey = errors.New("groth16verify: invalid verifying key")
)

// Proof is a Groth16 proof over BN254 (gnark-crypto affine points). Nothing
// about its points is assumed: the verifier checks them.
type Proof struct {
	A bn254.G1Affine
	B bn254.G2Affine
	C bn254.G1Affine
}

// Verifier verifies Groth16 proofs over BN254.
//
// Methods only read their arguments and do not retain them; a Verifier is
// safe for concurrent use.
type Verifier interface {
	// Backend reports which implementation verifies.
	Backend() accel.Backend
	// Verify checks one proof against vk and its public inputs in circuit
	// order. It returns (true, nil) for a valid proof, (false, nil) for a
	// well-formed proof that does not verify, and (false, err) with err
	// wrapping ErrInvalidProof when a point of p is not on its curve or not
	// in its prime-order subgroup. len(public) must be vk.NumPublic() (else
	// an error wrapping accel.ErrInvalidParams); a nil or unbuilt vk is an
	// error wrapping ErrInvalidKey. For keys with more than InlineMSMPoints
	// IC points the input commitment is a routed MSM, whose routing error
	// (an MSM backend forced by configuration that cannot run) is returned.
	Verify(vk *VerifyingKey, p Proof, public []fr.Element) (bool, error)
	// BatchVerify verifies proofs[i] against publics[i] for every i and
	// reports each result; the answers are those of Verify (a malformed
	// proof is false and does not affect the others). It checks a random
	// linear combination with independent 128-bit coefficients rᵢ:
	//
	//	∏ e(rᵢ·Aᵢ, Bᵢ) · e(Σ rᵢ·Lᵢ, −γ) · e(Σ rᵢ·Cᵢ, −δ) = e(α, β)^(Σ rᵢ)
	//
	// so a batch holding an invalid proof passes with probability about
	// 2⁻¹²⁸. Σ rᵢ·Lᵢ is one len(IC)-point MSM whatever the batch size. A
	// failing batch is bisected, so k bad proofs among n cost O(k·log n)
	// combined checks. The error is non-nil only for a bad key, lengths
	// that disagree (len(publics) ≠ len(proofs), or any len(publics[i]) ≠
	// vk.NumPublic(): accel.ErrInvalidParams), a failure of the random
	// source, or the routing error of an MSM (as for Verify; Σ rᵢ·Cᵢ is
	// routed for batches of more than InlineMSMPoints proofs); then the
	// []bool is nil. Empty input gives an empty result.
	BatchVerify(vk *VerifyingKey, proofs []Proof, publics [][]fr.Element) ([]bool, error)
}

// New returns the verifier of backend b:
//
//   - [accel.Go]: gnark-crypto pairings; always available.
//   - [accel.SIMD], [accel.Icicle]: an error wrapping [accel.ErrUnavailable]
//     (see the package documentation for why).
//
// Any other value gives an error wrapping [accel.ErrUnknownBackend]. The
// returned value is safe for concurrent use.
func New(b accel.Backend) (Verifier, error) {
	switch b {
	case accel.Go:
		return goVerifier{}, nil
	case accel.SIMD:
		return nil, fmt.Errorf("groth16verify: no simd backend (the go backend already runs on gnark-crypto's field assembly); use go or auto routing: %w", accel.ErrUnavailable)
	case accel.Icicle:
		return nil, fmt.Errorf("groth16verify: no icicle backend (icicle v3 has no BN254 pairing; its MSMs are used through accel/msm); use go or auto routing: %w", accel.ErrUnavailable)
	}
	return nil, fmt.Errorf("groth16verify: new backend %q: %w (want go)", b, accel.ErrUnknownBackend)
}

// Available returns nil when New(b) would succeed, else New's error.
func Available(b accel.Backend) error {
	_, err := New(b)
	return err
}

// ForSize returns the verifier that the process's router
// ([accel.DefaultRouter]: the machine probe, CAIRN_ACCEL and the
// groth16verify entry of the per-kernel policy) picks for a batch of n
// proofs. A backend the policy names for this kernel is an error wrapping
// [accel.ErrUnavailable], as is a malformed CAIRN_ACCEL* variable.
func ForSize(n int) (Verifier, error) {
	b, err := accel.PickDefault(accel.KernelGroth16Verify, n, "proofs")
	if err != nil {
		return nil, fmt.Errorf("groth16verify: %w", err)
	}
	return New(b)
}
