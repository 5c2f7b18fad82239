package msm

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// goMSM is the reference backend: gnark-crypto's MultiExp with its default
// configuration (2·NumCPU tasks, window size chosen by the library). It only
// reads points and scalars.
type goMSM struct{}

var _ MSM = goMSM{}

func (goMSM) Backend() accel.Backend { return accel.Go }

// G1 returns Σ scalars[i]·points[i] in G1.
func (goMSM) G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	var res bn254.G1Affine
	if err := checkLengths("G1", len(points), len(scalars)); err != nil {
		return res, err
	}
	if len(points) == 0 {
		return res, nil // the zero value is the point at infinity
	}
	var j bn254.G1Jac
	if _, err := j.MultiExp(points, scalars, ecc.MultiExpConfig{}); err != nil {
		return res, fmt.Errorf("msm: go G1 of %d points: %w", len(points), err)
	}
	res.FromJacobian(&j)
	return res, nil
}

// G2 returns Σ scalars[i]·points[i] in G2.
func (goMSM) G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error) {
	var res bn254.G2Affine
	if err := checkLengths("G2", len(points), len(scalars)); err != nil {
		return res, err
	}
	if len(points) == 0 {
		return res, nil
	}
	var j bn254.G2Jac
	if _, err := j.MultiExp(points, scalars, ecc.MultiExpConfig{}); err != nil {
		return res, fmt.Errorf("msm: go G2 of %d points: %w", len(points), err)
	}
	res.FromJacobian(&j)
	return res, nil
}
