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

// group is one of the groups under test: its MSM here, gnark-crypto's
// MultiExp as the reference, a generator and its negation, and
// gnark-crypto's batch scalar multiplication to make points.
type group[A comparable] struct {
	name     string
	msm      func([]A, []fr.Element) (A, error)
	want     func([]A, []fr.Element) (*A, error)
	gen, neg A
	multiply func(*A, []fr.Element) []A
	str      func(*A) string
}

// testPoint is what the tests need of gnark-crypto's affine points.
type testPoint[A any] interface {
	*A
	Neg(*A) *A
	MultiExp([]A, []fr.Element, ecc.MultiExpConfig) (*A, error)
	String() string
}

func newGroup[A comparable, PA testPoint[A]](name string, msm func([]A, []fr.Element) (A, error), gen A, multiply func(*A, []fr.Element) []A) group[A] {
	var neg A
	PA(&neg).Neg(&gen)
	return group[A]{
		name: name, msm: msm, gen: gen, neg: neg, multiply: multiply,
		want: func(p []A, s []fr.Element) (*A, error) { return PA(new(A)).MultiExp(p, s, ecc.MultiExpConfig{}) },
		str:  func(p *A) string { return PA(p).String() },
	}
}

func groupG1() group[bn254.G1Affine] {
	_, _, g, _ := bn254.Generators()
	return newGroup("G1", G1, g, bn254.BatchScalarMultiplicationG1)
}

func groupG2() group[bn254.G2Affine] {
	_, _, _, g := bn254.Generators()
	return newGroup("G2", G2, g, bn254.BatchScalarMultiplicationG2)
}

// randomInput returns n random multiples of the generator and n random
// scalars.
func (g group[A]) randomInput(rng *rand.Rand, n int) ([]A, []fr.Element) {
	a := make([]fr.Element, n)
	s := make([]fr.Element, n)
	for i := range a {
		a[i], s[i] = randScalar(rng), randScalar(rng)
	}
	return g.multiply(&g.gen, a), s
}

// check compares the MSM with gnark-crypto's.
func (g group[A]) check(t *testing.T, what string, p []A, s []fr.Element) {
	t.Helper()
	got, err := g.msm(p, s)
	if err != nil {
		t.Fatalf("%s %s: %v", g.name, what, err)
	}
	w, err := g.want(p, s)
	if err != nil {
		t.Fatal(err)
	}
	if got != *w {
		t.Fatalf("%s %s: %s, want %s", g.name, what, g.str(&got), g.str(w))
	}
}

// both runs test for G1 and G2; G2's inputs are four times smaller
// (gnark-crypto makes its points and checks its sums slowly).
func both(t *testing.T, test func(t *testing.T, small int)) {
	if !Available() {
		t.Skip("no AVX-512 IFMA")
	}
	t.Run("G1", func(t *testing.T) { test(t, 1) })
	t.Run("G2", func(t *testing.T) { test(t, 4) })
}

func TestRandom(t *testing.T) {
	both(t, func(t *testing.T, small int) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range []int{1, 2, 7, 8, 9, 100, 1000, 5000, 1 << 16 / small} {
			if small == 1 {
				testRandom(t, groupG1(), rng, n)
			} else {
				testRandom(t, groupG2(), rng, n)
			}
		}
	})
}

func testRandom[A comparable](t *testing.T, g group[A], rng *rand.Rand, n int) {
	p, s := g.randomInput(rng, n)
	g.check(t, "n="+itoa(n), p, s)
}

// TestRepeatedScalars gives half the points one of a few scalars (1, −1
// and two random values), as a witness's repeated wires do: their buckets
// are busy in batch after batch, and the overflow sums take them.
func TestRepeatedScalars(t *testing.T) {
	both(t, func(t *testing.T, small int) {
		rng := rand.New(rand.NewPCG(7, 8))
		if small == 1 {
			testRepeated(t, groupG1(), &g1, rng, 1<<16)
		} else {
			testRepeated(t, groupG2(), &g2, rng, 1<<15)
		}
	})
}

func testRepeated[A comparable, J any, PA affinePoint[A, J], PJ jacobianPoint[A, J]](t *testing.T, g group[A], cv *curve[A, J], rng *rand.Rand, n int) {
	p, s := g.randomInput(rng, n)
	var one, minusOne fr.Element
	one.SetOne()
	minusOne.Neg(&one)
	hot := []fr.Element{one, minusOne, randScalar(rng), randScalar(rng)}
	for i := 0; i < n; i += 2 {
		s[i] = hot[rng.IntN(len(hot))]
	}
	g.check(t, "repeated scalars", p, s)
	// The lowest window, on its own: the hot buckets overflowed.
	f, err := field()
	if err != nil {
		t.Fatal(err)
	}
	c := windowBits(n)
	pts := convertPoints[A, J, PA](f, cv, p)
	digits := recode(s, pts, 2*limbs*cv.degree, c, (256+c-1)/c)
	acc := newAccumulator[A, J, PA, PJ](f, cv, c, pts)
	acc.window(digits[0], maxDigit(0, c))
	if len(acc.overflow) == 0 {
		t.Error("no bucket overflowed; the test no longer covers the overflow sums")
	}
}

// TestDoublingsAndCancellations drives the slow path: the same point many
// times (every bucket addition a doubling), a point and its negation,
// points at infinity and zero or edge scalars.
func TestDoublingsAndCancellations(t *testing.T) {
	both(t, func(t *testing.T, small int) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, n := range []int{64, 3000} {
			if small == 1 {
				testEdges(t, groupG1(), rng, n)
			} else {
				testEdges(t, groupG2(), rng, n)
			}
		}
	})
}

func testEdges[A comparable](t *testing.T, g group[A], rng *rand.Rand, n int) {
	rMinus1 := fr.Element{}
	rMinus1.SetOne()
	rMinus1.Neg(&rMinus1)
	var zero A
	cases := map[string]func(i int) (A, fr.Element){
		"same point": func(i int) (A, fr.Element) { return g.gen, randScalar(rng) },
		"same point and scalar": func(i int) (A, fr.Element) {
			var s fr.Element
			s.SetUint64(12345)
			return g.gen, s
		},
		"P and -P": func(i int) (A, fr.Element) {
			var s fr.Element
			s.SetUint64(uint64(i/2 + 1))
			if i%2 == 1 {
				return g.neg, s
			}
			return g.gen, s
		},
		"edges": func(i int) (A, fr.Element) {
			switch i % 5 {
			case 0:
				return zero, randScalar(rng)
			case 1:
				return g.gen, fr.Element{}
			case 2:
				return g.neg, rMinus1
			case 3:
				var s fr.Element
				s.SetOne()
				return g.gen, s
			}
			return g.gen, randScalar(rng)
		},
	}
	for name, gen := range cases {
		p := make([]A, n)
		s := make([]fr.Element, n)
		for i := range p {
			p[i], s[i] = gen(i)
		}
		g.check(t, name+", n="+itoa(n), p, s)
	}
}

func TestBatchJacobianToAffineG2(t *testing.T) {
	_, _, _, g := bn254.Generators()
	jac := make([]bn254.G2Jac, 5)
	for i := range jac {
		jac[i].FromAffine(&g)
		jac[i].ScalarMultiplication(&jac[i], big.NewInt(int64(i)*977+3))
	}
	jac[2] = bn254.G2Jac{} // at infinity
	got := BatchJacobianToAffineG2(jac)
	for i := range jac {
		var want bn254.G2Affine
		want.FromJacobian(&jac[i])
		if !got[i].Equal(&want) {
			t.Errorf("point %d: %s, want %s", i, got[i].String(), want.String())
		}
	}
}

func BenchmarkG1(b *testing.B) { benchGroup(b, groupG1(), 16, 20) }

func BenchmarkG2(b *testing.B) { benchGroup(b, groupG2(), 16, 19) }

// benchGroup measures the lanes against gnark-crypto's MultiExp at 2^logN
// random points for each logN.
func benchGroup[A comparable](b *testing.B, g group[A], logNs ...int) {
	if !Available() {
		b.Skip("no AVX-512 IFMA")
	}
	for _, logN := range logNs {
		rng := rand.New(rand.NewPCG(5, 6))
		p, s := g.randomInput(rng, 1<<logN)
		for name, msm := range map[string]func([]A, []fr.Element) error{
			"lanes": func(p []A, s []fr.Element) error { _, err := g.msm(p, s); return err },
			"gnark": func(p []A, s []fr.Element) error { _, err := g.want(p, s); return err },
		} {
			b.Run(name+"/2^"+itoa(logN), func(b *testing.B) {
				for range b.N {
					if err := msm(p, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
