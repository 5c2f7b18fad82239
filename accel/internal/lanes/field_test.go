package lanes

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
)

// TestFieldFp checks Field on BN254's base field against math/big: Mul
// on values up to 9p (unnormalized too), Sub on the bounds its doc gives,
// Add, FromGnark,
// Normalize, and the conversions from and to gnark-crypto's words.
func TestFieldFp(t *testing.T) {
	p, f := fpField(t)
	rInv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 260), p)
	rng := rand.New(rand.NewPCG(7, 8))
	below := func(k int64) *big.Int {
		b := make([]byte, 33)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		return new(big.Int).Mod(new(big.Int).SetBytes(b), new(big.Int).Mul(p, big.NewInt(k)))
	}
	mod := func(x *big.Int) *big.Int { return new(big.Int).Mod(x, p) }
	for round := range 100 {
		var x, y, z, d, n, sum vec
		var xs, ys [Lanes]*big.Int
		for l := range Lanes {
			xs[l], ys[l] = below(9), below(2)
			if round == 0 {
				xs[l], ys[l] = new(big.Int).Sub(new(big.Int).Mul(p, big.NewInt(9)), big.NewInt(1)), new(big.Int).Sub(new(big.Int).Lsh(p, 1), big.NewInt(1))
			}
			setBig(&x, l, xs[l], rng, round%2 == 1)
			setBig(&y, l, ys[l], rng, false) // Sub's subtrahend is normalized
		}
		f.Mul(&z, &x, &y)
		f.Sub(&d, &x, &y)
		f.Normalize(&n, &d)
		f.Add(&sum, &x, &y)
		for l := range Lanes {
			want := mod(new(big.Int).Mul(new(big.Int).Mul(xs[l], ys[l]), rInv))
			got := limbsToBig(&z, l)
			if got.Cmp(new(big.Int).Lsh(p, 1)) >= 0 || mod(got).Cmp(want) != 0 {
				t.Fatalf("Mul lane %d: %v, want %v (mod p, below 2p)", l, got, want)
			}
			for i := range 5 {
				if z[i][l] >= 1<<52 {
					t.Fatalf("Mul lane %d: limb %d not normalized", l, i)
				}
			}
			diff := limbsToBig(&d, l)
			if mod(diff).Cmp(mod(new(big.Int).Sub(xs[l], ys[l]))) != 0 || diff.Cmp(new(big.Int).Add(xs[l], new(big.Int).Lsh(p, 2))) >= 0 {
				t.Fatalf("Sub lane %d: %v, want x - y mod p below x + 4p", l, diff)
			}
			if s := limbsToBig(&sum, l); s.Cmp(new(big.Int).Add(xs[l], ys[l])) != 0 {
				t.Fatalf("Add lane %d: %v, want %v + %v", l, s, xs[l], ys[l])
			}
			nv := limbsToBig(&n, l)
			if nv.Cmp(new(big.Int).Lsh(p, 1)) >= 0 || mod(nv).Cmp(mod(new(big.Int).Sub(xs[l], ys[l]))) != 0 {
				t.Fatalf("Normalize lane %d: %v", l, nv)
			}
		}
	}

	// Conversions: gnark-crypto words -> lanes' words -> Vec -> back.
	gmul := func(z, x, y *[4]uint64) { (*fp.Element)(z).Mul((*fp.Element)(x), (*fp.Element)(y)) }
	for range 100 {
		var e fp.Element
		e.SetBigInt(below(1))
		w := f.ToLanes((*[4]uint64)(&e), gmul)
		var v vec
		v.Set(3, &w)
		lanesVal := limbsToBig(&v, 3)
		if want := mod(new(big.Int).Lsh(e.BigInt(new(big.Int)), 260)); lanesVal.Cmp(want) != 0 {
			t.Fatalf("ToLanes(%v) = %v, want %v", e.String(), lanesVal, want)
		}
		var raw vec
		raw.Set(3, (*[4]uint64)(&e))
		f.FromGnark(&raw, &raw)
		if got := limbsToBig(&raw, 3); mod(got).Cmp(lanesVal) != 0 || got.Cmp(new(big.Int).Lsh(p, 1)) >= 0 {
			t.Fatalf("FromGnark(%v) = %v, want %v below 2p", e.String(), got, lanesVal)
		}
		r := f.Reduce(v.Get(3))
		back := fp.Element(f.FromLanes(&r, gmul))
		if !back.Equal(&e) {
			t.Fatalf("FromLanes(ToLanes(%v)) = %v", e.String(), back.String())
		}
		f.ToGnark(&raw, &raw)
		if got := raw.Get(3); f.Reduce(got) != [4]uint64(e) {
			t.Fatalf("ToGnark(FromGnark(%v)) = %x", e.String(), got)
		}
	}
	if _, err := NewField(big.NewInt(1 << 40)); err == nil {
		t.Error("NewField(2^40) = nil error, want ErrModulus")
	}
}

// TestFieldExp checks Exp on BN254's base field against math/big, for
// small exponents, the square-root exponent (p+1)/4 and p-2 (inversion),
// on unnormalized inputs too.
func TestFieldExp(t *testing.T) {
	p, f := fpField(t)
	r := new(big.Int).Lsh(big.NewInt(1), 260)
	rInv := new(big.Int).ModInverse(r, p)
	rng := rand.New(rand.NewPCG(9, 10))
	sqrtExp := new(big.Int).Rsh(new(big.Int).Add(p, big.NewInt(1)), 2)
	for _, e := range []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(16), big.NewInt(17), big.NewInt(0xfedcba), sqrtExp, new(big.Int).Sub(p, big.NewInt(2))} {
		var x, z vec
		var xs [Lanes]*big.Int
		for l := range Lanes {
			b := make([]byte, 33)
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			xs[l] = new(big.Int).Mod(new(big.Int).SetBytes(b), new(big.Int).Lsh(p, 1))
			setBig(&x, l, xs[l], rng, l%2 == 1)
		}
		zs := []vec{x, x, x}
		f.Exp(zs, zs, e) // three: a pair and a single
		z = zs[2]
		if zs[0] != z || zs[1] != z {
			t.Fatalf("Exp(e=%v) differs between the vecs of one call", e)
		}
		for l := range Lanes {
			plain := new(big.Int).Mod(new(big.Int).Mul(xs[l], rInv), p)
			want := new(big.Int).Mod(new(big.Int).Mul(new(big.Int).Exp(plain, e, p), r), p)
			got := limbsToBig(&z, l)
			if got.Cmp(new(big.Int).Lsh(p, 1)) >= 0 || new(big.Int).Mod(got, p).Cmp(want) != 0 {
				t.Fatalf("Exp(lane %d, e=%v) = %v, want %v (mod p, below 2p)", l, e, got, want)
			}
		}
	}
}

// fpField returns BN254's base field modulus and its Field, skipping the
// test where the CPU lacks AVX-512 IFMA.
func fpField(t *testing.T) (*big.Int, *Field) {
	t.Helper()
	if !Available() {
		t.Skip("no AVX-512 IFMA on this machine")
	}
	p := fp.Modulus()
	f, err := NewField(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}
