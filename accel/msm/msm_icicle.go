//go:build icicle && cgo

package msm

// The icicle backend of the MSM kernel (build tag `icicle`, cgo): icicle's
// bn254 MSM (curves/bn254/msm.Msm for G1, curves/bn254/g2.G2Msm for G2, in
// the flavour accel/internal/icicle/binding names) on the device
// accel/internal/icicle selected.
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
	goruntime "runtime"
	"unsafe"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
	"github.com/cairn-node/cairn/accel/internal/icicle/binding"
	"github.com/cairn-node/cairn/accel/msm/internal/lanemsm"
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
func icicleConfig() binding.MSMConfig {
	cfg := binding.DefaultMSMConfig()
	cfg.AreScalarsMontgomeryForm = true
	cfg.AreBasesMontgomeryForm = false
	return cfg
}

// icicleGroup describes one group for icicleRun: A is gnark-crypto's
// affine point, IA and IP are icicle's affine and projective layouts.
type icicleGroup[A, IA, IP any] struct {
	// name is "G1" or "G2", for errors.
	name string
	// toIcicle converts a point to icicle's canonical affine layout.
	toIcicle func(*A) IA
	// msm is icicle's MSM of the group (binding.G1MSM, binding.G2MSM).
	msm func(scalars, bases binding.HostOrDeviceSlice, cfg *binding.MSMConfig, out binding.HostOrDeviceSlice) binding.Status
	// toAffine converts icicle's result back, normalised to affine.
	toAffine func(IP) (A, error)
	// onCurve reports whether a result is on the curve.
	onCurve func(*A) bool
}

var (
	icicleG1 = icicleGroup[bn254.G1Affine, icicleG1Affine, icicleG1Projective]{
		name: "G1",
		toIcicle: func(p *bn254.G1Affine) icicleG1Affine {
			return icicleG1Affine{p.X.Bits(), p.Y.Bits()}
		},
		msm: binding.G1MSM,
		toAffine: func(p icicleG1Projective) (bn254.G1Affine, error) {
			x, y, err := icicleToAffine(p.x, p.y, p.z, icicleFpToGnark)
			return bn254.G1Affine{X: x, Y: y}, err
		},
		onCurve: (*bn254.G1Affine).IsOnCurve,
	}
	icicleG2 = icicleGroup[bn254.G2Affine, icicleG2Affine, icicleG2Projective]{
		name: "G2",
		toIcicle: func(p *bn254.G2Affine) icicleG2Affine {
			return icicleG2Affine{
				x: icicleFp2{p.X.A0.Bits(), p.X.A1.Bits()},
				y: icicleFp2{p.Y.A0.Bits(), p.Y.A1.Bits()},
			}
		},
		msm: binding.G2MSM,
		toAffine: func(p icicleG2Projective) (bn254.G2Affine, error) {
			x, y, err := icicleToAffine(p.x, p.y, p.z, icicleFp2ToGnark)
			return bn254.G2Affine{X: x, Y: y}, err
		},
		onCurve: (*bn254.G2Affine).IsOnCurve,
	}
)

// G1 returns Σ scalars[i]·points[i] in G1, computed by icicle.
func (icicleMSM) G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	return icicleRun(icicleG1, points, scalars)
}

// G2 returns Σ scalars[i]·points[i] in G2, computed by icicle. Where the
// linked flavour has no G2 MSM (icicle-gnark; see
// accel/internal/icicle/binding) the simd backend computes it where the
// CPU has AVX-512 IFMA (as GPU hosts' CPUs often do), else gnark-crypto.
func (icicleMSM) G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error) {
	if icicleG2.msm == nil {
		if lanemsm.Available() {
			return simdMSM{}.G2(points, scalars)
		}
		return goMSM{}.G2(points, scalars)
	}
	return icicleRun(icicleG2, points, scalars)
}

// icicleRun returns Σ scalars[i]·points[i] in group g, computed by icicle:
// it checks the sizes, converts the points to canonical form, runs one MSM
// and converts the result back, checking that it is on the curve.
func icicleRun[A, IA, IP any](g icicleGroup[A, IA, IP], points []A, scalars []fr.Element) (A, error) {
	var res A
	if err := icicleCheck(g.name, len(points), len(scalars)); err != nil {
		return res, err
	}
	if len(points) == 0 {
		return res, nil // icicle's size checks divide by the number of points
	}
	bases := make([]IA, len(points))
	for i := range points {
		bases[i] = g.toIcicle(&points[i])
	}
	out := make([]IP, 1)
	cfg := icicleConfig()
	var code binding.Status
	icicle.Do(func() {
		code = g.msm(binding.HostSlice(scalars), binding.HostSlice(bases), &cfg, binding.HostSlice(out))
	})
	// icicle's wrapper hands C pointers that do not keep the Go slices
	// alive: without these, the GC freed bases during the call and reused
	// its memory, and icicle read garbage (wrong sums, on the curve or off
	// it, in about 1 of 10 concurrent conformance runs on 2 cores).
	goruntime.KeepAlive(scalars)
	goruntime.KeepAlive(bases)
	goruntime.KeepAlive(out)
	if err := icicle.Error(fmt.Sprintf("%s MSM of %d points on %s", g.name, len(points), icicle.DeviceName()), code); err != nil {
		return res, fmt.Errorf("msm: %w", err)
	}
	res, err := g.toAffine(out[0])
	if err != nil {
		return *new(A), fmt.Errorf("msm: icicle %s result: %w", g.name, err)
	}
	if !g.onCurve(&res) {
		return *new(A), fmt.Errorf("msm: icicle %s MSM of %d points on %s returned a point off the curve (are the input points on the curve?)", g.name, len(points), icicle.DeviceName())
	}
	return res, nil
}

// fieldElem is a gnark-crypto field element (fp.Element, bn254.E2) as a
// pointer receiver.
type fieldElem[E any] interface {
	*E
	IsZero() bool
	Inverse(*E) *E
	Mul(*E, *E) *E
}

// icicleToAffine converts the projective coordinates (X:Y:Z) of an icicle
// result with conv and returns the affine x = X/Z, y = Y/Z; zero values
// (gnark-crypto's point at infinity) when Z = 0.
func icicleToAffine[L, E any, P fieldElem[E]](px, py, pz L, conv func(L) (E, error)) (E, E, error) {
	var ax, ay E
	x, errX := conv(px)
	y, errY := conv(py)
	z, errZ := conv(pz)
	if err := errors.Join(errX, errY, errZ); err != nil {
		return ax, ay, err
	}
	if P(&z).IsZero() {
		return ax, ay, nil
	}
	P(&z).Inverse(&z)
	P(&ax).Mul(&x, &z)
	P(&ay).Mul(&y, &z)
	return ax, ay, nil
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
