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
// runs on the lanes. Below it the window is narrow, the batches small and
// gnark-crypto's MultiExp about as fast; at it the lanes gain 1.15×, at
// 2^20 points 1.83× (`cairn bench --filter msm-g1` on the 2-core
// development machine, bench/results/vm-2026-11-26-msm-simd.json).
const SIMDMinPoints = 1 << 16

// simdMSM is the simd backend: G1 MSMs of SIMDMinPoints points or more
// with batch-affine Pippenger buckets in eight AVX-512 IFMA lanes
// (internal/lanemsm); smaller G1 MSMs and all G2 MSMs with gnark-crypto, as
// the go backend.
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
	if err := checkLengths("G1", len(points), len(scalars)); err != nil {
		return bn254.G1Affine{}, err
	}
	if len(points) < SIMDMinPoints {
		return goMSM{}.G1(points, scalars)
	}
	res, err := lanemsm.G1(points, scalars)
	if err != nil {
		return res, fmt.Errorf("msm: simd G1 of %d points: %w", len(points), err)
	}
	return res, nil
}

// G2 returns Σ scalars[i]·points[i] in G2, with gnark-crypto.
func (simdMSM) G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error) {
	return goMSM{}.G2(points, scalars)
}
