package acceltest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/msm"
)

// msmSizes covers one point, small odd sizes, sizes that are not powers of
// two around gnark-crypto's window changes, and one large enough to split
// across CPUs.
var msmSizes = []int{1, 2, 3, 5, 17, 64, 100, 1000, 4099}

// RunMSM checks backend b of the MSM kernel against the go backend and
// against independent arithmetic: each random MSM uses points a_i·G, so
// the expected sum is (Σ a_i·s_i)·G, computed with fr arithmetic and one
// scalar multiplication. Inputs mix in the edge cases: zero, one and
// top-bit scalars (r-1, 2^253), points at infinity, duplicated and
// negated points, sizes that are not powers of two, the empty MSM, and
// mismatched lengths (accel.ErrInvalidParams). It also checks that inputs
// are left unmodified and that concurrent calls agree. It skips when b is
// unavailable in this build.
func RunMSM(t *testing.T, b accel.Backend) {
	t.Helper()
	m, ref := kernelPair(t, b, "msm.New", msm.New)
	t.Run("fixed", func(t *testing.T) { msmFixed(t, m) })
	t.Run("empty", func(t *testing.T) { msmEmpty(t, m) })
	t.Run("lengths", func(t *testing.T) { msmLengths(t, m) })
	t.Run("cancel", func(t *testing.T) { msmCancel(t, m) })
	t.Run("random", func(t *testing.T) { msmRandom(t, m, ref) })
	t.Run("concurrent", func(t *testing.T) { msmConcurrent(t, m) })
}

// msmGenerators returns the standard generators of G1 and G2 (affine).
func msmGenerators() (bn254.G1Affine, bn254.G2Affine) {
	_, _, g1, g2 := bn254.Generators()
	return g1, g2
}

func frFromBig(v *big.Int) fr.Element {
	var e fr.Element
	e.SetBigInt(v)
	return e
}

// msmFixed checks known answers: 2·G1 against the published coordinates
// (EIP-196 test vectors), and s·G for edge scalars against gnark-crypto's
// ScalarMultiplication, in both groups.
func msmFixed(t *testing.T, m msm.MSM) {
	g1, g2 := msmGenerators()
	var two fr.Element
	two.SetUint64(2)
	got, err := m.G1([]bn254.G1Affine{g1}, []fr.Element{two})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := new(big.Int).SetString("1368015179489954701390400359078579693043519447331113978918064868415326638035", 10)
	y, _ := new(big.Int).SetString("9918110051302171585080402603319702774565515993150576347155970296011118125764", 10)
	if gx, gy := got.X.BigInt(new(big.Int)), got.Y.BigInt(new(big.Int)); gx.Cmp(x) != 0 || gy.Cmp(y) != 0 {
		t.Errorf("%s: G1([G], [2]) = (%v, %v), want (%v, %v)", m.Backend(), gx, gy, x, y)
	}
	for _, s := range msmEdgeScalars() {
		var want1 bn254.G1Affine
		want1.ScalarMultiplication(&g1, s.BigInt(new(big.Int)))
		got1, err := m.G1([]bn254.G1Affine{g1}, []fr.Element{s})
		if err != nil {
			t.Fatal(err)
		}
		if got1 != want1 {
			t.Errorf("%s: G1([G], [%s]) = %s, want %s", m.Backend(), s.String(), got1.String(), want1.String())
		}
		var want2 bn254.G2Affine
		want2.ScalarMultiplication(&g2, s.BigInt(new(big.Int)))
		got2, err := m.G2([]bn254.G2Affine{g2}, []fr.Element{s})
		if err != nil {
			t.Fatal(err)
		}
		if got2 != want2 {
			t.Errorf("%s: G2([G], [%s]) = %s, want %s", m.Backend(), s.String(), got2.String(), want2.String())
		}
	}
}

// msmEdgeScalars returns 0, 1, 2, limb boundaries, 2^253 (the top bit,
// where some MSMs negate), (r±1)/2 and r-1.
func msmEdgeScalars() []fr.Element {
	r := fr.Modulus()
	one := big.NewInt(1)
	half := new(big.Int).Rsh(r, 1)
	var out []fr.Element
	for _, v := range []*big.Int{
		big.NewInt(0), one, big.NewInt(2),
		new(big.Int).Lsh(one, 64), new(big.Int).Lsh(one, 128), new(big.Int).Lsh(one, 253),
		half, new(big.Int).Add(half, one), new(big.Int).Sub(r, one),
	} {
		out = append(out, frFromBig(v))
	}
	return out
}

func msmEmpty(t *testing.T, m msm.MSM) {
	for _, pts := range [][]bn254.G1Affine{nil, {}} {
		got, err := m.G1(pts, []fr.Element{})
		if err != nil || !got.IsInfinity() || got != (bn254.G1Affine{}) {
			t.Errorf("%s: G1(empty) = %s, %v, want infinity (the zero value), nil", m.Backend(), got.String(), err)
		}
	}
	got2, err := m.G2(nil, nil)
	if err != nil || got2 != (bn254.G2Affine{}) {
		t.Errorf("%s: G2(empty) = %s, %v, want infinity (the zero value), nil", m.Backend(), got2.String(), err)
	}
}

func msmLengths(t *testing.T, m msm.MSM) {
	g1, g2 := msmGenerators()
	for _, c := range [][2]int{{2, 1}, {1, 2}, {0, 1}, {1, 0}} {
		p1 := slices.Repeat([]bn254.G1Affine{g1}, c[0])
		p2 := slices.Repeat([]bn254.G2Affine{g2}, c[0])
		s := make([]fr.Element, c[1])
		if _, err := m.G1(p1, s); !errors.Is(err, accel.ErrInvalidParams) {
			t.Errorf("%s: G1(%d points, %d scalars) = %v, want %v", m.Backend(), c[0], c[1], err, accel.ErrInvalidParams)
		}
		if _, err := m.G2(p2, s); !errors.Is(err, accel.ErrInvalidParams) {
			t.Errorf("%s: G2(%d points, %d scalars) = %v, want %v", m.Backend(), c[0], c[1], err, accel.ErrInvalidParams)
		}
	}
}

// msmCancel checks sums that are the point at infinity: all scalars zero,
// all points at infinity, P and -P with equal scalars, P twice with s and
// r-s.
func msmCancel(t *testing.T, m msm.MSM) {
	g1, g2 := msmGenerators()
	var s, rs, five fr.Element
	s.SetUint64(123456789)
	rs.Neg(&s)
	five.SetUint64(5)
	var n1 bn254.G1Affine
	n1.Neg(&g1)
	var n2 bn254.G2Affine
	n2.Neg(&g2)
	cases := []struct {
		name string
		p1   []bn254.G1Affine
		p2   []bn254.G2Affine
		s    []fr.Element
	}{
		{"zero scalars", []bn254.G1Affine{g1, g1, n1}, []bn254.G2Affine{g2, g2, n2}, make([]fr.Element, 3)},
		{"infinity points", make([]bn254.G1Affine, 3), make([]bn254.G2Affine, 3), []fr.Element{s, rs, five}},
		{"P and -P", []bn254.G1Affine{g1, n1}, []bn254.G2Affine{g2, n2}, []fr.Element{s, s}},
		{"s and r-s", []bn254.G1Affine{g1, g1}, []bn254.G2Affine{g2, g2}, []fr.Element{s, rs}},
	}
	for _, c := range cases {
		got1, err := m.G1(c.p1, c.s)
		if err != nil || got1 != (bn254.G1Affine{}) {
			t.Errorf("%s: G1(%s) = %s, %v, want infinity", m.Backend(), c.name, got1.String(), err)
		}
		got2, err := m.G2(c.p2, c.s)
		if err != nil || got2 != (bn254.G2Affine{}) {
			t.Errorf("%s: G2(%s) = %s, %v, want infinity", m.Backend(), c.name, got2.String(), err)
		}
	}
}

// msmInput is one random MSM in both groups: points a_i·G (or infinity,
// a_i = 0), scalars s_i, and the expected sums (Σ a_i·s_i)·G.
type msmInput struct {
	p1    []bn254.G1Affine
	p2    []bn254.G2Affine
	s     []fr.Element
	want1 bn254.G1Affine
	want2 bn254.G2Affine
}

func msmRandomInput(rng *rand.Rand, n int) msmInput {
	g1, g2 := msmGenerators()
	edges := msmEdgeScalars()
	a := make([]fr.Element, n)
	s := make([]fr.Element, n)
	for i := range a {
		a[i] = randFr(rng)
		s[i] = randFr(rng)
		if rng.IntN(8) == 0 {
			s[i] = edges[rng.IntN(len(edges))]
		}
		if i > 0 && rng.IntN(10) == 0 {
			a[i] = a[rng.IntN(i)] // a duplicated point
		}
	}
	in := msmInput{
		p1: bn254.BatchScalarMultiplicationG1(&g1, a),
		p2: bn254.BatchScalarMultiplicationG2(&g2, a),
		s:  s,
	}
	for i := range a {
		if n > 1 && rng.IntN(16) == 0 {
			a[i].SetZero()
			in.p1[i], in.p2[i] = bn254.G1Affine{}, bn254.G2Affine{}
		}
	}
	var e, t fr.Element
	for i := range a {
		t.Mul(&a[i], &s[i])
		e.Add(&e, &t)
	}
	k := e.BigInt(new(big.Int))
	in.want1.ScalarMultiplication(&g1, k)
	in.want2.ScalarMultiplication(&g2, k)
	return in
}

// randFr returns a random 256-bit value reduced mod r.
func randFr(rng *rand.Rand) fr.Element {
	var b [32]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	var e fr.Element
	e.SetBytes(b[:])
	return e
}

func msmRandom(t *testing.T, m, ref msm.MSM) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range msmSizes {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			in := msmRandomInput(rng, n)
			p1, p2, s := slices.Clone(in.p1), slices.Clone(in.p2), slices.Clone(in.s)

			got1, err := m.G1(in.p1, in.s)
			if err != nil {
				t.Fatalf("%s: G1(%d points) = %v", m.Backend(), n, err)
			}
			if got1 != in.want1 {
				t.Errorf("%s: G1(%d points) = %s, want (Σ a_i·s_i)·G = %s", m.Backend(), n, got1.String(), in.want1.String())
			}
			refG1, err := ref.G1(in.p1, in.s)
			if err != nil || got1 != refG1 {
				t.Errorf("%s: G1(%d points) = %s, go backend %s, %v", m.Backend(), n, got1.String(), refG1.String(), err)
			}

			got2, err := m.G2(in.p2, in.s)
			if err != nil {
				t.Fatalf("%s: G2(%d points) = %v", m.Backend(), n, err)
			}
			if got2 != in.want2 {
				t.Errorf("%s: G2(%d points) = %s, want (Σ a_i·s_i)·G = %s", m.Backend(), n, got2.String(), in.want2.String())
			}
			refG2, err := ref.G2(in.p2, in.s)
			if err != nil || got2 != refG2 {
				t.Errorf("%s: G2(%d points) = %s, go backend %s, %v", m.Backend(), n, got2.String(), refG2.String(), err)
			}

			if !slices.Equal(p1, in.p1) || !slices.Equal(p2, in.p2) || !slices.Equal(s, in.s) {
				t.Errorf("%s: G1/G2(%d points) modified its inputs", m.Backend(), n)
			}
		})
	}
}

// msmConcurrent runs the same MSMs from several goroutines at once.
func msmConcurrent(t *testing.T, m msm.MSM) {
	in := msmRandomInput(rand.New(rand.NewPCG(15, 16)), 300)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			for range 2 {
				got1, err := m.G1(in.p1, in.s)
				if err == nil && got1 != in.want1 {
					err = fmt.Errorf("%s: concurrent G1 = %s, want %s", m.Backend(), got1.String(), in.want1.String())
				}
				if err == nil {
					var got2 bn254.G2Affine
					if got2, err = m.G2(in.p2, in.s); err == nil && got2 != in.want2 {
						err = fmt.Errorf("%s: concurrent G2 = %s, want %s", m.Backend(), got2.String(), in.want2.String())
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
