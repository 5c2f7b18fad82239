package lanemsm

import (
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"

	"github.com/cairn-node/cairn/accel/internal/lanes"
)

// affinePoint is what the MSM needs of gnark-crypto's affine points A
// (G1Affine, G2Affine), with J their Jacobian form.
type affinePoint[A, J any] interface {
	*A
	FromJacobian(*J) *A
	Neg(*A) *A
	IsInfinity() bool
}

// jacobianPoint is what the MSM needs of gnark-crypto's Jacobian points J
// (G1Jac, G2Jac), with A their affine form.
type jacobianPoint[A, J any] interface {
	*J
	FromAffine(*A) *J
	AddMixed(*A) *J
	AddAssign(*J) *J
	DoubleAssign() *J
}

// curve describes a group to the MSM: the degree of its coordinates'
// field over Fp, how to reach a point's Fp coordinates (in the order the
// lanes' form keeps them, see adder), and a batch conversion to affine
// form.
type curve[A, J any] struct {
	degree int
	// coords returns p's 2·degree Fp coordinates, x's first, in the order
	// of the lanes' form.
	coords func(p *A) [4]*fp.Element
	// batchAffine converts points to affine form with one inversion;
	// points at infinity become (0, 0).
	batchAffine func([]J) []A
}

var g1 = curve[bn254.G1Affine, bn254.G1Jac]{
	degree:      1,
	coords:      func(p *bn254.G1Affine) [4]*fp.Element { return [4]*fp.Element{&p.X, &p.Y} },
	batchAffine: bn254.BatchJacobianToAffineG1,
}

var g2 = curve[bn254.G2Affine, bn254.G2Jac]{
	degree: 2,
	coords: func(p *bn254.G2Affine) [4]*fp.Element {
		return [4]*fp.Element{&p.X.A0, &p.X.A1, &p.Y.A0, &p.Y.A1}
	},
	batchAffine: BatchJacobianToAffineG2,
}

// toLanes writes the finite point p's words in the lanes' form into dst.
func (cv *curve[A, J]) toLanes(f *lanes.Field, dst []uint64, p *A) {
	cs := cv.coords(p)
	for i, e := range cs[:2*cv.degree] {
		w := lanesWords(f, e)
		*(*[limbs]uint64)(dst[i*limbs:]) = lanes.SplitLimbs(&w)
	}
}

// fromLanes returns the finite point whose words in the lanes' form are p.
func (cv *curve[A, J]) fromLanes(f *lanes.Field, p []uint64) A {
	var q A
	cs := cv.coords(&q)
	for i, e := range cs[:2*cv.degree] {
		*e = fpOfLanesWords(f, lanes.JoinLimbs((*[limbs]uint64)(p[i*limbs:])))
	}
	return q
}

// lanesWords returns the lanes' words of e (its value times 2^260 mod p).
func lanesWords(f *lanes.Field, e *fp.Element) [4]uint64 {
	return f.ToLanes((*[4]uint64)(e), gnarkMul)
}

// fpOfLanesWords returns the element whose lanes' words, below 2p, are w.
func fpOfLanesWords(f *lanes.Field, w [4]uint64) fp.Element {
	w = f.Reduce(w)
	return fp.Element(f.FromLanes(&w, gnarkMul))
}

// gnarkMul is gnark-crypto's Montgomery product on raw words.
func gnarkMul(z, x, y *[4]uint64) {
	(*fp.Element)(z).Mul((*fp.Element)(x), (*fp.Element)(y))
}

// BatchJacobianToAffineG2 converts points to affine form with one field
// inversion (Montgomery's trick), as gnark-crypto's
// BatchJacobianToAffineG1 does for G1; points at infinity (Z = 0) become
// (0, 0).
func BatchJacobianToAffineG2(points []bn254.G2Jac) []bn254.G2Affine {
	out := make([]bn254.G2Affine, len(points))
	// out[i].X holds the product of the Z before i while going up.
	var acc bn254.E2
	acc.SetOne()
	for i := range points {
		if points[i].Z.IsZero() {
			continue
		}
		out[i].X = acc
		acc.Mul(&acc, &points[i].Z)
	}
	var inv bn254.E2
	inv.Inverse(&acc)
	for i := len(points) - 1; i >= 0; i-- {
		p := &points[i]
		if p.Z.IsZero() {
			continue // (0, 0): infinity
		}
		var zInv, zInv2 bn254.E2
		zInv.Mul(&out[i].X, &inv) // 1/Z
		inv.Mul(&inv, &p.Z)
		zInv2.Square(&zInv)
		out[i].X.Mul(&p.X, &zInv2)
		out[i].Y.Mul(&p.Y, &zInv2).Mul(&out[i].Y, &zInv)
	}
	return out
}
