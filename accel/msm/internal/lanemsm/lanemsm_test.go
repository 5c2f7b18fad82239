package lanemsm

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

func randScalar(rng *rand.Rand) fr.Element {
	var b [32]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	var e fr.Element
	e.SetBytes(b[:]) // reduced mod r
	return e
}

// want is gnark-crypto's MultiExp, the reference.
func want(t *testing.T, points []bn254.G1Affine, scalars []fr.Element) bn254.G1Affine {
	t.Helper()
	var r bn254.G1Affine
	if _, err := r.MultiExp(points, scalars, ecc.MultiExpConfig{}); err != nil {
		t.Fatal(err)
	}
	return r
}

func randomInput(rng *rand.Rand, n int) ([]bn254.G1Affine, []fr.Element) {
	_, _, g1, _ := bn254.Generators()
	a := make([]fr.Element, n)
	s := make([]fr.Element, n)
	for i := range a {
		a[i], s[i] = randScalar(rng), randScalar(rng)
	}
	return bn254.BatchScalarMultiplicationG1(&g1, a), s
}

func TestRandom(t *testing.T) {
	if !Available() {
		t.Skip("no AVX-512 IFMA")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 8, 9, 100, 1000, 5000, 1 << 16} {
		p, s := randomInput(rng, n)
		got, err := G1(p, s)
		if err != nil {
			t.Fatal(err)
		}
		if w := want(t, p, s); got != w {
			t.Fatalf("n=%d: G1 = %s, want %s", n, got.String(), w.String())
		}
	}
}

// TestRepeatedScalars gives half the points one of a few scalars (1, −1
// and two random values), as a witness's repeated wires do: their buckets
// are busy in batch after batch, and the overflow sums take them.
func TestRepeatedScalars(t *testing.T) {
	if !Available() {
		t.Skip("no AVX-512 IFMA")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	n := 1 << 16
	p, s := randomInput(rng, n)
	var one, minusOne fr.Element
	one.SetOne()
	minusOne.Neg(&one)
	hot := []fr.Element{one, minusOne, randScalar(rng), randScalar(rng)}
	for i := 0; i < n; i += 2 {
		s[i] = hot[rng.IntN(len(hot))]
	}
	got, err := G1(p, s)
	if err != nil {
		t.Fatal(err)
	}
	if w := want(t, p, s); got != w {
		t.Fatalf("G1 = %s, want %s", got.String(), w.String())
	}
	// The lowest window, on its own: the hot buckets overflowed.
	f, err := field()
	if err != nil {
		t.Fatal(err)
	}
	c := windowBits(n)
	pts := convertPoints(f, p)
	digits := recode(s, pts, c, (256+c-1)/c)
	acc := newAccumulator(f, c, pts)
	acc.window(digits[0], maxDigit(0, c))
	if len(acc.overflow) == 0 {
		t.Error("no bucket overflowed; the test no longer covers the overflow sums")
	}
}

// TestDoublingsAndCancellations drives the slow path: the same point many
// times (every bucket addition a doubling), a point and its negation,
// points at infinity and zero or edge scalars.
func TestDoublingsAndCancellations(t *testing.T) {
	if !Available() {
		t.Skip("no AVX-512 IFMA")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	_, _, g1, _ := bn254.Generators()
	var neg bn254.G1Affine
	neg.Neg(&g1)
	rMinus1 := fr.Element{}
	rMinus1.SetOne()
	rMinus1.Neg(&rMinus1)
	for _, n := range []int{64, 3000} {
		cases := map[string]func(i int) (bn254.G1Affine, fr.Element){
			"same point": func(i int) (bn254.G1Affine, fr.Element) { return g1, randScalar(rng) },
			"same point and scalar": func(i int) (bn254.G1Affine, fr.Element) {
				var s fr.Element
				s.SetUint64(12345)
				return g1, s
			},
			"P and -P": func(i int) (bn254.G1Affine, fr.Element) {
				var s fr.Element
				s.SetUint64(uint64(i/2 + 1))
				if i%2 == 1 {
					return neg, s
				}
				return g1, s
			},
			"edges": func(i int) (bn254.G1Affine, fr.Element) {
				switch i % 5 {
				case 0:
					return bn254.G1Affine{}, randScalar(rng)
				case 1:
					return g1, fr.Element{}
				case 2:
					return neg, rMinus1
				case 3:
					var s fr.Element
					s.SetOne()
					return g1, s
				}
				return g1, randScalar(rng)
			},
		}
		for name, gen := range cases {
			p := make([]bn254.G1Affine, n)
			s := make([]fr.Element, n)
			for i := range p {
				p[i], s[i] = gen(i)
			}
			got, err := G1(p, s)
			if err != nil {
				t.Fatal(err)
			}
			if w := want(t, p, s); got != w {
				t.Errorf("%s, n=%d: G1 = %s, want %s", name, n, got.String(), w.String())
			}
		}
	}
}

func BenchmarkG1(b *testing.B) {
	if !Available() {
		b.Skip("no AVX-512 IFMA")
	}
	for _, logN := range []int{16, 20} {
		rng := rand.New(rand.NewPCG(5, 6))
		p, s := randomInput(rng, 1<<logN)
		b.Run("lanes/2^"+itoa(logN), func(b *testing.B) {
			for range b.N {
				if _, err := G1(p, s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("gnark/2^"+itoa(logN), func(b *testing.B) {
			var r bn254.G1Affine
			for range b.N {
				if _, err := r.MultiExp(p, s, ecc.MultiExpConfig{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
