// Package lanemsm computes BN254 G1 and G2 multi-scalar multiplications
// with Pippenger's bucket method, adding points to buckets in affine
// coordinates in batches that share one field inversion, with the field
// arithmetic in eight AVX-512 IFMA lanes (accel/internal/lanes). It is the
// simd backend of accel/msm.
//
// # Algorithm
//
// Scalars are recoded into signed c-bit digits (c from the size, at most
// 16), so a window needs 2^(c-1) buckets. Windows are independent and run
// on all cores, each with its own buckets. In a window every point with a
// non-zero digit d is added to bucket |d| (negated for d < 0):
//
//   - an empty bucket takes the point as it is;
//   - otherwise the pair joins the current batch, unless its bucket is in
//     the batch already, then it waits in a queue for the next batch;
//   - a point whose bucket is busy in two batches in a row goes to the
//     bucket's overflow sum, in Jacobian coordinates.
//
// A full batch computes every sum B + P with the affine formulas, λ =
// (y2 - y1)/(x2 - x1), sharing one inversion among all x2 - x1
// (Montgomery's trick, eight chains, one per lane). When some x2 = x1 (a
// doubling, or P = -B), the batch is redone pair by pair with
// gnark-crypto's group law, which handles every case. A window ends with
// a running-sum reduction of its buckets, in segments whose running sums
// advance in step as batches of affine additions, and the windows are
// combined by doubling.
//
// G1's coordinates are in Fp, one lane vector per coordinate; G2's are in
// Fp2 = Fp[u]/(u² + 1), two vectors per coordinate, with products of four
// Fp products (adder). Everything else, from the buckets to the
// reduction, is one generic accumulator for both groups.
//
// The result is a group element, so it equals gnark-crypto's MultiExp bit
// for bit once both are in affine form; the package tests check this, in
// both groups, on random inputs, on repeated scalars and on inputs made of
// doublings and cancellations.
package lanemsm

import (
	"errors"
	"math/bits"
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/internal/lanes"
)

// ErrUnavailable is returned where the CPU or the build lacks the lanes.
var ErrUnavailable = lanes.ErrUnavailable

// Available reports whether G1 and G2 can run here (amd64 with AVX-512
// IFMA, not built with noasm).
func Available() bool { return lanes.Available() }

var field = sync.OnceValues(func() (*lanes.Field, error) { return lanes.NewField(fp.Modulus()) })

// G1 returns Σ scalars[i]·points[i] in G1. Points must be on the curve;
// (0, 0) is the point at infinity, as in gnark-crypto. The lengths must
// match (the caller checks).
func G1(points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	return multiExp(&g1, points, scalars)
}

// G2 returns Σ scalars[i]·points[i] in G2, as G1 does in G1.
func G2(points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error) {
	return multiExp(&g2, points, scalars)
}

// multiExp is G1 and G2 for the group cv.
func multiExp[A, J any, PA affinePoint[A, J], PJ jacobianPoint[A, J]](cv *curve[A, J], points []A, scalars []fr.Element) (A, error) {
	f, err := field()
	if err != nil {
		return *new(A), err
	}
	if len(points) != len(scalars) {
		return *new(A), errors.New("lanemsm: lengths differ")
	}
	c := windowBits(len(points))
	// nw·c ≥ 256: scalars are below 2^254, so the top window's digit stays
	// below 2^(c-1) and never carries out.
	nw := (256 + c - 1) / c
	pts := convertPoints[A, J, PA](f, cv, points)
	digits := recode(scalars, pts, 2*limbs*cv.degree, c, nw)

	sums := make([]J, nw)
	workers := min(runtime.GOMAXPROCS(0), nw)
	var wg sync.WaitGroup
	next := make(chan int, nw)
	for w := range nw {
		next <- w
	}
	close(next)
	for range workers {
		wg.Go(func() {
			acc := newAccumulator[A, J, PA, PJ](f, cv, c, pts)
			for w := range next {
				sums[w] = acc.window(digits[w], maxDigit(w, c))
			}
		})
	}
	wg.Wait()

	res := infinity[A, J, PJ]()
	for w := nw - 1; w >= 0; w-- {
		if w != nw-1 {
			for range c {
				PJ(&res).DoubleAssign()
			}
		}
		PJ(&res).AddAssign(&sums[w])
	}
	var out A
	PA(&out).FromJacobian(&res)
	return out, nil
}

// maxDigit returns the largest digit magnitude of window w for scalars
// below 2^254: 2^(c-1), or less in the top windows, which hold fewer bits
// (plus the carry from below).
func maxDigit(w, c int) int {
	top := 254 - w*c // scalar bits at or above the window's first
	if top >= c {
		return 1 << (c - 1)
	}
	return min(1<<(c-1), 1<<max(top, 0)+1)
}

// windowBits returns the digit width for n points: about log2(n) - 3
// (buckets an eighth of the points), between 4 and 16.
func windowBits(n int) int {
	return max(4, min(16, bits.Len(uint(n))-3))
}

// convertPoints returns the points in the lanes' form (see adder), a point
// at infinity marked so (setInfinite). It converts eight coordinates per
// product (lanes.Field.FromGnark).
func convertPoints[A, J any, PA affinePoint[A, J]](f *lanes.Field, cv *curve[A, J], points []A) []uint64 {
	w := 2 * limbs * cv.degree
	out := make([]uint64, len(points)*w)
	parallel(len(points), func(lo, hi int) {
		var v [4]lanes.Vec // one per coordinate
		for base := lo; base < hi; base += lanes.Lanes {
			n := min(lanes.Lanes, hi-base)
			for l := range n {
				cs := cv.coords(&points[base+l])
				for c, e := range cs[:2*cv.degree] {
					v[c].Set(l, (*[4]uint64)(e))
				}
			}
			for c := range 2 * cv.degree {
				f.FromGnark(&v[c], &v[c])
			}
			for l := range n {
				p := out[(base+l)*w : (base+l+1)*w]
				for c := range 2 * cv.degree {
					scatter((*[limbs]uint64)(p[c*limbs:]), &v[c], l)
				}
				if PA(&points[base+l]).IsInfinity() {
					setInfinite(p)
				}
			}
		}
	})
	return out
}

// recode returns the signed c-bit digits of the scalars, window by window:
// digits[w][i] encodes digit d of scalar i in window w as 0 for d = 0,
// d<<1 for d > 0 and (-d-1)<<1 | 1 for d < 0, with d in [-2^(c-1),
// 2^(c-1)). The digits of a point at infinity are all 0. pts holds the
// points in the lanes' form, words words each.
func recode(scalars []fr.Element, pts []uint64, words, c, nw int) [][]uint16 {
	digits := make([][]uint16, nw)
	for w := range digits {
		digits[w] = make([]uint16, len(scalars))
	}
	half := uint64(1) << (c - 1)
	mask := uint64(1)<<c - 1
	parallel(len(scalars), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if infinite(pts[i*words : (i+1)*words]) {
				continue // digits stay 0
			}
			s := scalars[i].Bits() // canonical words
			var carry uint64
			for w := range nw {
				bit := w * c
				word, off := bit/64, bit%64
				var raw uint64
				if word < 4 {
					raw = s[word] >> off
					if off+c > 64 && word+1 < 4 {
						raw |= s[word+1] << (64 - off)
					}
				}
				raw = raw&mask + carry
				carry = 0
				switch {
				case raw == 0:
					digits[w][i] = 0
				case raw < half:
					digits[w][i] = uint16(raw << 1)
				default: // d = raw - 2^c, in [-2^(c-1), 0]
					carry = 1
					if d := (mask + 1) - raw; d == 0 {
						digits[w][i] = 0
					} else {
						digits[w][i] = uint16((d-1)<<1 | 1)
					}
				}
			}
		}
	})
	return digits
}

// parallel runs f over [0, n) in one chunk per core.
func parallel(n int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/4096))
	var wg sync.WaitGroup
	for k := range workers {
		lo, hi := n*k/workers, n*(k+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
