package lanes

import (
	"errors"
	"math/big"
	"math/bits"
)

// Vec is one field element in each of the eight lanes: limb i (52 bits,
// weight 2^(52·i)) of lane j is Vec[i][j]. A Field's values are in
// Montgomery form with R = 2^260.
type Vec = vec

// Field is a BN254 prime field (the base field Fp, or the scalar field)
// prepared for eight-lane arithmetic: Montgomery products with AVX-512
// IFMA (the kernel of the Poseidon2 permutation) and carry-free
// subtractions. It is the arithmetic of the simd MSM in accel/msm.
//
// Bounds (ε = p/2^260, about 1/84.5 for both BN254 fields): Mul's output
// is normalized (limbs below 2^52) and below p·(1 + ε·A·B) for inputs below
// A·p and B·p, so below 2p whenever A·B ≤ 84; inputs must stay below 2^260.
// Sub adds 4p, so its subtrahend must be normalized and below 2p.
//
// A Field is read-only after NewField and safe for concurrent use.
type Field struct {
	k kconsts
	// mod is the modulus in 64-bit words.
	mod [4]uint64
	// four is 4p with every limb but the top one raised by 2^52 (and the
	// next one lowered by 1), so that subtracting a normalized value below
	// 2p never borrows.
	four vec
	// one is 1 in Montgomery form (2^260 mod p) in every lane: Mul(z, x,
	// &one) normalizes x and reduces it below 2p.
	one vec
	// in and out convert between gnark-crypto's Montgomery words (x·2^256)
	// and the lanes' form (x·2^260): 2^4 and 2^-4 as gnark-crypto-style
	// Montgomery multipliers, 2^260 and 2^252 mod p.
	in, out [4]uint64
	// fromGnark is 2^264 mod p, plain, in every lane: FromGnark's factor.
	fromGnark vec
	// toGnark is 2^256 mod p, plain, in every lane: ToGnark's factor.
	toGnark vec
}

// ErrModulus is returned by NewField for a modulus it cannot serve.
var ErrModulus = errors.New("lanes: the modulus must be odd and between 2^253 and 2^254")

// NewField prepares the field of the given modulus (BN254's base or scalar
// field: odd, 254 bits). It returns ErrUnavailable where [Available] is
// false.
func NewField(modulus *big.Int) (*Field, error) {
	if !available() {
		return nil, ErrUnavailable
	}
	if modulus.Bit(0) == 0 || modulus.BitLen() != 254 {
		return nil, ErrModulus
	}
	f := new(Field)
	f.k.setModulus(modulus)
	for i, w := range modulus.Bits() {
		f.mod[i] = uint64(w)
	}
	four := split52(new(big.Int).Lsh(modulus, 2))
	for i := range 5 {
		v := four[i]
		if i > 0 {
			v-- // the 2^52 lent to the limb below
		}
		if i < 4 {
			v += 1 << 52
		}
		for l := range Lanes {
			f.four[i][l] = v
		}
	}
	one := montLimbs(big.NewInt(1), modulus)
	for i := range 5 {
		for l := range Lanes {
			f.one[i][l] = one[i]
		}
	}
	words := func(x *big.Int) (w [4]uint64) {
		for i, b := range new(big.Int).Mod(x, modulus).Bits() {
			w[i] = uint64(b)
		}
		return w
	}
	f.in = words(new(big.Int).Lsh(big.NewInt(1), 260))
	fg := words(new(big.Int).Lsh(big.NewInt(1), 264))
	tg := words(new(big.Int).Lsh(big.NewInt(1), 256))
	for l := range Lanes {
		f.fromGnark.Set(l, &fg)
		f.toGnark.Set(l, &tg)
	}
	f.out = words(new(big.Int).Lsh(big.NewInt(1), 252))
	return f, nil
}

// Mul sets z = x·y·2^-260 mod p lane by lane, normalized (see the bounds
// on Field). z may alias x or y.
func (f *Field) Mul(z, x, y *Vec) { mul8(z, x, y, &f.k) }

// Sub sets z = x + 4p - y lane by lane, limb by limb without carries: y
// must be normalized and below 2p; z is below x + 4p and not normalized.
// z may alias x or y.
func (f *Field) Sub(z, x, y *Vec) { sub8(z, x, y, &f.four) }

// FromGnark sets z to the lanes' form (x·2^260 mod p, normalized, below
// 2p) of the elements whose gnark-crypto Montgomery words (x·2^256 mod p,
// below p) x holds, split into limbs as Set does: eight conversions in one
// product, by 2^264. z may alias x.
func (f *Field) FromGnark(z, x *Vec) { mul8(z, x, &f.fromGnark, &f.k) }

// ToGnark sets z to gnark-crypto's Montgomery words (x·2^256 mod p) of
// the elements whose lanes' form x holds, normalized and below 2p (Reduce
// each lane's Get for words below p): FromGnark's inverse, eight
// conversions in one product, by 2^256. z may alias x.
func (f *Field) ToGnark(z, x *Vec) { mul8(z, x, &f.toGnark, &f.k) }

// Exp sets z[j] = x[j]^e lane by lane in the lanes' form (normalized,
// below 2p; x^0 is one) for e ≥ 0, with a fixed window of four bits:
// about log2(e) squarings and log2(e)/4 products per vec. It raises the
// vecs two at a time, in lockstep, so that the CPU overlaps their
// independent squarings (1.4 times the speed of one chain on the
// development machine). len(z) must equal len(x); z may alias x. It is
// not constant time.
func (f *Field) Exp(z, x []Vec, e *big.Int) {
	for j := 0; j < len(x); j += 2 {
		k := min(j+2, len(x))
		f.exp2(z[j:k], x[j:k], e)
	}
}

// exp2 is Exp for one or two vecs.
func (f *Field) exp2(z, x []Vec, e *big.Int) {
	const window = 4
	var pow [2][1 << window]vec // pow[j][i] = x[j]^i
	var acc [2]vec
	for j := range x {
		pow[j][0] = f.one
		f.Normalize(&pow[j][1], &x[j])
		for i := 2; i < len(pow[j]); i++ {
			f.Mul(&pow[j][i], &pow[j][i-1], &pow[j][1])
		}
		acc[j] = f.one
	}
	for i := (e.BitLen() + window - 1) / window * window; i > 0; i -= window {
		if i < e.BitLen() { // acc is still one above the top window
			for range window {
				for j := range x {
					sqr8n(&acc[j], &acc[j], 1, &f.k)
				}
			}
		}
		d := 0
		for b := range window {
			d |= int(e.Bit(i-window+b)) << b
		}
		if d != 0 {
			for j := range x {
				f.Mul(&acc[j], &acc[j], &pow[j][d])
			}
		}
	}
	copy(z, acc[:len(x)])
}

// Add sets z = x + y lane by lane, limb by limb without carries: z is
// below x + y and not normalized. z may alias x or y.
func (f *Field) Add(z, x, y *Vec) { add8(z, x, y) }

// Normalize sets z to x normalized and below 2p (a product by one).
func (f *Field) Normalize(z, x *Vec) { mul8(z, x, &f.one, &f.k) }

// One returns 1 in Montgomery form in every lane.
func (f *Field) One() *Vec { return &f.one }

// Set stores in lane l the value whose Montgomery words, as the lanes keep
// them (x·2^260 mod p, below 2^256), are w.
func (v *vec) Set(l int, w *[4]uint64) {
	limbs := SplitLimbs(w)
	for i := range limbs {
		v[i][l] = limbs[i]
	}
}

// Get returns lane l of a normalized v below 2^256 as four words, not
// reduced.
func (v *vec) Get(l int) [4]uint64 {
	return JoinLimbs(&[5]uint64{v[0][l], v[1][l], v[2][l], v[3][l], v[4][l]})
}

// SplitLimbs returns the 52-bit limbs of the 256-bit value whose words are
// w: the form of one lane of a Vec, normalized.
func SplitLimbs(w *[4]uint64) [5]uint64 {
	return [5]uint64{
		w[0] & mask52,
		(w[0]>>52 | w[1]<<12) & mask52,
		(w[1]>>40 | w[2]<<24) & mask52,
		(w[2]>>28 | w[3]<<36) & mask52,
		w[3] >> 16,
	}
}

// JoinLimbs returns the words of a value below 2^256 from its normalized
// 52-bit limbs (SplitLimbs's inverse).
func JoinLimbs(l *[5]uint64) [4]uint64 {
	return [4]uint64{
		l[0] | l[1]<<52,
		l[1]>>12 | l[2]<<40,
		l[2]>>24 | l[3]<<28,
		l[3]>>36 | l[4]<<16,
	}
}

// Reduce returns w mod p for w below 2p.
func (f *Field) Reduce(w [4]uint64) [4]uint64 { return reduceOnce(w, &f.mod) }

// reduceOnce returns w - mod when w ≥ mod, else w.
func reduceOnce(w [4]uint64, mod *[4]uint64) [4]uint64 {
	var d [4]uint64
	var b uint64
	for i := range 4 {
		d[i], b = bits.Sub64(w[i], mod[i], b)
	}
	if b == 0 {
		return d
	}
	return w
}

// Modulus returns p in 64-bit words.
func (f *Field) Modulus() [4]uint64 { return f.mod }

// ToLanes and FromLanes convert between gnark-crypto's Montgomery words
// (x·2^256 mod p) and the lanes' (x·2^260 mod p): mul is a gnark-crypto
// Montgomery product (a·b·2^-256 mod p, as fp.Element.Mul), passed in so
// that this package stays free of a particular field type.
//
// ToLanes returns the lanes' words of the element whose gnark-crypto words
// are w.
func (f *Field) ToLanes(w *[4]uint64, mul func(z, x, y *[4]uint64)) [4]uint64 {
	var z [4]uint64
	mul(&z, w, &f.in)
	return z
}

// FromLanes returns the gnark-crypto words of the element whose lanes'
// words (reduced below p) are w.
func (f *Field) FromLanes(w *[4]uint64, mul func(z, x, y *[4]uint64)) [4]uint64 {
	var z [4]uint64
	mul(&z, w, &f.out)
	return z
}
