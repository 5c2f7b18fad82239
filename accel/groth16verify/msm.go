package groth16verify

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/msm"
)

// InlineMSMPoints is the largest MSM, in points, that verification computes
// inline with gnark-crypto on the calling goroutine. Larger ones (the
// Σ rᵢ·Cᵢ of a batch of more proofs, the input commitment of a circuit with
// more public inputs) go through accel/msm's router, which spreads them
// over all cores or sends them to a GPU. RLN's 6-point input commitment
// stays inline: routing it would cost more than the ~0.1 ms it takes.
const InlineMSMPoints = 8

// routeMSM returns the MSM backend for n points; tests replace it
// (export_test.go) to see the large MSMs and send them to each backend.
var routeMSM = msm.ForSize

// msmG1 returns Σ scalars[i]·points[i]; the points are on the curve (IC
// points checked by NewVerifyingKey, proof points by checkProof).
func msmG1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	if len(points) > InlineMSMPoints {
		m, err := routeMSM(len(points))
		if err != nil {
			return bn254.G1Affine{}, fmt.Errorf("groth16verify: %w", err)
		}
		res, err := m.G1(points, scalars)
		if err != nil {
			return bn254.G1Affine{}, fmt.Errorf("groth16verify: %w", err)
		}
		return res, nil
	}
	var res bn254.G1Affine
	if _, err := res.MultiExp(points, scalars, ecc.MultiExpConfig{NbTasks: 1}); err != nil {
		return res, fmt.Errorf("groth16verify: msm of %d points: %w", len(points), err)
	}
	return res, nil
}
