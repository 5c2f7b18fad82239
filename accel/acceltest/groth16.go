package acceltest

import (
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
	"github.com/cairn-node/cairn/accel/groth16verify"
)

// RunGroth16Verify checks backend b of the Groth16 verification kernel
// against the Groth16 equation itself and against the go backend. Keys and
// proofs come from a simulated setup whose trapdoor (α, β, γ, δ and the IC
// scalars) the suite knows, so it can make valid proofs for any public
// inputs without a circuit: A = a·G₁, B = b·G₂ and C = c·G₁ with
// c = (a·b − α·β − l·γ)/δ, l the input commitment's scalar. Keys have 0, 1,
// 5 and 12 public inputs (12 sends the input commitment through accel/msm).
//
// It checks: valid proofs verify; tampered ones (another public input, −A,
// C of another proof, another B) do not; malformed points (off the curve,
// a G2 point on the twist outside the subgroup) give false and an error
// wrapping groth16verify.ErrInvalidProof, never a panic; the all-infinity
// proof is false; wrong input counts and unbuilt keys are errors; batches
// with k bad proofs among n report exactly those; inputs are left
// unmodified; concurrent calls agree. It skips when b is unavailable in
// this build.
func RunGroth16Verify(t *testing.T, b accel.Backend) {
	t.Helper()
	v, ref := kernelPair(t, b, "groth16verify.New", groth16verify.New)
	rng := rand.New(rand.NewPCG(7, 16))
	setups := make(map[int]*g16Setup)
	for _, n := range []int{0, 1, 5, 12} {
		setups[n] = newG16Setup(t, rng, n)
	}
	t.Run("valid", func(t *testing.T) { g16Valid(t, v, ref, rng, setups) })
	t.Run("tampered", func(t *testing.T) { g16Tampered(t, v, rng, setups[5]) })
	t.Run("malformed", func(t *testing.T) { g16Malformed(t, v, rng, setups[5]) })
	t.Run("errors", func(t *testing.T) { g16Errors(t, v, rng, setups[5]) })
	t.Run("batch", func(t *testing.T) { g16Batch(t, v, ref, rng, setups) })
	t.Run("concurrent", func(t *testing.T) { g16Concurrent(t, v, rng, setups[5]) })
}

// g16Setup is a simulated Groth16 setup: a verifying key and its trapdoor.
type g16Setup struct {
	vk                        *groth16verify.VerifyingKey
	alpha, beta, gamma, delta fr.Element
	ic                        []fr.Element // IC[j] = ic[j]·G₁
}

func frBig(e *fr.Element) *big.Int {
	var v big.Int
	return e.BigInt(&v)
}

func g1Mul(s *fr.Element) bn254.G1Affine {
	g1, _ := msmGenerators()
	var p bn254.G1Affine
	return *p.ScalarMultiplication(&g1, frBig(s))
}

func g2Mul(s *fr.Element) bn254.G2Affine {
	_, g2 := msmGenerators()
	var p bn254.G2Affine
	return *p.ScalarMultiplication(&g2, frBig(s))
}

func nonZeroFr(rng *rand.Rand) fr.Element {
	for {
		if e := randFr(rng); !e.IsZero() {
			return e
		}
	}
}

func newG16Setup(t *testing.T, rng *rand.Rand, nPublic int) *g16Setup {
	t.Helper()
	s := &g16Setup{alpha: nonZeroFr(rng), beta: nonZeroFr(rng), gamma: nonZeroFr(rng), delta: nonZeroFr(rng)}
	ic := make([]bn254.G1Affine, nPublic+1)
	for j := range ic {
		s.ic = append(s.ic, nonZeroFr(rng))
		ic[j] = g1Mul(&s.ic[j])
	}
	vk, err := groth16verify.NewVerifyingKey(g1Mul(&s.alpha), g2Mul(&s.beta), g2Mul(&s.gamma), g2Mul(&s.delta), ic)
	if err != nil {
		t.Fatalf("NewVerifyingKey(simulated, %d inputs) = %v", nPublic, err)
	}
	if vk.NumPublic() != nPublic {
		t.Fatalf("NumPublic() = %d, want %d", vk.NumPublic(), nPublic)
	}
	s.vk = vk
	return s
}

// inputs returns n random public inputs.
func (s *g16Setup) inputs(rng *rand.Rand) []fr.Element {
	in := make([]fr.Element, len(s.ic)-1)
	for i := range in {
		in[i] = randFr(rng)
	}
	return in
}

// prove returns a valid proof for public, made with the trapdoor.
func (s *g16Setup) prove(rng *rand.Rand, public []fr.Element) groth16verify.Proof {
	a, b := nonZeroFr(rng), nonZeroFr(rng)
	l := s.ic[0]
	var t, c, dInv fr.Element
	for i := range public {
		t.Mul(&public[i], &s.ic[i+1])
		l.Add(&l, &t)
	}
	c.Mul(&a, &b)
	t.Mul(&s.alpha, &s.beta)
	c.Sub(&c, &t)
	t.Mul(&l, &s.gamma)
	c.Sub(&c, &t)
	dInv.Inverse(&s.delta)
	c.Mul(&c, &dInv)
	return groth16verify.Proof{A: g1Mul(&a), B: g2Mul(&b), C: g1Mul(&c)}
}

// g16Verify calls v.Verify and fails the test on an unexpected result.
func g16Verify(t *testing.T, v groth16verify.Verifier, vk *groth16verify.VerifyingKey, p groth16verify.Proof, in []fr.Element, want bool, wantErr error) {
	t.Helper()
	got, err := v.Verify(vk, p, in)
	if got != want || !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
		t.Errorf("%s: Verify = %v, %v, want %v, %v", v.Backend(), got, err, want, wantErr)
	}
}

func g16Valid(t *testing.T, v, ref groth16verify.Verifier, rng *rand.Rand, setups map[int]*g16Setup) {
	for n, s := range setups {
		for range 3 {
			in := s.inputs(rng)
			p := s.prove(rng, in)
			inCopy, pCopy := slices.Clone(in), p
			g16Verify(t, v, s.vk, p, in, true, nil)
			g16Verify(t, ref, s.vk, p, in, true, nil)
			if !slices.Equal(in, inCopy) || p != pCopy {
				t.Errorf("%d inputs: Verify modified its arguments", n)
			}
		}
		// Edge inputs: all zero, all r-1.
		zero := make([]fr.Element, n)
		g16Verify(t, v, s.vk, s.prove(rng, zero), zero, true, nil)
		top := make([]fr.Element, n)
		for i := range top {
			top[i].SetOne()
			top[i].Neg(&top[i])
		}
		g16Verify(t, v, s.vk, s.prove(rng, top), top, true, nil)
	}
}

// g16Tamper returns variants of a valid proof p for in that must not
// verify, each with its name.
func g16Tamper(rng *rand.Rand, s *g16Setup, p groth16verify.Proof, in []fr.Element) []g16Case {
	other := s.prove(rng, s.inputs(rng))
	var one fr.Element
	one.SetOne()
	cases := []g16Case{
		{"-A", groth16verify.Proof{B: p.B, C: p.C}, in},
		{"C of another proof", groth16verify.Proof{A: p.A, B: p.B, C: other.C}, in},
		{"B of another proof", groth16verify.Proof{A: p.A, B: other.B, C: p.C}, in},
		{"A and C swapped", groth16verify.Proof{A: p.C, B: p.B, C: p.A}, in},
	}
	cases[0].p.A.Neg(&p.A)
	for i := range in {
		bad := slices.Clone(in)
		bad[i].Add(&bad[i], &one)
		cases = append(cases, g16Case{fmt.Sprintf("input %d + 1", i), p, bad})
	}
	return cases
}

type g16Case struct {
	name string
	p    groth16verify.Proof
	in   []fr.Element
}

func g16Tampered(t *testing.T, v groth16verify.Verifier, rng *rand.Rand, s *g16Setup) {
	in := s.inputs(rng)
	p := s.prove(rng, in)
	for _, c := range g16Tamper(rng, s, p, in) {
		t.Run(c.name, func(t *testing.T) { g16Verify(t, v, s.vk, c.p, c.in, false, nil) })
	}
	// The all-infinity proof is well formed and false.
	g16Verify(t, v, s.vk, groth16verify.Proof{}, in, false, nil)
}

// g16OffSubgroupG2 returns a point on the twist E'(F_p²) outside the
// prime-order subgroup G2 (the twist's cofactor is large, so almost every
// point is one).
func g16OffSubgroupG2(t *testing.T) bn254.G2Affine {
	t.Helper()
	// b' = 3/(9+u): the twist is y² = x³ + b'.
	var bTwist, xi, three bn254.E2
	three.A0.SetUint64(3)
	xi.A0.SetUint64(9)
	xi.A1.SetOne()
	bTwist.Inverse(&xi).Mul(&bTwist, &three)
	for k := uint64(1); k < 100; k++ {
		var p bn254.G2Affine
		p.X.A0.SetUint64(k)
		var rhs bn254.E2
		rhs.Square(&p.X).Mul(&rhs, &p.X).Add(&rhs, &bTwist)
		if rhs.Legendre() != 1 {
			continue
		}
		p.Y.Sqrt(&rhs)
		if p.IsOnCurve() && !p.IsInSubGroup() {
			return p
		}
	}
	t.Fatal("no small x gives a twist point outside G2; the test is vacuous")
	return bn254.G2Affine{}
}

// g16Malformed checks that proofs with points outside their groups are
// false with ErrInvalidProof.
func g16Malformed(t *testing.T, v groth16verify.Verifier, rng *rand.Rand, s *g16Setup) {
	in := s.inputs(rng)
	for _, c := range g16BadPoints(t, s.prove(rng, in)) {
		t.Run(c.name, func(t *testing.T) { g16Verify(t, v, s.vk, c.p, in, false, groth16verify.ErrInvalidProof) })
	}
}

// g16BadPoints returns variants of p with one point outside its group. G1
// has cofactor 1, so a bad G1 point is one off the curve.
func g16BadPoints(t *testing.T, p groth16verify.Proof) []g16Case {
	t.Helper()
	offA, offC, offB, twistB := p, p, p, p
	offA.A.Y.SetOne() // (x, 1) is not on the curve
	offC.C.X.SetUint64(5)
	offB.B.Y.A1.SetOne()
	twistB.B = g16OffSubgroupG2(t)
	return []g16Case{
		{"A off the curve", offA, nil},
		{"C off the curve", offC, nil},
		{"B off the twist", offB, nil},
		{"B outside G2", twistB, nil},
	}
}

func g16Errors(t *testing.T, v groth16verify.Verifier, rng *rand.Rand, s *g16Setup) {
	in := s.inputs(rng)
	p := s.prove(rng, in)
	for _, n := range []int{0, len(in) - 1, len(in) + 1} {
		if ok, err := v.Verify(s.vk, p, make([]fr.Element, n)); ok || !errors.Is(err, accel.ErrInvalidParams) {
			t.Errorf("Verify(%d inputs, key for %d) = %v, %v, want false, %v", n, len(in), ok, err, accel.ErrInvalidParams)
		}
	}
	for _, vk := range []*groth16verify.VerifyingKey{nil, {IC: s.vk.IC}} {
		if ok, err := v.Verify(vk, p, in); ok || !errors.Is(err, groth16verify.ErrInvalidKey) {
			t.Errorf("Verify(unbuilt key) = %v, %v, want false, %v", ok, err, groth16verify.ErrInvalidKey)
		}
		if oks, err := v.BatchVerify(vk, []groth16verify.Proof{p}, [][]fr.Element{in}); oks != nil || !errors.Is(err, groth16verify.ErrInvalidKey) {
			t.Errorf("BatchVerify(unbuilt key) = %v, %v, want nil, %v", oks, err, groth16verify.ErrInvalidKey)
		}
	}
	if oks, err := v.BatchVerify(s.vk, []groth16verify.Proof{p, p}, [][]fr.Element{in}); oks != nil || !errors.Is(err, accel.ErrInvalidParams) {
		t.Errorf("BatchVerify(2 proofs, 1 input list) = %v, %v, want nil, %v", oks, err, accel.ErrInvalidParams)
	}
	if oks, err := v.BatchVerify(s.vk, []groth16verify.Proof{p, p}, [][]fr.Element{in, in[1:]}); oks != nil || !errors.Is(err, accel.ErrInvalidParams) {
		t.Errorf("BatchVerify(short input list) = %v, %v, want nil, %v", oks, err, accel.ErrInvalidParams)
	}
	if oks, err := v.BatchVerify(s.vk, nil, nil); err != nil || len(oks) != 0 {
		t.Errorf("BatchVerify(empty) = %v, %v, want [], nil", oks, err)
	}
	// Bad keys.
	g1, g2 := msmGenerators()
	var offG1 bn254.G1Affine
	offG1.X.SetOne()
	offG1.Y.SetOne()
	bad := []struct {
		name  string
		alpha bn254.G1Affine
		g2s   [3]bn254.G2Affine
		ic    []bn254.G1Affine
	}{
		{"no IC", g1, [3]bn254.G2Affine{g2, g2, g2}, nil},
		{"alpha off the curve", offG1, [3]bn254.G2Affine{g2, g2, g2}, []bn254.G1Affine{g1}},
		{"alpha at infinity", bn254.G1Affine{}, [3]bn254.G2Affine{g2, g2, g2}, []bn254.G1Affine{g1}},
		{"delta outside G2", g1, [3]bn254.G2Affine{g2, g2, g16OffSubgroupG2(t)}, []bn254.G1Affine{g1}},
		{"gamma at infinity", g1, [3]bn254.G2Affine{g2, {}, g2}, []bn254.G1Affine{g1}},
		{"IC[1] off the curve", g1, [3]bn254.G2Affine{g2, g2, g2}, []bn254.G1Affine{g1, offG1}},
	}
	for _, c := range bad {
		if vk, err := groth16verify.NewVerifyingKey(c.alpha, c.g2s[0], c.g2s[1], c.g2s[2], c.ic); vk != nil || !errors.Is(err, groth16verify.ErrInvalidKey) {
			t.Errorf("NewVerifyingKey(%s) = %v, %v, want nil, %v", c.name, vk, err, groth16verify.ErrInvalidKey)
		}
	}
}

// g16BatchInput is a batch with the expected answer of each proof.
type g16BatchInput struct {
	proofs  []groth16verify.Proof
	publics [][]fr.Element
	want    []bool
}

// g16MakeBatch makes n proofs of which those at bad are tampered or
// malformed (kinds rotate).
func g16MakeBatch(t *testing.T, rng *rand.Rand, s *g16Setup, n int, bad []int) g16BatchInput {
	t.Helper()
	var in g16BatchInput
	for i := range n {
		pub := s.inputs(rng)
		p := s.prove(rng, pub)
		want := !slices.Contains(bad, i)
		if !want {
			var cases []g16Case
			if i%2 == 0 {
				cases = g16Tamper(rng, s, p, pub)
			} else {
				cases = g16BadPoints(t, p)
			}
			c := cases[rng.IntN(len(cases))]
			p = c.p
			if c.in != nil {
				pub = c.in
			}
		}
		in.proofs = append(in.proofs, p)
		in.publics = append(in.publics, pub)
		in.want = append(in.want, want)
	}
	return in
}

func g16Batch(t *testing.T, v, ref groth16verify.Verifier, rng *rand.Rand, setups map[int]*g16Setup) {
	cases := []struct {
		nPublic, n int
		bad        []int
	}{
		{5, 1, nil}, {5, 1, []int{0}}, {5, 2, []int{1}}, {0, 7, []int{0, 6}},
		{1, 16, nil}, {5, 33, []int{0, 9, 10, 32}}, {12, 20, []int{3, 17}},
		{5, 40, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("inputs=%d/n=%d/bad=%d", c.nPublic, c.n, len(c.bad)), func(t *testing.T) {
			in := g16MakeBatch(t, rng, setups[c.nPublic], c.n, c.bad)
			proofs, publics := slices.Clone(in.proofs), make([][]fr.Element, len(in.publics))
			for i := range publics {
				publics[i] = slices.Clone(in.publics[i])
			}
			got, err := v.BatchVerify(setups[c.nPublic].vk, in.proofs, in.publics)
			if err != nil {
				t.Fatalf("BatchVerify = %v", err)
			}
			if !slices.Equal(got, in.want) {
				t.Errorf("%s: BatchVerify = %v, want %v", v.Backend(), got, in.want)
			}
			if !slices.Equal(proofs, in.proofs) {
				t.Errorf("BatchVerify modified the proofs")
			}
			if !slices.EqualFunc(publics, in.publics, slices.Equal) {
				t.Errorf("BatchVerify modified the public inputs")
			}
			if refGot, err := ref.BatchVerify(setups[c.nPublic].vk, in.proofs, in.publics); err != nil || !slices.Equal(refGot, got) {
				t.Errorf("go BatchVerify = %v, %v, want %v like %s", refGot, err, got, v.Backend())
			}
		})
	}
}

func g16Concurrent(t *testing.T, v groth16verify.Verifier, rng *rand.Rand, s *g16Setup) {
	in := g16MakeBatch(t, rng, s, 12, []int{2, 7})
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(in.proofs))
	for w := range 4 {
		wg.Go(func() {
			got, err := v.BatchVerify(s.vk, in.proofs, in.publics)
			if err != nil || !slices.Equal(got, in.want) {
				errs <- fmt.Errorf("worker %d: BatchVerify = %v, %v, want %v", w, got, err, in.want)
			}
		})
		wg.Go(func() {
			for i := w; i < len(in.proofs); i += 4 {
				got, _ := v.Verify(s.vk, in.proofs[i], in.publics[i])
				if got != in.want[i] {
					errs <- fmt.Errorf("worker %d: Verify(proof %d) = %v, want %v", w, i, got, in.want[i])
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
