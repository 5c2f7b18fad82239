package poseidon2

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
)

// gfeBig returns the plain value of a Montgomery-form element.
func gfeBig(x *gfe) *big.Int {
	f := x.fr()
	return ToBig(f)
}

// testValues returns random canonical values plus the edges 0, 1, r-1 and
// values around limb boundaries.
func testValues(t *testing.T) []*big.Int {
	t.Helper()
	r := Modulus()
	one := big.NewInt(1)
	vals := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(r, one), new(big.Int).Sub(r, big.NewInt(2)),
		new(big.Int).Lsh(one, 64), new(big.Int).Sub(new(big.Int).Lsh(one, 64), one),
		new(big.Int).Lsh(one, 253), new(big.Int).Rsh(r, 1),
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		var b [32]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		vals = append(vals, new(big.Int).Mod(new(big.Int).SetBytes(b[:]), r))
	}
	return vals
}

func mustGfe(t *testing.T, v *big.Int) gfe {
	t.Helper()
	x, err := FrFromBig(v)
	if err != nil {
		t.Fatal(err)
	}
	var z gfe
	if !z.setFr(&x) {
		t.Fatalf("setFr(%v) = false, want true", v)
	}
	return z
}

// TestGfeArithmetic checks the pure-Go field against math/big.
func TestGfeArithmetic(t *testing.T) {
	r := Modulus()
	vals := testValues(t)
	for i, a := range vals {
		x := mustGfe(t, a)
		if got := gfeBig(&x); got.Cmp(a) != 0 {
			t.Fatalf("round trip of %v = %v", a, got)
		}
		var p5 gfe
		p5.pow5(&x)
		if got, want := gfeBig(&p5), new(big.Int).Exp(a, big.NewInt(5), r); got.Cmp(want) != 0 {
			t.Errorf("pow5(%v) = %v, want %v", a, got, want)
		}
		var d gfe
		d.double(&x)
		if got, want := gfeBig(&d), new(big.Int).Mod(new(big.Int).Lsh(a, 1), r); got.Cmp(want) != 0 {
			t.Errorf("double(%v) = %v, want %v", a, got, want)
		}
		// Pair each value with a few others, edges included.
		for _, b := range []*big.Int{vals[(i*7+1)%len(vals)], vals[(i+3)%len(vals)], vals[3]} {
			y := mustGfe(t, b)
			var s, m gfe
			s.add(&x, &y)
			m.mul(&x, &y)
			if got, want := gfeBig(&s), new(big.Int).Mod(new(big.Int).Add(a, b), r); got.Cmp(want) != 0 {
				t.Errorf("add(%v, %v) = %v, want %v", a, b, got, want)
			}
			if got, want := gfeBig(&m), new(big.Int).Mod(new(big.Int).Mul(a, b), r); got.Cmp(want) != 0 {
				t.Errorf("mul(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestGfeConstants(t *testing.T) {
	r := Modulus()
	rr := new(big.Int).Lsh(big.NewInt(1), 256)
	limbs := func(x gfe) *big.Int {
		v := new(big.Int)
		for i := 3; i >= 0; i-- {
			v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(x[i]))
		}
		return v
	}
	if got, want := limbs(gfe{r0, r1, r2, r3}), r; got.Cmp(want) != 0 {
		t.Errorf("limbs r = %v, want %v", got, want)
	}
	if got, want := limbs(gfeRSquare), new(big.Int).Mod(new(big.Int).Mul(rr, rr), r); got.Cmp(want) != 0 {
		t.Errorf("gfeRSquare = %v, want %v", got, want)
	}
	if got, want := limbs(gfeOne), new(big.Int).Mod(rr, r); got.Cmp(want) != 0 {
		t.Errorf("gfeOne = %v, want %v", got, want)
	}
	// rInvNeg·r ≡ -1 mod 2^64.
	inv, low := uint64(rInvNeg), uint64(r0)
	if got := inv * low; got != ^uint64(0) {
		t.Errorf("rInvNeg·r mod 2^64 = %#x, want 2^64-1", got)
	}
}

func TestRoundConstants(t *testing.T) {
	if len(externalRoundConstantsHex) != 24 || len(internalRoundConstantsHex) != 56 {
		t.Fatalf("constants: %d external, %d internal, want 24 and 56", len(externalRoundConstantsHex), len(internalRoundConstantsHex))
	}
	r := Modulus()
	seen := map[string]bool{}
	for _, h := range append(externalRoundConstantsHex[:], internalRoundConstantsHex[:]...) {
		v, ok := new(big.Int).SetString(h, 0)
		if !ok || v.Cmp(r) >= 0 || v.Sign() == 0 || len(h) != 66 {
			t.Errorf("round constant %q is not a non-zero 32-byte hex value below r", h)
		}
		if seen[h] {
			t.Errorf("round constant %q repeats", h)
		}
		seen[h] = true
	}
	// First and last constants as upstream writes them (HorizenLabs @d0742014,
	// nim-poseidon2 roundconst.nim).
	if got, want := externalRoundConstantsHex[0], "0x2c4c51fd1bb9567c27e99f5712b49e0574178b41b6f0a476cddc41d242cf2b43"; got != want {
		t.Errorf("externalRoundConstantsHex[0] = %s, want %s", got, want)
	}
	if got, want := internalRoundConstantsHex[55], "0x238d26ca97c691591e929f32199a643550f325f23a85d420080b289d7cecc9d4"; got != want {
		t.Errorf("internalRoundConstantsHex[55] = %s, want %s", got, want)
	}
	iv := goRC.iv.fr()
	if got, want := ToBig(iv).Text(16), "10000000000000302"; got != want {
		t.Errorf("sponge IV = %s, want 0x%s", got, want)
	}
}

func TestLimbsBelowModulus(t *testing.T) {
	r := Modulus()
	for _, c := range []struct {
		v    *big.Int
		want bool
	}{
		{big.NewInt(0), true},
		{new(big.Int).Sub(r, big.NewInt(1)), true},
		{r, false},
		{new(big.Int).Add(r, big.NewInt(1)), false},
		{new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)), false},
	} {
		var x accel.Fr
		var be [32]byte
		c.v.FillBytes(be[:])
		for i := range be {
			x[i] = be[31-i]
		}
		l := frLimbs(&x)
		if got := limbsBelowModulus(&l); got != c.want {
			t.Errorf("limbsBelowModulus(%v) = %v, want %v", c.v, got, c.want)
		}
	}
}
