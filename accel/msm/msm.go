package msm

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// MSM computes multi-scalar multiplications on BN254 (gnark-crypto types).
//
// Methods only read their arguments and do not retain them; they are safe
// for concurrent use. Points must be on the curve (G2: in the subgroup);
// see the package documentation.
type MSM interface {
	// Backend reports which implementation computes the sums.
	Backend() accel.Backend
	// G1 returns sum scalars[i]*points[i]; len(points) must equal
	// len(scalars) (else error wrapping accel.ErrInvalidParams). Empty
	// input -> identity (infinity).
	G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error)
	// G2 is G1 in G2, with the same contract.
	G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error)
}

// DefaultSize is the MSM size, in points, that [Default] routes for: 2^13,
// the size class of the RLN Groth16 prover's MSMs (about 5k to 8k points).
const DefaultSize = 1 << 13

// New returns the MSM computed by backend b:
//
//   - [accel.Go]: gnark-crypto's MultiExp; always available.
//   - [accel.SIMD]: G1 in eight AVX-512 IFMA lanes from [SIMDMinPoints]
//     points, gnark-crypto otherwise; where the CPU lacks IFMA (or with
//     -tags noasm) an error wrapping [accel.ErrUnavailable].
//   - [accel.Icicle]: icicle v3 on the selected device; only in binaries
//     built with -tags icicle and cgo, otherwise the error wraps
//     [accel.ErrUnavailable] and says how to rebuild.
//
// Any other value gives an error wrapping [accel.ErrUnknownBackend]. The
// returned value is safe for concurrent use.
func New(b accel.Backend) (MSM, error) {
	switch b {
	case accel.Go:
		return goMSM{}, nil
	case accel.SIMD:
		return newSIMD()
	case accel.Icicle:
		// newIcicle's errors name the package and the fix.
		return newIcicle()
	}
	return nil, fmt.Errorf("msm: new backend %q: %w (want go or icicle)", b, accel.ErrUnknownBackend)
}

// Available returns nil when New(b) would succeed, else New's error. For
// [accel.Icicle] it initialises the icicle runtime as New does.
func Available(b accel.Backend) error {
	_, err := New(b)
	return err
}

// ForSize returns the MSM that the process's router
// ([accel.DefaultRouter]: the machine probe, CAIRN_ACCEL and
// CAIRN_ACCEL_MSM) picks for MSMs of n points. A backend the policy names
// but that cannot run here is an error wrapping [accel.ErrUnavailable], as
// is a malformed CAIRN_ACCEL* variable (then the error says which).
func ForSize(n int) (MSM, error) {
	b, err := accel.PickDefault(accel.KernelMSM, n, "points")
	if err != nil {
		return nil, fmt.Errorf("msm: %w", err)
	}
	return New(b)
}

// Default returns ForSize(DefaultSize). Callers whose MSMs are much larger
// or smaller than [DefaultSize] should call [ForSize] with their size.
func Default() (MSM, error) { return ForSize(DefaultSize) }

// checkLengths returns an error wrapping accel.ErrInvalidParams when the
// numbers of points and scalars differ.
func checkLengths(op string, points, scalars int) error {
	if points != scalars {
		return fmt.Errorf("msm: %s: %d points but %d scalars (pass one scalar per point): %w", op, points, scalars, accel.ErrInvalidParams)
	}
	return nil
}
