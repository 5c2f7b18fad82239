// Package lanes computes with eight BN254 field elements at once with
// AVX-512 IFMA: eight Poseidon2 permutations (t = 3), the arithmetic of the
// simd backend of accel/poseidon2, and through [Field] the products and
// differences in either BN254 field that the simd MSM of accel/msm builds
// its batch-affine point additions from.
//
// # Representation
//
// An element of the eight lanes is a vec: limb i (52 bits, weight
// 2^(52·i)) of lane j is vec[i][j], so one 64-byte row holds a limb of
// every lane and the assembly loads it into one register. Inside the
// permutation values are in Montgomery form with R = 2^260 (five limbs of
// 52 bits), not gnark-crypto's 2^256; Kernel converts canonical elements
// in and out, so callers see only canonical [accel.Fr] values.
//
// # Lazy reduction and its bounds
//
// Additions add limbs without carries, and values are not reduced below r
// after every operation. The assembly relies on these bounds (ε = r/2^260,
// about 1/84.5):
//
//   - A Montgomery product of values below A·r and B·r is below
//     r·(1 + ε·A·B). Inputs must be below 2^260 (84r) once normalized.
//   - Full rounds: S-box inputs stay below 26r (the largest is the first
//     round of a sponge absorption, about 25.4r), so x^2 < 8.6r,
//     x^4 < 1.9r, x^5 < 1.6r, and the outputs of the linear layer stay
//     below 5r (plus an absorbed element below 2r).
//   - Partial rounds: only x goes through the S-box, so y and z would
//     grow about fourfold per round. REDUCE subtracts q·r with q within
//     two of floor(v/r) (q from the top limb times floor(2^268/r)),
//     leaving y and z below 3r; x stays below 12r.
//
// Every bound leaves a margin of more than 3x below 2^260; the tests
// drive the largest canonical inputs through every path and compare with
// the Go backend.
package lanes

import (
	"encoding/binary"
	"errors"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// Lanes is the number of permutations one call computes.
const Lanes = 8

// Round counts of the permutation (accel/poseidon2 holds the constants).
const (
	nFull    = 8  // full rounds, 4 before and 4 after the partial rounds
	nPartial = 56 // partial rounds
	width    = 3  // state size
)

const mask52 = 1<<52 - 1

// vec is one field element of each of the eight lanes, limb-major.
type vec [5][Lanes]uint64

// state is the Poseidon2 state (x, y, z) of the eight lanes.
type state [width]vec

// kconsts is the block of constants the assembly reads; lanes_amd64.s
// hard-codes its offsets (TestConstsLayout checks them).
type kconsts struct {
	p    [5]uint64 // r in 52-bit limbs
	pinv uint64    // -r^-1 mod 2^52
	mask uint64    // 2^52 - 1
	c    uint64    // floor(2^268 / r), the quotient estimate of REDUCE
	ext  [nFull][width][5]uint64
	in   [nPartial][5]uint64
}

// Kernel holds the round constants in the lanes' Montgomery form. It is
// read-only after New and safe for concurrent use.
type Kernel struct {
	k   kconsts
	r2  vec       // 2^520 mod r in every lane: multiplying by it enters Montgomery form
	one vec       // 1 in every lane: multiplying by it leaves Montgomery form
	iv  [5]uint64 // the sponge's capacity IV, Montgomery form
	mod [4]uint64 // r in 64-bit limbs, for the final canonical reduction
}

// setModulus sets the constants of the Montgomery product: r, -r^-1 mod
// 2^52 and the limb mask.
func (k *kconsts) setModulus(r *big.Int) {
	k.p = split52(r)
	two52 := new(big.Int).Lsh(big.NewInt(1), 52)
	pinv := new(big.Int).ModInverse(r, two52)
	pinv.Sub(two52, pinv)
	k.pinv = pinv.Uint64()
	k.mask = mask52
}

// Available reports whether this CPU and binary can run the kernel: amd64
// with AVX-512F and AVX-512 IFMA enabled by the OS, and no noasm tag.
func Available() bool { return available() }

// ErrUnavailable is returned by New where [Available] is false.
var ErrUnavailable = errors.New("lanes: needs amd64 with AVX-512 IFMA")

// New returns a kernel for the permutation with the given canonical round
// constants (external: 8 rounds × 3, in round order; internal: 56) and
// sponge capacity IV.
func New(external *[nFull * width]accel.Fr, internal *[nPartial]accel.Fr, iv *accel.Fr) (*Kernel, error) {
	if !available() {
		return nil, ErrUnavailable
	}
	r := fr.Modulus()
	k := new(Kernel)
	k.k.setModulus(r)
	k.k.c = new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), 268), r).Uint64()
	for i := range external {
		k.k.ext[i/width][i%width] = montLimbs(frToBig(&external[i]), r)
	}
	for i := range internal {
		k.k.in[i] = montLimbs(frToBig(&internal[i]), r)
	}
	k.iv = montLimbs(frToBig(iv), r)
	r2 := split52(new(big.Int).Exp(big.NewInt(2), big.NewInt(520), r))
	for i := range 5 {
		for l := range Lanes {
			k.r2[i][l] = r2[i]
		}
	}
	for l := range Lanes {
		k.one[0][l] = 1
	}
	for i, w := range r.Bits() {
		k.mod[i] = uint64(w)
	}
	return k, nil
}

// Permute applies the permutation to eight states of canonical elements,
// in place.
func (k *Kernel) Permute(states *[Lanes][width]accel.Fr) {
	var s state
	for l := range states {
		for e := range width {
			s[e].set(l, &states[l][e])
		}
	}
	for e := range width {
		mul8(&s[e], &s[e], &k.r2, &k.k)
	}
	permute8(&s, &k.k)
	for e := range width {
		mul8(&s[e], &s[e], &k.one, &k.k)
		for l := range states {
			states[l][e] = k.canonical(&s[e], l)
		}
	}
}

// Sponge sets out[l] to the rate-2 sponge (capacity IV, 10* padding on
// elements; see accel/poseidon2) of msgs[l], for eight messages of one
// length in canonical elements. It panics if the lengths differ.
func (k *Kernel) Sponge(out *[Lanes]accel.Fr, msgs *[Lanes][]accel.Fr) {
	n := len(msgs[0])
	for _, m := range msgs {
		if len(m) != n {
			panic("lanes: sponge messages of different lengths")
		}
	}
	var s state
	for i := range 5 {
		for l := range Lanes {
			s[2][i][l] = k.iv[i]
		}
	}
	var m0, m1 vec
	var one accel.Fr
	one[0] = 1
	absorb := func() {
		mul8(&m0, &m0, &k.r2, &k.k)
		mul8(&m1, &m1, &k.r2, &k.k)
		for i := range 5 {
			for l := range Lanes {
				s[0][i][l] += m0[i][l]
				s[1][i][l] += m1[i][l]
			}
		}
		permute8(&s, &k.k)
	}
	j := 0
	for ; j+2 <= n; j += 2 {
		for l, m := range msgs {
			m0.set(l, &m[j])
			m1.set(l, &m[j+1])
		}
		absorb()
	}
	for l, m := range msgs {
		if j < n { // the last element, then the marker
			m0.set(l, &m[j])
			m1.set(l, &one)
		} else { // the marker alone
			m0.set(l, &one)
			m1.set(l, &accel.Fr{})
		}
	}
	absorb()
	mul8(&s[0], &s[0], &k.one, &k.k)
	for l := range out {
		out[l] = k.canonical(&s[0], l)
	}
}

// set stores the canonical element x in lane l, split into 52-bit limbs.
func (v *vec) set(l int, x *accel.Fr) {
	w := [4]uint64{
		binary.LittleEndian.Uint64(x[0:]),
		binary.LittleEndian.Uint64(x[8:]),
		binary.LittleEndian.Uint64(x[16:]),
		binary.LittleEndian.Uint64(x[24:]),
	}
	v.Set(l, &w)
}

// canonical returns lane l of v, a normalized value in [0, r] (the output
// of a Montgomery multiplication by 1), reduced below r and encoded.
func (k *Kernel) canonical(v *vec, l int) accel.Fr {
	w := reduceOnce(v.Get(l), &k.mod)
	var x accel.Fr
	for i := range 4 {
		binary.LittleEndian.PutUint64(x[8*i:], w[i])
	}
	return x
}

// frToBig decodes a little-endian element.
func frToBig(x *accel.Fr) *big.Int {
	var be [32]byte
	for i := range be {
		be[i] = x[31-i]
	}
	return new(big.Int).SetBytes(be[:])
}

// montLimbs returns x·2^260 mod r in 52-bit limbs.
func montLimbs(x, r *big.Int) [5]uint64 {
	m := new(big.Int).Lsh(x, 260)
	return split52(m.Mod(m, r))
}

// split52 returns x < 2^260 in five 52-bit limbs.
func split52(x *big.Int) [5]uint64 {
	var l [5]uint64
	t := new(big.Int).Set(x)
	m := big.NewInt(mask52)
	for i := range l {
		l[i] = new(big.Int).And(t, m).Uint64()
		t.Rsh(t, 52)
	}
	return l
}
