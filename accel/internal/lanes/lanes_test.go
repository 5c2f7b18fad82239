package lanes

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// TestConstsLayout checks the offsets lanes_amd64.s hard-codes.
func TestConstsLayout(t *testing.T) {
	var k kconsts
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"pinv", unsafe.Offsetof(k.pinv), 40},
		{"mask", unsafe.Offsetof(k.mask), 48},
		{"c", unsafe.Offsetof(k.c), 56},
		{"ext", unsafe.Offsetof(k.ext), 64},
		{"ext[4]", unsafe.Offsetof(k.ext) + 4*unsafe.Sizeof(k.ext[0]), 544},
		{"in", unsafe.Offsetof(k.in), 1024},
		{"vec", unsafe.Sizeof(vec{}), 320},
	} {
		if c.got != c.want {
			t.Errorf("offset of %s = %d, the assembly uses %d", c.name, c.got, c.want)
		}
	}
}

// limbsToBig returns the (possibly unnormalized) value of lane l of v.
func limbsToBig(v *vec, l int) *big.Int {
	x := new(big.Int)
	for i := 4; i >= 0; i-- {
		x.Lsh(x, 52)
		x.Add(x, new(big.Int).SetUint64(v[i][l]))
	}
	return x
}

// setBig stores x < 2^260 in lane l, optionally unnormalized: limb i gets
// part of limb i+1's value shifted in, as lazy additions leave them.
func setBig(v *vec, l int, x *big.Int, rng *rand.Rand, unnormalized bool) {
	s := split52(x)
	if unnormalized {
		for i := 3; i >= 0; i-- {
			if s[i+1] == 0 {
				continue
			}
			borrow := rng.Uint64N(min(s[i+1], 1<<10) + 1)
			s[i+1] -= borrow
			s[i] += borrow << 52 // may now exceed 52 bits
		}
	}
	for i := range s {
		v[i][l] = s[i]
	}
}

// TestMul8 compares mul8 with math/big on random values up to 80r,
// normalized or not, and on the extremes 0, 1, r-1 and 80r.
func TestMul8(t *testing.T) {
	if !Available() {
		t.Skip("no AVX-512 IFMA on this machine")
	}
	k, err := New(new([24]accel.Fr), new([56]accel.Fr), new(accel.Fr))
	if err != nil {
		t.Fatal(err)
	}
	r := fr.Modulus()
	rInv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 260), r)
	rng := rand.New(rand.NewPCG(1, 2))
	bound := new(big.Int).Mul(r, big.NewInt(80))
	extremes := []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(r, big.NewInt(1)), new(big.Int).Sub(bound, big.NewInt(1))}
	pick := func(i int) *big.Int {
		if i < len(extremes) {
			return extremes[i]
		}
		b := make([]byte, 33)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		return new(big.Int).Mod(new(big.Int).SetBytes(b), bound)
	}
	for round := range 200 {
		var x, y, z vec
		var xs, ys [Lanes]*big.Int
		for l := range Lanes {
			xs[l], ys[l] = pick((round*Lanes+l)%37), pick((round*Lanes+l*5)%41)
			setBig(&x, l, xs[l], rng, round%2 == 1)
			setBig(&y, l, ys[l], rng, round%3 == 1)
		}
		mul8(&z, &x, &y, &k.k)
		for l := range Lanes {
			got := limbsToBig(&z, l)
			want := new(big.Int).Mul(xs[l], ys[l])
			want.Mul(want, rInv).Mod(want, r)
			if new(big.Int).Mod(got, r).Cmp(want) != 0 {
				t.Fatalf("round %d lane %d: %v·%v: got %v ≢ %v", round, l, xs[l], ys[l], got, want)
			}
			for i := range 4 {
				if z[i][l] > mask52 {
					t.Fatalf("round %d lane %d: limb %d = %#x not normalized", round, l, i, z[i][l])
				}
			}
			// The bound of the package comment: below r·(1 + ε·A·B).
			lim := new(big.Int).Mul(xs[l], ys[l])
			lim.Rsh(lim, 260).Add(lim, r)
			if got.Cmp(lim) >= 0 {
				t.Fatalf("round %d lane %d: product %v above its bound %v", round, l, got, lim)
			}
		}
	}
}
