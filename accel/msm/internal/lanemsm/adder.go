package lanemsm

import (
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"

	"github.com/cairn-node/cairn/accel/internal/lanes"
)

// limbs is the number of 52-bit limbs of one Fp element in the lanes' form.
const limbs = 5

// infinityMark, as the top limb of a point's first coordinate, marks the
// point at infinity: no coordinate below 2p has it.
const infinityMark = 1 << 52

// adder computes batches of affine point additions in the lanes, for G1
// (coordinates in Fp, degree 1) or G2 (coordinates in Fp2 = Fp[u]/(u²+1),
// degree 2). Points are kept in flat arrays of words: point i is the
// words [i·w, (i+1)·w) with w = 2·5·degree, x's Fp coordinates first, then
// y's, each five normalized 52-bit limbs of its value in the lanes'
// Montgomery form (x·2^260 mod p, below 2p). An adder is used by one
// goroutine at a time.
//
// An element of the coordinates' field is a slice of degree Vecs (one per
// Fp coordinate), eight lanes each; a batch of 8·m additions keeps m such
// elements per operand.
type adder struct {
	f      *lanes.Field
	degree int           // Fp coordinates per point coordinate: 1 (G1) or 2 (G2)
	words  int           // words per point: 2·limbs·degree
	two    [limbs]uint64 // 2p in normalized limbs, for negations

	// The batch's operands and intermediates, degree Vecs per 8 additions.
	x1, y1, x2, y2, dx, dy, acc, inv []lanes.Vec
	lam, t, total                    []lanes.Vec // one element each
	prod                             [4]lanes.Vec
}

// newAdder returns an adder for batches of up to k additions (a multiple
// of lanes.Lanes).
func newAdder(f *lanes.Field, degree, k int) *adder {
	var w [4]uint64
	var carry uint64
	for i, mi := range f.Modulus() {
		w[i] = mi<<1 | carry
		carry = mi >> 63
	}
	n := k / lanes.Lanes * degree
	vecs := func(n int) []lanes.Vec { return make([]lanes.Vec, n) }
	return &adder{
		f: f, degree: degree, words: 2 * limbs * degree, two: lanes.SplitLimbs(&w),
		x1: vecs(n), y1: vecs(n), x2: vecs(n), y2: vecs(n), dx: vecs(n), dy: vecs(n), acc: vecs(n), inv: vecs(n),
		lam: vecs(degree), t: vecs(degree), total: vecs(degree),
	}
}

// point returns point i of pts.
func (d *adder) point(pts []uint64, i int32) []uint64 {
	w := d.words
	return pts[int(i)*w : int(i)*w+w : int(i)*w+w]
}

// copyPoint copies the point src to dst (one point's words each).
func copyPoint(dst, src []uint64) {
	if len(dst) == 2*limbs { // G1: a move the compiler unrolls
		*(*[2 * limbs]uint64)(dst) = *(*[2 * limbs]uint64)(src)
		return
	}
	copy(dst, src)
}

// infinite reports whether p is marked as the point at infinity.
func infinite(p []uint64) bool { return p[4] == infinityMark }

// setInfinite marks p as the point at infinity.
func setInfinite(p []uint64) { p[4] = infinityMark }

// negateY replaces p's y by -y (2p - y for each Fp coordinate, normalized
// and at most 2p).
func (d *adder) negateY(p []uint64) {
	for c := d.degree; c < 2*d.degree; c++ {
		negate(&d.two, (*[limbs]uint64)(p[c*limbs:]))
	}
}

// el returns element v of a batch vector.
func (d *adder) el(vs []lanes.Vec, v int) []lanes.Vec {
	return vs[v*d.degree : v*d.degree+d.degree : v*d.degree+d.degree]
}

// mul sets z = x·y. Degree 1: Field.Mul. Degree 2: (x0 + x1·u)(y0 + y1·u)
// = (x0y0 - x1y1) + (x0y1 + x1y0)·u with four products; z0 is below 6p
// and z1 below 4p, neither normalized; inputs below 9p keep every product
// below 2p (Field's bounds). z may alias x or y.
func (d *adder) mul(z, x, y []lanes.Vec) {
	if d.degree == 1 {
		d.f.Mul(&z[0], &x[0], &y[0])
		return
	}
	d.mul2(z, x, y)
}

// mul2 is mul in Fp2.
func (d *adder) mul2(z, x, y []lanes.Vec) {
	f := d.f
	t := &d.prod
	f.Mul(&t[0], &x[0], &y[0])
	f.Mul(&t[1], &x[1], &y[1])
	f.Mul(&t[2], &x[0], &y[1])
	f.Mul(&t[3], &x[1], &y[0])
	f.Sub(&z[0], &t[0], &t[1])
	f.Add(&z[1], &t[2], &t[3])
}

// sub sets z = x - y coordinate by coordinate (Field.Sub: y normalized,
// below 2p; z below x + 4p).
func (d *adder) sub(z, x, y []lanes.Vec) {
	d.f.Sub(&z[0], &x[0], &y[0])
	if d.degree == 2 {
		d.f.Sub(&z[1], &x[1], &y[1])
	}
}

// normalize sets z to x with every coordinate normalized and below 2p.
func (d *adder) normalize(z, x []lanes.Vec) {
	d.f.Normalize(&z[0], &x[0])
	if d.degree == 2 {
		d.f.Normalize(&z[1], &x[1])
	}
}

// add adds, for each entry e of batch, src's point e.p (negated when
// e.neg) to dst's point e.b, with the affine formulas x3 = λ² - x1 - x2,
// y3 = λ(x1 - x3) - y1, λ = (y2 - y1)/(x2 - x1), all the batch's
// denominators inverted with one inversion (Montgomery's trick, a chain
// per lane). The entries' destinations are distinct and no point is at
// infinity. It reports false, having written nothing, when some x2 = x1 (a
// doubling or a cancellation), which these formulas cannot add.
func (d *adder) add(dst, src []uint64, batch []entry) bool {
	n := len(batch)
	if n == 0 {
		return true
	}
	deg := d.degree
	m := (n + lanes.Lanes - 1) / lanes.Lanes
	d.gatherBatch(dst, src, batch)
	// Pad the last vectors with x2 - x1 = 1, so the products stay
	// invertible.
	one := d.f.One()
	for j := n; j < m*lanes.Lanes; j++ {
		v, l := j/lanes.Lanes, j%lanes.Lanes
		for c := range deg {
			for i := range limbs {
				d.x1[v*deg+c][i][l], d.y1[v*deg+c][i][l], d.y2[v*deg+c][i][l] = 0, 0, 0
				d.x2[v*deg+c][i][l] = 0
				if c == 0 {
					d.x2[v*deg+c][i][l] = one[i][l]
				}
			}
		}
	}

	// dx = x2 - x1 and dy = y2 - y1, below 6p; acc[v] = dx[0]·…·dx[v] per lane.
	for v := range m {
		d.sub(d.el(d.dx, v), d.el(d.x2, v), d.el(d.x1, v))
		d.sub(d.el(d.dy, v), d.el(d.y2, v), d.el(d.y1, v))
		if v == 0 {
			d.normalize(d.el(d.acc, 0), d.el(d.dx, 0))
		} else {
			d.mul(d.el(d.acc, v), d.el(d.acc, v-1), d.el(d.dx, v))
		}
	}
	total := d.total
	if !d.invert(total, d.el(d.acc, m-1)) {
		return false
	}
	// inv[v] = 1/dx[v]; total walks back from 1/acc[m-1] to 1/acc[0].
	for v := m - 1; v > 0; v-- {
		d.mul(d.el(d.inv, v), total, d.el(d.acc, v-1))
		d.mul(total, total, d.el(d.dx, v))
	}
	copy(d.el(d.inv, 0), total)

	lam, t := d.lam, d.t
	for v := range m {
		x1, y1, x3, y3 := d.el(d.x1, v), d.el(d.y1, v), d.el(d.dx, v), d.el(d.dy, v)
		d.mul(lam, d.el(d.dy, v), d.el(d.inv, v))
		// x3 (in dx) = λ² - x1 - x2, normalized below 2p.
		d.mul(t, lam, lam)
		d.sub(t, t, x1)
		d.sub(t, t, d.el(d.x2, v))
		d.normalize(x3, t)
		// y3 (in dy) = λ(x1 - x3) - y1, normalized below 2p.
		d.sub(t, x1, x3)
		d.mul(t, lam, t)
		d.sub(t, t, y1)
		d.normalize(y3, t)
	}
	for j, e := range batch {
		v, l := j/lanes.Lanes, j%lanes.Lanes&(lanes.Lanes-1)
		b := d.point(dst, e.b)
		for c := range deg {
			scatter((*[limbs]uint64)(b[c*limbs:]), &d.dx[v*deg+c], l)
			scatter((*[limbs]uint64)(b[(deg+c)*limbs:]), &d.dy[v*deg+c], l)
		}
	}
	return true
}

// gatherBatch loads the batch's operands into x1, y1 (dst's points) and
// x2, y2 (src's, negated where the entry says).
func (d *adder) gatherBatch(dst, src []uint64, batch []entry) {
	if d.degree == 1 { // G1, the hot path, with fixed offsets
		for j, e := range batch {
			v, l := j/lanes.Lanes, j%lanes.Lanes&(lanes.Lanes-1)
			b, p := (*[2 * limbs]uint64)(d.point(dst, e.b)), (*[2 * limbs]uint64)(d.point(src, e.p))
			gather(&d.x1[v], l, (*[limbs]uint64)(b[:limbs]))
			gather(&d.y1[v], l, (*[limbs]uint64)(b[limbs:]))
			gather(&d.x2[v], l, (*[limbs]uint64)(p[:limbs]))
			y2 := (*[limbs]uint64)(p[limbs:])
			if e.neg {
				n := *y2
				negate(&d.two, &n)
				y2 = &n
			}
			gather(&d.y2[v], l, y2)
		}
		return
	}
	deg := d.degree
	for j, e := range batch {
		v, l := j/lanes.Lanes, j%lanes.Lanes&(lanes.Lanes-1)
		b, p := d.point(dst, e.b), d.point(src, e.p)
		for c := range deg {
			i := v*deg + c
			gather(&d.x1[i], l, (*[limbs]uint64)(b[c*limbs:]))
			gather(&d.y1[i], l, (*[limbs]uint64)(b[(deg+c)*limbs:]))
			gather(&d.x2[i], l, (*[limbs]uint64)(p[c*limbs:]))
			y2 := *(*[limbs]uint64)(p[(deg+c)*limbs:])
			if e.neg {
				negate(&d.two, &y2)
			}
			gather(&d.y2[i], l, &y2)
		}
	}
}

// negate sets y to 2p - y for y normalized and at most 2p, normalized.
func negate(two, y *[limbs]uint64) {
	var borrow uint64
	for i := range limbs {
		v := two[i] - y[i] - borrow
		borrow = v >> 63 // went below zero
		y[i] = v & (1<<52 - 1)
	}
}

// gather copies the limbs x into lane l of v.
func gather(v *lanes.Vec, l int, x *[limbs]uint64) {
	v[0][l], v[1][l], v[2][l], v[3][l], v[4][l] = x[0], x[1], x[2], x[3], x[4]
}

// scatter copies lane l of v into the limbs x.
func scatter(x *[limbs]uint64, v *lanes.Vec, l int) {
	x[0], x[1], x[2], x[3], x[4] = v[0][l], v[1][l], v[2][l], v[3][l], v[4][l]
}

// invert sets z to the lane-wise inverse of x, normalized and below 2p,
// and reports whether every lane of x is invertible. An Fp2 element a0 +
// a1·u has the inverse (a0 - a1·u)/(a0² + a1²), and a0² + a1² is zero only
// for zero (-1 is not a square in BN254's Fp).
func (d *adder) invert(z, x []lanes.Vec) bool {
	d.normalize(z, x)
	var c [2][lanes.Lanes]fp.Element
	var norm [lanes.Lanes]fp.Element
	for l := range lanes.Lanes {
		for k := range d.degree {
			c[k][l] = fpOfLanesWords(d.f, z[k].Get(l))
		}
		if d.degree == 1 {
			norm[l] = c[0][l]
		} else {
			var t fp.Element
			norm[l].Square(&c[0][l])
			norm[l].Add(&norm[l], t.Square(&c[1][l]))
		}
		if norm[l].IsZero() {
			return false
		}
	}
	inv := fp.BatchInvert(norm[:])
	for l := range lanes.Lanes {
		var e [2]fp.Element // the inverse's coordinates
		if d.degree == 1 {
			e[0] = inv[l]
		} else {
			e[0].Mul(&c[0][l], &inv[l])
			e[1].Mul(&c[1][l], &inv[l])
			e[1].Neg(&e[1])
		}
		for k := range d.degree {
			w := lanesWords(d.f, &e[k])
			z[k].Set(l, &w)
		}
	}
	return true
}
