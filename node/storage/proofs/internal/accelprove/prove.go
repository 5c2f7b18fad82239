package accelprove

import (
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"

	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/accel/ntt"
)

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrUnsatisfied wraps the solver's error when the witness does not
	// satisfy the constraint system.
	ErrUnsatisfied = errors.New("accelprove: witness does not satisfy the constraints")
	// ErrUnsupported reports a key or constraint system this prover does
	// not handle (BSB22 commitments, a non-default FFT domain, a key that
	// does not match the system); prove those with gnark's groth16.Prove.
	ErrUnsupported = errors.New("accelprove: unsupported circuit or key")
)

// Option configures Prove.
type Option func(*config) error

type config struct {
	msm msm.MSM // nil: msm.ForSize per MSM
	ntt ntt.NTT // nil: ntt.ForSize for the domain
}

// WithMSM runs every MSM on m instead of the backend that accel/msm's
// router picks for each MSM's size. m must not be nil.
func WithMSM(m msm.MSM) Option {
	return func(c *config) error {
		if m == nil {
			return errors.New("accelprove: WithMSM(nil): pass an msm.MSM or leave the option out")
		}
		c.msm = m
		return nil
	}
}

// WithNTT runs every transform on k instead of the backend that accel/ntt's
// router picks for the domain size. k must not be nil.
func WithNTT(k ntt.NTT) Option {
	return func(c *config) error {
		if k == nil {
			return errors.New("accelprove: WithNTT(nil): pass an ntt.NTT or leave the option out")
		}
		c.ntt = k
		return nil
	}
}

// Prove returns a Groth16 proof of the constraint system r1cs for the full
// witness (public and secret parts) under pk, as gnark's groth16.Prove
// does: the same solver, the same proof for the same r and s, which are
// drawn with fr.Element.SetRandom (crypto/rand), r first. The MSMs run on
// accel/msm and the quotient's transforms on accel/ntt (see the package
// documentation).
//
// Errors: one wrapping ErrUnsatisfied when the solver rejects the witness;
// one wrapping ErrUnsupported for a system with BSB22 commitments, a key
// whose sizes do not match r1cs, or a key domain other than gnark-crypto's
// default; kernel errors (accel.ErrUnavailable for a forced backend that
// cannot run) wrapped with the step. pk, r1cs and full are only read; Prove
// is safe for concurrent use with the same key and system.
func Prove(r1cs *cs.R1CS, pk *groth16bn254.ProvingKey, full witness.Witness, opts ...Option) (*groth16bn254.Proof, error) {
	var cfg config
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := checkKey(r1cs, pk); err != nil {
		return nil, err
	}
	sol, err := r1cs.Solve(full)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsatisfied, err)
	}
	s := sol.(*cs.R1CSSolution)
	w := []fr.Element(s.W)
	if len(w) != len(pk.InfinityA) || len(w)-r1cs.GetNbPublicVariables() != len(pk.G1.K) {
		return nil, fmt.Errorf("%w: %d wires do not fit the key (%d A entries, %d K points); was the key set up for this system?",
			ErrUnsupported, len(w), len(pk.InfinityA), len(pk.G1.K))
	}

	var r, sb fr.Element
	if _, err := r.SetRandom(); err != nil {
		return nil, fmt.Errorf("accelprove: draw r: %w", err)
	}
	if _, err := sb.SetRandom(); err != nil {
		return nil, fmt.Errorf("accelprove: draw s: %w", err)
	}

	var (
		sums sums
		errs [3]error
		wg   sync.WaitGroup
	)
	// The wires' groups of equal values, computed once, by the first MSM
	// to ask (see mergeRepeats), and restricted to A's and B's wires;
	// C's quotient runs meanwhile.
	nA, nB, nPub := len(pk.G1.A), len(pk.G1.B), r1cs.GetNbPublicVariables()
	groups := sync.OnceValue(func() wireGroups {
		ids, n := valueGroups(w)
		return wireGroups{all: ids, a: skipInfinity(ids, pk.InfinityA, nA), b: skipInfinity(ids, pk.InfinityB, nB), n: n}
	})
	wA, wB := skipInfinity(w, pk.InfinityA, nA), skipInfinity(w, pk.InfinityB, nB)
	wg.Go(func() {
		g := groups()
		points, scalars := mergeRepeatsG1(pk.G1.A, wA, g.a, g.n)
		sums.a, errs[0] = msmG1(&cfg, "A", points, scalars)
	})
	wg.Go(func() {
		g := groups()
		points, scalars := mergeRepeatsG2(pk.G2.B, wB, g.b, g.n)
		sums.b2, errs[1] = msmG2(&cfg, "B in G2", points, scalars)
	})
	wg.Go(func() {
		sums.c, errs[2] = msmC(&cfg, pk, s, w[nPub:], wB, &r, func() (k, b []int32, n int32) {
			g := groups()
			return g.all[nPub:], g.b, g.n
		})
	})
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return assemble(pk, &sums, &r, &sb), nil
}

// wireGroups is a proof's grouping of its wires by value (valueGroups):
// each wire's group, below n, and the groups of the wires whose A and B
// points are not at infinity, in the order of those MSMs' scalars.
type wireGroups struct {
	all, a, b []int32
	n         int32
}

// msmC returns the MSM part of the proof's C:
//
//	Σ private wᵢ·Kᵢ + Σ (r·wᵢ)·Bᵢ (G1) + Σ hⱼ·Zⱼ,
//
// that is C − s·A − r·β (see assemble). gnark's B₁ = β + Σ wᵢ·Bᵢ + s·δ
// is only ever needed as r·B₁ inside C. The K and B points whose scalars
// repeat are summed first (see mergeRepeats); then the K and B terms run
// as one MSM and the Z terms as another. Where no scalars repeat and
// Prepare laid the K, B and Z points out as one array, all three run as
// one MSM (one bucket reduction per window instead of two); on a key not
// laid out, K and B run apart.
//
// The quotient h is computed first, into the scalars' Z part; the wires'
// part is filled meanwhile. groups returns the groups of equal values
// (valueGroups's numbers, below n) of the private wires and of wB.
func msmC(c *config, pk *groth16bn254.ProvingKey, s *cs.R1CSSolution, wPriv, wB []fr.Element, r *fr.Element, groups func() (k, b []int32, n int32)) (bn254.G1Affine, error) {
	nK, nB, nZ := len(pk.G1.K), len(pk.G1.B), len(pk.G1.Z)
	n := int(pk.Domain.Cardinality)
	// [private wires | r·wB | h (n slots; the last is h's zero top
	// coefficient in bit-reversed order, outside the MSM)]
	scalars := make([]fr.Element, nK+nB+n)
	copy(scalars, wPriv)
	rwB := scalars[nK : nK+nB]
	for i := range wB {
		rwB[i].Mul(&wB[i], r)
	}
	h := scalars[nK+nB:]
	if err := quotient(c, pk, h, s.A, s.B, s.C); err != nil {
		return bn254.G1Affine{}, err
	}
	type part struct {
		name    string
		points  []bn254.G1Affine
		scalars []fr.Element
	}
	idsK, idsB, nGroups := groups()
	var parts []part
	if all, ok := laidOut(pk); ok {
		// B's groups are numbered after K's: a K wire and an r·w scalar
		// are never merged (they are equal only by chance).
		ids := make([]int32, 0, nK+nB)
		ids = append(ids, idsK...)
		for _, g := range idsB {
			ids = append(ids, g+nGroups)
		}
		points, kb := mergeRepeatsG1(all[:nK+nB], scalars[:nK+nB], ids, 2*nGroups)
		if len(kb) == nK+nB { // nothing merged
			return msmG1(c, "C (K, B in G1 and Z as one)", all, scalars[:nK+nB+nZ])
		}
		parts = []part{{"C's K and B in G1", points, kb}}
	} else {
		pK, sK := mergeRepeatsG1(pk.G1.K, scalars[:nK], idsK, nGroups)
		pB, sB := mergeRepeatsG1(pk.G1.B, rwB, idsB, nGroups)
		parts = []part{{"K", pK, sK}, {"r·B in G1", pB, sB}}
	}
	var sum bn254.G1Jac
	for _, part := range append(parts, part{"Z", pk.G1.Z, h[:nZ]}) {
		p, err := msmG1(c, part.name, part.points, part.scalars)
		if err != nil {
			return bn254.G1Affine{}, err
		}
		sum.AddMixed(&p)
	}
	var out bn254.G1Affine
	out.FromJacobian(&sum)
	return out, nil
}

// Prepare lays the key's K, B (G1) and Z points out as one array, in that
// order, so that Prove computes them as one MSM (see msmC): it copies them
// once into a new array and points pk.G1.K, pk.G1.B and pk.G1.Z into it.
// The key is unchanged as a value (gnark's prover, verifier and
// serialisation see the same points); only its memory layout changes.
// Call it once after setting up or loading a key, before proving with it,
// never concurrently with a Prove that uses pk. It is a no-op on a key
// already laid out.
func Prepare(pk *groth16bn254.ProvingKey) {
	if _, ok := laidOut(pk); ok {
		return
	}
	nK, nB, nZ := len(pk.G1.K), len(pk.G1.B), len(pk.G1.Z)
	all := make([]bn254.G1Affine, 0, nK+nB+nZ)
	all = append(append(append(all, pk.G1.K...), pk.G1.B...), pk.G1.Z...)
	pk.G1.K = all[:nK] // its capacity reaches over B and Z: laidOut's mark
	pk.G1.B = all[nK : nK+nB]
	pk.G1.Z = all[nK+nB : nK+nB+nZ]
}

// laidOut returns the K, B and Z points as one slice when Prepare laid
// them out (consecutive in one array), else false.
func laidOut(pk *groth16bn254.ProvingKey) ([]bn254.G1Affine, bool) {
	nK, nB, nZ := len(pk.G1.K), len(pk.G1.B), len(pk.G1.Z)
	if nK == 0 || nB == 0 || nZ == 0 {
		return nil, false
	}
	// Prepare leaves K the capacity of the whole array, with B and Z
	// right after K.
	if cap(pk.G1.K) < nK+nB+nZ {
		return nil, false
	}
	all := pk.G1.K[:nK+nB+nZ]
	if &all[nK] != &pk.G1.B[0] || &all[nK+nB] != &pk.G1.Z[0] {
		return nil, false
	}
	return all, true
}

// checkKey refuses what this prover does not implement.
func checkKey(r1cs *cs.R1CS, pk *groth16bn254.ProvingKey) error {
	if c, ok := r1cs.CommitmentInfo.(constraint.Groth16Commitments); !ok || len(c) != 0 || len(pk.CommitmentKeys) != 0 {
		return fmt.Errorf("%w: the circuit uses BSB22 commitments; prove it with gnark's groth16.Prove", ErrUnsupported)
	}
	n := pk.Domain.Cardinality
	if n == 0 || n&(n-1) != 0 || n > 1<<ntt.MaxLogSize || uint64(len(pk.G1.Z)) != n-1 {
		return fmt.Errorf("%w: key domain of %d elements with %d Z points (want a power of two n and n-1 points)", ErrUnsupported, n, len(pk.G1.Z))
	}
	if uint64(r1cs.GetNbConstraints()) > n {
		return fmt.Errorf("%w: %d constraints exceed the key's domain of %d; was the key set up for this system?", ErrUnsupported, r1cs.GetNbConstraints(), n)
	}
	root, err := ntt.RootOfUnity(int(n))
	if err != nil {
		return err
	}
	if shift := ntt.CosetShift(); !pk.Domain.Generator.Equal(&root) || !pk.Domain.FrMultiplicativeGen.Equal(&shift) {
		return fmt.Errorf("%w: the key's FFT domain does not use gnark-crypto's default root of unity and coset shift; prove with gnark's groth16.Prove", ErrUnsupported)
	}
	if len(pk.G1.A) != len(pk.InfinityA)-int(pk.NbInfinityA) || len(pk.G1.B) != len(pk.InfinityB)-int(pk.NbInfinityB) || len(pk.G2.B) != len(pk.G1.B) {
		return fmt.Errorf("%w: the key's A and B points do not match its infinity masks (corrupt key?)", ErrUnsupported)
	}
	return nil
}

// skipInfinity returns the wires' values (or their groups) whose key
// point is not the point at infinity (infinity[i] false), in order: the
// scalars of an MSM over the key's A or B points, which omit those points.
// n is the count expected.
func skipInfinity[T any](w []T, infinity []bool, n int) []T {
	out := make([]T, 0, n)
	for i, inf := range infinity {
		if !inf {
			out = append(out, w[i])
		}
	}
	return out
}

// sums holds the MSM results of one proof.
type sums struct {
	a  bn254.G1Affine // Σ wᵢ·Aᵢ
	b2 bn254.G2Affine // Σ wᵢ·Bᵢ in G2
	c  bn254.G1Affine // Σ private wᵢ·Kᵢ + Σ (r·wᵢ)·Bᵢ (G1) + Σ hⱼ·Zⱼ (msmC)
}

// engine returns the MSM backend for an MSM of n points.
func (c *config) engine(n int) (msm.MSM, error) {
	if c.msm != nil {
		return c.msm, nil
	}
	return msm.ForSize(n)
}

func msmG1(c *config, name string, points []bn254.G1Affine, scalars []fr.Element) (bn254.G1Affine, error) {
	return runMSM(c, name, len(points), func(m msm.MSM) (bn254.G1Affine, error) { return m.G1(points, scalars) })
}

func msmG2(c *config, name string, points []bn254.G2Affine, scalars []fr.Element) (bn254.G2Affine, error) {
	return runMSM(c, name, len(points), func(m msm.MSM) (bn254.G2Affine, error) { return m.G2(points, scalars) })
}

// runMSM runs one MSM of n points on the engine for n and names the MSM in
// errors.
func runMSM[P any](c *config, name string, n int, run func(msm.MSM) (P, error)) (P, error) {
	m, err := c.engine(n)
	if err == nil {
		var sum P
		if sum, err = run(m); err == nil {
			return sum, nil
		}
	}
	return *new(P), fmt.Errorf("accelprove: MSM %s of %d points: %w", name, n, err)
}

// assemble adds the key's constants and the blinding terms to the sums:
//
//	A = α + Σ wᵢ·Aᵢ + r·δ                    (G1)
//	B = β + Σ wᵢ·Bᵢ + s·δ                    (G2; B₁ the same in G1)
//	C = Σ wᵢ·Kᵢ + Σ hⱼ·Zⱼ + s·A + r·B₁ − r·s·δ (G1)
//
// where r·B₁ − r·s·δ = r·β + Σ (r·wᵢ)·Bᵢ, so C = m.c + s·A + r·β₁ with
// m.c from msmC.
func assemble(pk *groth16bn254.ProvingKey, m *sums, r, s *fr.Element) *groth16bn254.Proof {
	var rb, sb big.Int
	r.BigInt(&rb)
	s.BigInt(&sb)

	a := mulAdd(&pk.G1.Delta, &rb, &m.a, &pk.G1.Alpha)

	var b bn254.G2Jac
	b.FromAffine(&pk.G2.Delta)
	b.ScalarMultiplication(&b, &sb)
	b.AddMixed(&m.b2)
	b.AddMixed(&pk.G2.Beta)

	var c, t bn254.G1Jac
	c.FromAffine(&pk.G1.Beta)
	c.ScalarMultiplication(&c, &rb)
	c.AddMixed(&m.c)
	t.ScalarMultiplication(&a, &sb)
	c.AddAssign(&t)

	p := &groth16bn254.Proof{Commitments: []bn254.G1Affine{}}
	p.Ar.FromJacobian(&a)
	p.Bs.FromJacobian(&b)
	p.Krs.FromJacobian(&c)
	return p
}

// mulAdd returns e·p + q1 + q2 in Jacobian coordinates.
func mulAdd(p *bn254.G1Affine, e *big.Int, q1, q2 *bn254.G1Affine) bn254.G1Jac {
	var j bn254.G1Jac
	j.FromAffine(p)
	j.ScalarMultiplication(&j, e)
	j.AddMixed(q1)
	j.AddMixed(q2)
	return j
}
