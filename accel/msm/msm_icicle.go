//go:build icicle && cgo

package msm

// The icicle backend of the MSM kernel (build tag `icicle`, cgo): icicle
// v3.9.2's bn254 MSM (curves/bn254/msm.Msm for G1, curves/bn254/g2.G2Msm for
// G2) on the device accel/internal/icicle selected.
//
// Representations. gnark-crypto keeps field elements in Montgomery form
// (x·2^256 mod p) as four little-endian uint64 limbs; icicle keeps them as
// eight little-endian uint32 limbs, in canonical form unless a config flag
// says otherwise. On a little-endian machine the limb layouts are the same
// bytes, and the affine layouts agree too ((X, Y), and Fp2 as (A0, A1) =
// icicle's (c0, c1)), with (0, 0) as the point at infinity in both.
//   - Scalars go to icicle as they are, with AreScalarsMontgomeryForm: icicle
//     converts a private copy of each (cpu_msm.hpp, run_msm phase 1).
//   - Points are converted here to canonical form, because the CPU backend
//     of v3.9.2 ignores ArePointsMontgomeryForm in the MSM itself (it only
//     reads it in msm_precompute_bases; see cpu_msm.hpp, "no need to convert
//     to montgomery"). Converting also keeps the caller's slice untouched.
//   - The result is an icicle projective point (X:Y:Z), x = X/Z, y = Y/Z, in
//     canonical form; it is converted back and normalised to affine here, so
//     it equals gnark-crypto's FromJacobian result bit for bit.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/ingonyama-zk/icicle/v3/wrappers/golang/core"
	_ "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254" // cgo LDFLAGS: -licicle_field_bn254 -licicle_curve_bn254
	icg2 "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254/g2"
	icmsm "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254/msm"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
)

// icicleFp is a base-field element in icicle's canonical layout.
type icicleFp [4]uint64

type icicleFp2 struct{ c0, c1 icicleFp }

type icicleG1Affine struct{ x, y icicleFp }

type icicleG1Projective struct{ x, y, z icicleFp }

type icicleG2Affine struct{ x, y icicleFp2 }

type icicleG2Projective struct{ x, y, z icicleFp2 }

// The layouts above and gnark-crypto's must have icicle's sizes (affine_t 64
// bytes, g2_affine_t 128, scalar_t 32); these fail to compile otherwise.
var (
	_ [64]byte  = [unsafe.Sizeof(icicleG1Affine{})]byte{}
	_ [128]byte = [unsafe.Sizeof(icicleG2Affine{})]byte{}
	_ [32]byte  = [unsafe.Sizeof(fr.Element{})]byte{}
	_ [64]byte  = [unsafe.Sizeof(bn254.G1Affine{})]byte{}
	_ [128]byte = [unsafe.Sizeof(bn254.G2Affine{})]byte{}
)

// icicleMSM implements MSM on icicle's selected device.
type icicleMSM struct{}

var _ MSM = icicleMSM{}

// newIcicle returns the icicle MSM backend, or an error wrapping
// accel.ErrUnavailable when no icicle device can be used.
func newIcicle() (MSM, error) {
	if err := icicle.Init(); err != nil {
		return nil, fmt.Errorf("msm: %w", err)
	}
	return icicleMSM{}, nil
}

func (icicleMSM) Backend() accel.Backend { return accel.Icicle }

// icicleCheck validates the sizes of one call: equal lengths, and a count
// that fits icicle's C int.
func icicleCheck(op string, points, scalars int) error {
	if err := checkLengths(op, points, scalars); err != nil {
		return err
	}
	if points > math.MaxInt32 {
		return fmt.Errorf("msm: icicle %s: %d points exceed icicle's limit of 2^31-1 (split the MSM): %w", op, points, accel.ErrInvalidParams)
	}
	return nil
}

// icicleConfig returns the MSM configuration for host inputs: scalars in
// Montgomery form, points canonical (converted by the caller), one MSM.
func icicleConfig() core.MSMConfig {
	cfg := icmsm.GetDefaultMSMConfig()
	cfg.AreScalarsMontgomeryForm = true
	cfg.AreBasesMontgomeryForm = false
	return cfg
}

// G1 returns Σ scalars[i]·points[i] in G1, computed by icicle.
func (icicleMSM) G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	var res bn254.G1Affine
	if err := icicleCheck("G1", len(points), len(scalars)); err != nil {
		return res, err
	}
	if len(points) == 0 {
		return res, nil // icicle's size checks divide by the number of points
	}
	bases := make([]icicleG1Affine, len(points))
	for i := range points {
		bases[i] = icicleG1Affine{points[i].X.Bits(), points[i].Y.Bits()}
	}
	out := make([]icicleG1Projective, 1)
	cfg := icicleConfig()
	code := icmsm.Msm(core.HostSliceFromElements(scalars), core.HostSliceFromElements(bases), &cfg, core.HostSliceFromElements(out))
	if err := icicle.Error(fmt.Sprintf("G1 MSM of %d points on %s", len(points), icicle.DeviceName()), code); err != nil {
		return res, fmt.Errorf("msm: %w", err)
	}
	p := out[0]
	x, errX := icicleFpToGnark(p.x)
	y, errY := icicleFpToGnark(p.y)
	z, errZ := icicleFpToGnark(p.z)
	if err := errors.Join(errX, errY, errZ); err != nil {
		return res, fmt.Errorf("msm: icicle G1 result: %w", err)
	}
	if z.IsZero() {
		return res, nil
	}
	z.Inverse(&z)
	res.X.Mul(&x, &z)
	res.Y.Mul(&y, &z)
	if !res.IsOnCurve() {
		return bn254.G1Affine{}, fmt.Errorf("msm: icicle G1 MSM of %d points on %s returned a point off the curve (are the input points on the curve?)", len(points), icicle.DeviceName())
	}
	return res, nil
}

// G2 returns Σ scalars[i]·points[i] in G2, computed by icicle.
func (icicleMSM) G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error) {
	var res bn254.G2Affine
	if err := icicleCheck("G2", len(points), len(scalars)); err != nil {
		return res, err
	}
	if len(points) == 0 {
		return res, nil
	}
	bases := make([]icicleG2Affine, len(points))
	for i := range points {
		p := &points[i]
		bases[i] = icicleG2Affine{
			x: icicleFp2{p.X.A0.Bits(), p.X.A1.Bits()},
			y: icicleFp2{p.Y.A0.Bits(), p.Y.A1.Bits()},
		}
	}
	out := make([]icicleG2Projective, 1)
	cfg := icicleConfig()
	code := icg2.G2Msm(core.HostSliceFromElements(scalars), core.HostSliceFromElements(bases), &cfg, core.HostSliceFromElements(out))
	if err := icicle.Error(fmt.Sprintf("G2 MSM of %d points on %s", len(points), icicle.DeviceName()), code); err != nil {
		return res, fmt.Errorf("msm: %w", err)
	}
	p := out[0]
	x, errX := icicleFp2ToGnark(p.x)
	y, errY := icicleFp2ToGnark(p.y)
	z, errZ := icicleFp2ToGnark(p.z)
	if err := errors.Join(errX, errY, errZ); err != nil {
		return res, fmt.Errorf("msm: icicle G2 result: %w", err)
	}
	if z.IsZero() {
		return res, nil
	}
	z.Inverse(&z)
	res.X.Mul(&x, &z)
	res.Y.Mul(&y, &z)
	if !res.IsOnCurve() {
		return bn254.G2Affine{}, fmt.Errorf("msm: icicle G2 MSM of %d points on %s returned a point off the curve (are the input points on the curve?)", len(points), icicle.DeviceName())
	}
	return res, nil
}

// icicleFpToGnark converts a canonical element to gnark-crypto's Montgomery
// form. It fails on a value that is not below p, which only a broken device
// result can hold.
func icicleFpToGnark(l icicleFp) (fp.Element, error) {
	var b [fp.Bytes]byte
	for i, w := range l {
		binary.LittleEndian.PutUint64(b[8*i:], w)
	}
	e, err := fp.LittleEndian.Element(&b)
	if err != nil {
		return e, fmt.Errorf("coordinate %x is not a canonical base-field element: %w", b, err)
	}
	return e, nil
}

func icicleFp2ToGnark(l icicleFp2) (bn254.E2, error) {
	var e bn254.E2
	var err0, err1 error
	e.A0, err0 = icicleFpToGnark(l.c0)
	e.A1, err1 = icicleFpToGnark(l.c1)
	return e, errors.Join(err0, err1)
}
