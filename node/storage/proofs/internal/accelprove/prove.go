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
		errs [5]error
		wg   sync.WaitGroup
	)
	wA := skipInfinity(w, pk.InfinityA, len(pk.G1.A))
	wB := skipInfinity(w, pk.InfinityB, len(pk.G1.B))
	wg.Go(func() { sums.a, errs[0] = msmG1(&cfg, "A", pk.G1.A, wA) })
	wg.Go(func() { sums.b1, errs[1] = msmG1(&cfg, "B in G1", pk.G1.B, wB) })
	wg.Go(func() { sums.b2, errs[2] = msmG2(&cfg, "B in G2", pk.G2.B, wB) })
	wg.Go(func() { sums.k, errs[3] = msmG1(&cfg, "K", pk.G1.K, w[r1cs.GetNbPublicVariables():]) })
	wg.Go(func() {
		var h []fr.Element
		if h, errs[4] = quotient(&cfg, pk, s.A, s.B, s.C); errs[4] == nil {
			sums.z, errs[4] = msmG1(&cfg, "Z", pk.G1.Z, h[:len(pk.G1.Z)])
		}
	})
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return assemble(pk, &sums, &r, &sb), nil
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

// skipInfinity returns the wires whose key point is not the point at
// infinity (infinity[i] false), in order: the scalars of an MSM over the
// key's A or B points, which omit those points. n is the count expected.
func skipInfinity(w []fr.Element, infinity []bool, n int) []fr.Element {
	out := make([]fr.Element, 0, n)
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
	b1 bn254.G1Affine // Σ wᵢ·Bᵢ in G1
	b2 bn254.G2Affine // Σ wᵢ·Bᵢ in G2
	k  bn254.G1Affine // Σ private wᵢ·Kᵢ
	z  bn254.G1Affine // Σ hⱼ·Zⱼ
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
func assemble(pk *groth16bn254.ProvingKey, m *sums, r, s *fr.Element) *groth16bn254.Proof {
	var rb, sb big.Int
	r.BigInt(&rb)
	s.BigInt(&sb)

	a := mulAdd(&pk.G1.Delta, &rb, &m.a, &pk.G1.Alpha)
	b1 := mulAdd(&pk.G1.Delta, &sb, &m.b1, &pk.G1.Beta)

	var b bn254.G2Jac
	b.FromAffine(&pk.G2.Delta)
	b.ScalarMultiplication(&b, &sb)
	b.AddMixed(&m.b2)
	b.AddMixed(&pk.G2.Beta)

	// C: r·s·δ is subtracted as (−r·s)·δ.
	var rs fr.Element
	rs.Mul(r, s).Neg(&rs)
	c := mulAdd(&pk.G1.Delta, rs.BigInt(new(big.Int)), &m.k, &m.z)
	var t bn254.G1Jac
	t.ScalarMultiplication(&a, &sb)
	c.AddAssign(&t)
	t.ScalarMultiplication(&b1, &rb)
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
