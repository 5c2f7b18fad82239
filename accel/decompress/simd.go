package decompress

import (
	"fmt"
	"math/big"
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/lanes"
	"github.com/cairn-node/cairn/accel/internal/parallel"
)

// simdDecompressor is the simd backend: the square roots of sixteen
// points at once in the lanes (AVX-512 IFMA), each result squared back and
// compared with gnark-crypto's arithmetic; a point whose check fails goes
// through the scalar solver, which finds it invalid (or, should the lanes
// ever err, decodes it right).
type simdDecompressor struct {
	f *lanes.Field
	// b3 is 3 and half is 1/2, in the lanes' form in every lane.
	b3, half lanes.Vec
}

var _ Decompressor = (*simdDecompressor)(nil)

// sqrtExp is (p+1)/4: for p ≡ 3 (mod 4), a^sqrtExp is a square root of a
// when a has one.
var sqrtExp = new(big.Int).Rsh(new(big.Int).Add(fp.Modulus(), big.NewInt(1)), 2)

// newSIMD returns the simd backend, or an error wrapping
// accel.ErrUnavailable where the CPU or the build lacks AVX-512 IFMA.
func newSIMD() (*simdDecompressor, error) {
	if !lanes.Available() {
		return nil, fmt.Errorf("decompress: simd backend needs AVX-512 IFMA on amd64 (and a build without noasm); use go: %w", accel.ErrUnavailable)
	}
	f, err := lanes.NewField(fp.Modulus())
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	d := &simdDecompressor{f: f}
	var half fp.Element
	half.SetUint64(2).Inverse(&half)
	w3 := f.ToLanes((*[4]uint64)(&bG1), gnarkMul)
	wh := f.ToLanes((*[4]uint64)(&half), gnarkMul)
	for l := range lanes.Lanes {
		d.b3.Set(l, &w3)
		d.half.Set(l, &wh)
	}
	return d, nil
}

// gnarkMul is gnark-crypto's Montgomery product on raw words.
func gnarkMul(z, x, y *[4]uint64) {
	(*fp.Element)(z).Mul((*fp.Element)(x), (*fp.Element)(y))
}

func (*simdDecompressor) Backend() accel.Backend { return accel.SIMD }

// G1 decodes G1 points, sixteen square roots at a time.
func (d *simdDecompressor) G1(dst []bn254.G1Affine, src []byte) error {
	if err := checkLength("G1", len(dst), G1Size, src); err != nil {
		return err
	}
	return inParallel(len(dst), func(lo, hi int) error {
		return batches(dst[lo:hi], src[lo*G1Size:hi*G1Size], lo, G1Size, parseG1, d.solveG1)
	})
}

// G2 decodes G2 points, sixteen at a time.
func (d *simdDecompressor) G2(dst []bn254.G2Affine, src []byte) error {
	if err := checkLength("G2", len(dst), G2Size, src); err != nil {
		return err
	}
	return inParallel(len(dst), func(lo, hi int) error {
		return batches(dst[lo:hi], src[lo*G2Size:hi*G2Size], lo, G2Size, parseG2, d.solveG2)
	})
}

// inParallel splits n points into contiguous ranges, one per CPU (and at
// least eight points each), runs do on them with parallel.For and returns
// the error of the lowest range that failed, so that the first bad point
// is the one named.
func inParallel(n int, do func(lo, hi int) error) error {
	var mu sync.Mutex
	firstLo, first := n, error(nil)
	parallel.For(n, min(runtime.GOMAXPROCS(0), (n+lanes.Lanes-1)/lanes.Lanes), func(lo, hi int) {
		if err := do(lo, hi); err != nil {
			mu.Lock()
			if lo < firstLo {
				firstLo, first = lo, err
			}
			mu.Unlock()
		}
	})
	return first
}

// batchVecs is how many vecs of eight lanes one batch fills: two, which
// Field.Exp raises in lockstep.
const batchVecs = 2

// batchSize is the number of points of a full batch.
const batchSize = batchVecs * lanes.Lanes

// batch is up to batchSize finite points waiting for their square roots;
// point l is in lane l%8 of vec l/8.
type batch[P any] struct {
	n      int
	points [batchSize]*P
	heads  [batchSize]header
	index  [batchSize]int // in the caller's numbering, for errors
}

// vecs returns the number of vecs b's points fill.
func (b *batch[P]) vecs() int { return (b.n + lanes.Lanes - 1) / lanes.Lanes }

// batches parses dst's points from src (the points from index base of
// the call) and solves the finite ones a batch at a time with solve.
func batches[P any](dst []P, src []byte, base, size int,
	parse func(*P, int, []byte) (header, error), solve func(*batch[P]) error) error {
	var b batch[P]
	for i := range dst {
		h, err := parse(&dst[i], base+i, src[i*size:(i+1)*size])
		if err != nil {
			if b.n > 0 { // an earlier point may be bad too: name the first
				if err := solve(&b); err != nil {
					return err
				}
			}
			return err
		}
		if h.infinity {
			continue
		}
		b.points[b.n], b.heads[b.n], b.index[b.n] = &dst[i], h, base+i
		if b.n++; b.n == batchSize {
			if err := solve(&b); err != nil {
				return err
			}
			b.n = 0
		}
	}
	if b.n > 0 {
		return solve(&b)
	}
	return nil
}

// solveG1 sets the y of b's points: the lanes raise x³ + 3 to (p+1)/4.
func (d *simdDecompressor) solveG1(b *batch[bn254.G1Affine]) error {
	f := d.f
	var x, t [batchVecs]lanes.Vec
	for l := range b.n {
		x[l/lanes.Lanes].Set(l%lanes.Lanes, (*[4]uint64)(&b.points[l].X))
	}
	nv := b.vecs()
	for v := range nv {
		f.FromGnark(&x[v], &x[v])
		f.Mul(&t[v], &x[v], &x[v])
		f.Mul(&t[v], &t[v], &x[v])
		f.Add(&t[v], &t[v], &d.b3)
	}
	f.Exp(t[:nv], t[:nv], sqrtExp)
	for v := range nv {
		f.ToGnark(&t[v], &t[v])
	}
	for l := range b.n {
		p := b.points[l]
		p.Y = fp.Element(f.Reduce(t[l/lanes.Lanes].Get(l % lanes.Lanes)))
		rhs := rhsG1(&p.X)
		var y2 fp.Element
		if !y2.Square(&p.Y).Equal(&rhs) {
			if err := solveG1(p, b.heads[l], b.index[l]); err != nil {
				return err
			}
			continue
		}
		chooseG1(&p.Y, b.heads[l].largest)
	}
	return nil
}

// solveG2 sets the y of b's points, square roots of a = x³ + b' in Fp2
// through the norm. With s = √(a0² + a1²) and c = (a0 + s)/2, exactly one
// of c and -c is a square (their product with (a0 - s)/2 is -(a1/2)²)
// and t = c^((p+1)/4) is its root: where t² = c, y = t + a1/(2t)·i; where
// t² = -c, y = a1/(2t) + t·i. Two exponentiations in the lanes and one
// inversion (batched) per point.
func (d *simdDecompressor) solveG2(b *batch[bn254.G2Affine]) error {
	f := d.f
	var a [batchSize]bn254.E2
	var a0, a1, s, c, t [batchVecs]lanes.Vec
	for l := range b.n {
		a[l] = rhsG2(&b.points[l].X)
		a0[l/lanes.Lanes].Set(l%lanes.Lanes, (*[4]uint64)(&a[l].A0))
		a1[l/lanes.Lanes].Set(l%lanes.Lanes, (*[4]uint64)(&a[l].A1))
	}
	nv := b.vecs()
	for v := range nv {
		f.FromGnark(&a0[v], &a0[v])
		f.FromGnark(&a1[v], &a1[v])
		f.Mul(&s[v], &a0[v], &a0[v])
		f.Mul(&t[v], &a1[v], &a1[v])
		f.Add(&s[v], &s[v], &t[v])
	}
	f.Exp(s[:nv], s[:nv], sqrtExp)
	for v := range nv {
		f.Add(&c[v], &a0[v], &s[v])
		f.Mul(&c[v], &c[v], &d.half)
	}
	f.Exp(t[:nv], c[:nv], sqrtExp)
	for v := range nv {
		f.ToGnark(&t[v], &t[v])
		f.ToGnark(&c[v], &c[v])
	}
	var ts, inv [batchSize]fp.Element
	for l := range b.n {
		ts[l] = fp.Element(f.Reduce(t[l/lanes.Lanes].Get(l % lanes.Lanes)))
		inv[l].Double(&ts[l])
	}
	invs := fp.BatchInvert(inv[:b.n]) // zero stays zero
	for l := range b.n {
		p := b.points[l]
		cl := fp.Element(f.Reduce(c[l/lanes.Lanes].Get(l % lanes.Lanes)))
		var t2, other fp.Element
		other.Mul(&a[l].A1, &invs[l])
		if t2.Square(&ts[l]); t2.Equal(&cl) {
			p.Y.A0, p.Y.A1 = ts[l], other
		} else {
			p.Y.A0, p.Y.A1 = other, ts[l]
		}
		var y2 bn254.E2
		if ts[l].IsZero() || !y2.Square(&p.Y).Equal(&a[l]) {
			if err := solveG2(p, b.heads[l], b.index[l]); err != nil {
				return err
			}
			continue
		}
		chooseG2(&p.Y, b.heads[l].largest)
	}
	return nil
}
