package msm

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm/internal/lanemsm"
)

// SIMDMinPoints is the MSM size, in points, from which the router sends
// MSMs to the simd backend where it is available, and from which its G1
// and G2 MSMs run on the lanes. Below it the window is narrow, the batches
// small and gnark-crypto's MultiExp about as fast. At it the lanes gain
// 1.15× in G1 and 1.43× in G2; at 2^20 points 1.83× in G1 (`cairn bench
// --filter msm-g1` on the 2-core development machine,
// bench/results/vm-2026-11-26-msm-simd.json), at 2^19 1.80× in G2
// (lanemsm's BenchmarkG2).
const SIMDMinPoints = 1 << 16

// simdMSM is the simd backend: G1 and G2 MSMs of SIMDMinPoints points or
// more with batch-affine Pippenger buckets in eight AVX-512 IFMA lanes
// (internal/lanemsm); smaller MSMs with gnark-crypto, as the go backend.
type simdMSM struct{}

var _ MSM = simdMSM{}

// newSIMD returns the simd backend, or an error wrapping
// accel.ErrUnavailable where the CPU or the build lacks AVX-512 IFMA.
func newSIMD() (MSM, error) {
	if !lanemsm.Available() {
		return nil, fmt.Errorf("msm: simd backend needs AVX-512 IFMA on amd64 (and a build without noasm); use go: %w", accel.ErrUnavailable)
	}
	return simdMSM{}, nil
}

func (simdMSM) Backend() accel.Backend { return accel.SIMD }

// G1 returns Σ scalars[i]·points[i] in G1.
func (simdMSM) G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	return simd("G1", points, scalars, goMSM{}.G1, lanemsm.G1)
}

// G2 returns Σ scalars[i]·points[i] in G2.
func (simdMSM) G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error) {
	return simd("G2", points, scalars, goMSM{}.G2, lanemsm.G2)
}

// simd runs an MSM in group on the lanes from SIMDMinPoints points, else
// on small (gnark-crypto).
func simd[A any](group string, points []A, scalars []fr.Element, small, lanes func([]A, []fr.Element) (A, error)) (A, error) {
	if err := checkLengths(group, len(points), len(scalars)); err != nil {
		return *new(A), err
	}
	if len(points) < SIMDMinPoints {
		return small(points, scalars)
	}
	res, err := lanes(points, scalars)
	if err != nil {
		return res, fmt.Errorf("msm: simd %s of %d points: %w", group, len(points), err)
	}
	return res, nil
}

// BatchJacobianToAffineG2 converts points to affine form with one field
// inversion (Montgomery's trick), as gnark-crypto's
// bn254.BatchJacobianToAffineG1 does for G1; points at infinity (Z = 0)
// become (0, 0), the affine infinity. It is plain Go, available on every
// build.
func BatchJacobianToAffineG2(points []bn254.G2Jac) []bn254.G2Affine {
	return lanemsm.BatchJacobianToAffineG2(points)
}
