package poseidon2

import (
	"encoding/binary"
	"math/bits"

	"github.com/cairn-node/cairn/accel"
)

// This file is the BN254 scalar field arithmetic of the pure-Go backend:
// four 64-bit limbs, little-endian, in Montgomery form (x·R mod r with
// R = 2^256), multiplied with the CIOS method. It uses only math/bits, so it
// is the same code on every platform and under every build tag.

// The modulus r, least significant limb first:
// r = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001.
const (
	r0 = 0x43e1f593f0000001
	r1 = 0x2833e84879b97091
	r2 = 0xb85045b68181585d
	r3 = 0x30644e72e131a029
	// rInvNeg is -r^-1 mod 2^64, the Montgomery reduction factor.
	rInvNeg = 0xc2e1f593efffffff
)

// gfe is an element of the BN254 scalar field in Montgomery form.
//
// INVARIANT: the value held is below r. Every function that writes a gfe
// preserves it when its inputs hold it.
type gfe [4]uint64

// gfeRSquare is R^2 mod r; multiplying by it converts into Montgomery form.
var gfeRSquare = gfe{0x1bb8e645ae216da7, 0x53fe3ab1e35c59e3, 0x8c49833d53bb8085, 0x0216d0b17f4e44a5}

// gfeOne is 1 in Montgomery form (R mod r).
var gfeOne = gfe{0xac96341c4ffffffb, 0x36fc76959f60cd29, 0x666ea36f7879462e, 0x0e0a77c19a07df2f}

// limbsBelowModulus reports whether the 256-bit value z (plain, not
// Montgomery) is below r.
func limbsBelowModulus(z *[4]uint64) bool {
	_, b := bits.Sub64(z[0], r0, 0)
	_, b = bits.Sub64(z[1], r1, b)
	_, b = bits.Sub64(z[2], r2, b)
	_, b = bits.Sub64(z[3], r3, b)
	return b != 0
}

// frLimbs reads the little-endian bytes of x as four limbs.
func frLimbs(x *accel.Fr) [4]uint64 {
	return [4]uint64{
		binary.LittleEndian.Uint64(x[0:8]),
		binary.LittleEndian.Uint64(x[8:16]),
		binary.LittleEndian.Uint64(x[16:24]),
		binary.LittleEndian.Uint64(x[24:32]),
	}
}

// putFrLimbs writes four limbs into x as little-endian bytes.
func putFrLimbs(x *accel.Fr, z *[4]uint64) {
	binary.LittleEndian.PutUint64(x[0:8], z[0])
	binary.LittleEndian.PutUint64(x[8:16], z[1])
	binary.LittleEndian.PutUint64(x[16:24], z[2])
	binary.LittleEndian.PutUint64(x[24:32], z[3])
}

// setFr sets z to the canonical element x in Montgomery form. It reports
// false, leaving z unchanged, when x is not below r.
func (z *gfe) setFr(x *accel.Fr) bool {
	l := frLimbs(x)
	if !limbsBelowModulus(&l) {
		return false
	}
	v := gfe(l)
	z.mul(&v, &gfeRSquare)
	return true
}

// setUint64 sets z to v in Montgomery form.
func (z *gfe) setUint64(v uint64) *gfe {
	t := gfe{v}
	return z.mul(&t, &gfeRSquare)
}

// fr returns the canonical little-endian encoding of z.
func (z *gfe) fr() accel.Fr {
	var one = gfe{1}
	var t gfe
	t.mul(z, &one) // leaves Montgomery form: z·R·R^-1
	l := [4]uint64(t)
	var out accel.Fr
	putFrLimbs(&out, &l)
	return out
}

// reduceOnce subtracts r from z when z >= r. z must be below 2r.
func (z *gfe) reduceOnce() {
	t0, b := bits.Sub64(z[0], r0, 0)
	t1, b := bits.Sub64(z[1], r1, b)
	t2, b := bits.Sub64(z[2], r2, b)
	t3, b := bits.Sub64(z[3], r3, b)
	if b == 0 {
		z[0], z[1], z[2], z[3] = t0, t1, t2, t3
	}
}

// add sets z = x + y mod r and returns z.
//
// The reduction is branchless: for random elements x + y >= r half of the
// time, so a branch would be mispredicted often.
func (z *gfe) add(x, y *gfe) *gfe {
	// x + y < 2r < 2^255, so the sum never carries out of the top limb.
	s0, c := bits.Add64(x[0], y[0], 0)
	s1, c := bits.Add64(x[1], y[1], c)
	s2, c := bits.Add64(x[2], y[2], c)
	s3, _ := bits.Add64(x[3], y[3], c)
	t0, b := bits.Sub64(s0, r0, 0)
	t1, b := bits.Sub64(s1, r1, b)
	t2, b := bits.Sub64(s2, r2, b)
	t3, b := bits.Sub64(s3, r3, b)
	keep := -b // all ones when s < r: keep s, else take s - r
	z[0] = t0 ^ ((t0 ^ s0) & keep)
	z[1] = t1 ^ ((t1 ^ s1) & keep)
	z[2] = t2 ^ ((t2 ^ s2) & keep)
	z[3] = t3 ^ ((t3 ^ s3) & keep)
	return z
}

// double sets z = 2x mod r and returns z.
func (z *gfe) double(x *gfe) *gfe {
	return z.add(x, x)
}

// madd0 returns the high word of a·b + c.
func madd0(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	_, carry := bits.Add64(lo, c, 0)
	return hi + carry
}

// madd1 returns a·b + c as (hi, lo).
func madd1(a, b, c uint64) (uint64, uint64) {
	hi, lo := bits.Mul64(a, b)
	lo, carry := bits.Add64(lo, c, 0)
	return hi + carry, lo
}

// madd2 returns a·b + c + d as (hi, lo). It cannot overflow 128 bits.
func madd2(a, b, c, d uint64) (uint64, uint64) {
	hi, lo := bits.Mul64(a, b)
	c, carry := bits.Add64(c, d, 0)
	hi += carry
	lo, carry = bits.Add64(lo, c, 0)
	return hi + carry, lo
}

// mulRow is one outer iteration of CIOS: t = (t + x·yi + m·r) / 2^64 with
// m chosen so that the division is exact.
//
// Because r's top limb is below 2^62, t + x·yi fits in five words whose top
// word, added to the reduction carry, never overflows (the "no-carry"
// variant of CIOS, El Housni and Botrel, TCHES 2023(3), Algorithm 2).
func mulRow(t *gfe, x *gfe, yi uint64) {
	var c, top uint64
	c, t[0] = madd1(yi, x[0], t[0])
	c, t[1] = madd2(yi, x[1], t[1], c)
	c, t[2] = madd2(yi, x[2], t[2], c)
	top, t[3] = madd2(yi, x[3], t[3], c)

	m := t[0] * rInvNeg
	c = madd0(m, r0, t[0])
	c, t[0] = madd2(m, r1, t[1], c)
	c, t[1] = madd2(m, r2, t[2], c)
	c, t[2] = madd2(m, r3, t[3], c)
	t[3] = c + top
}

// mul sets z = x·y·R^-1 mod r (Montgomery product) and returns z. z may
// alias x or y.
func (z *gfe) mul(x, y *gfe) *gfe {
	var t gfe
	mulRow(&t, x, y[0])
	mulRow(&t, x, y[1])
	mulRow(&t, x, y[2])
	mulRow(&t, x, y[3])
	// t < 2r here.
	t.reduceOnce()
	*z = t
	return z
}

// square sets z = x·x·R^-1 mod r and returns z.
func (z *gfe) square(x *gfe) *gfe {
	return z.mul(x, x)
}

// pow5 sets z = x^5 (in Montgomery form) and returns z: the Poseidon2 S-box.
func (z *gfe) pow5(x *gfe) *gfe {
	var t gfe
	t.square(x)
	t.square(&t)
	return z.mul(&t, x)
}
