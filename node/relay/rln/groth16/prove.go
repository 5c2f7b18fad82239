package groth16

import (
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ErrWitness reports a witness that does not fit the proving key: wrong
// length or a first element other than 1. A witness of the right shape that
// does not satisfy the constraints is not detected; its proof simply does
// not verify.
var ErrWitness = errors.New("groth16: invalid witness")

// Proof is a Groth16 proof: A and C in G1, B in G2, affine.
type Proof struct {
	A bn254.G1Affine
	B bn254.G2Affine
	C bn254.G1Affine
}

// ProveRandom is Prove with the blinding scalars r and s drawn from
// crypto/rand, which is what a real prover must do: proofs with known r and
// s leak nothing about the witness only if r and s stay secret and fresh.
func ProveRandom(pk *ProvingKey, witness []fr.Element, opts ...Option) (Proof, error) {
	var r, s fr.Element
	if _, err := r.SetRandom(); err != nil {
		return Proof{}, fmt.Errorf("groth16: draw r: %w", err)
	}
	if _, err := s.SetRandom(); err != nil {
		return Proof{}, fmt.Errorf("groth16: draw s: %w", err)
	}
	return Prove(pk, witness, r, s, opts...)
}

// Prove returns the Groth16 proof of witness under pk with blinding
// scalars r and s, computed as snarkjs groth16 prove does:
//
//	A = α + Σ wᵢ·Aᵢ + r·δ           (G1)
//	B = β + Σ wᵢ·Bᵢ + s·δ           (G2; B₁ likewise in G1)
//	C = Σ_{i>nPublic} wᵢ·Cᵢ + Σ hⱼ·Hⱼ + s·A + r·B₁ − r·s·δ
//
// with h from the circom reduction (see the package documentation).
// witness is the full circuit witness, witness[0] = 1, public signals at
// 1..NPublic; otherwise the error wraps ErrWitness. Errors from the MSM
// engine are returned wrapped. Prove does not modify or retain witness and
// is safe for concurrent use with the same pk.
//
// Use ProveRandom outside tests: fixed r and s exist for reproducibility.
func Prove(pk *ProvingKey, witness []fr.Element, r, s fr.Element, opts ...Option) (Proof, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Proof{}, err
	}
	if len(witness) != pk.NVars {
		return Proof{}, fmt.Errorf("%w: %d elements, the key needs %d", ErrWitness, len(witness), pk.NVars)
	}
	if !witness[0].IsOne() {
		return Proof{}, fmt.Errorf("%w: witness[0] is not 1", ErrWitness)
	}
	sums, err := pk.msms(&cfg, witness, r)
	if err != nil {
		return Proof{}, err
	}
	return pk.assemble(&sums, r, s), nil
}

// msmSums holds the three MSM results of a proof.
type msmSums struct {
	a bn254.G1Affine // Σ wᵢ·Aᵢ
	b bn254.G2Affine // Σ wᵢ·B2ᵢ
	k bn254.G1Affine // Σ_{i>nPublic} wᵢ·Cᵢ + Σ hⱼ·Hⱼ + r·Σ wᵢ·B1ᵢ
}

// msms runs the MSMs concurrently, each on cfg's engine for its size. The
// key's C, H and B1 points form one MSM (k), as it is cheaper than three:
// B1 enters C only as r·B₁, so its scalars are r·wᵢ. That MSM waits for
// the quotient, which is computed while the A and B MSMs run.
func (pk *ProvingKey) msms(cfg *config, w []fr.Element, r fr.Element) (msmSums, error) {
	var (
		out  msmSums
		errs [3]error
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		var m MSM
		var scalars []fr.Element
		if scalars, errs[0] = pk.kScalars(cfg, w, r); errs[0] != nil {
			return
		}
		if m, errs[0] = cfg.engine(len(pk.kPoints)); errs[0] == nil {
			out.k, errs[0] = m.G1(pk.kPoints, scalars)
		}
	})
	wg.Go(func() {
		var m MSM
		if m, errs[1] = cfg.engine(len(pk.b2NZ.points)); errs[1] == nil {
			out.b, errs[1] = m.G2(pk.b2NZ.points, gather(w, pk.b2NZ.signals))
		}
	})
	var m MSM
	if m, errs[2] = cfg.engine(len(pk.aNZ.points)); errs[2] == nil {
		out.a, errs[2] = m.G1(pk.aNZ.points, gather(w, pk.aNZ.signals))
	}
	wg.Wait()
	for i, name := range [...]string{"C+H+B1", "B2", "A"} {
		if errs[i] != nil {
			return out, fmt.Errorf("groth16: MSM %s: %w", name, errs[i])
		}
	}
	return out, nil
}

// kScalars returns the scalars of the merged C, H, B1 MSM, in the order of
// kPoints: private wᵢ, then the quotient h, then r·wᵢ for the B1 points.
func (pk *ProvingKey) kScalars(cfg *config, w []fr.Element, r fr.Element) ([]fr.Element, error) {
	h, err := pk.quotient(cfg, w)
	if err != nil {
		return nil, err
	}
	out := make([]fr.Element, 0, len(pk.kPoints))
	out = append(out, w[pk.NPublic+1:]...)
	out = append(out, h...)
	for _, i := range pk.b1NZ.signals {
		var t fr.Element
		t.Mul(&w[i], &r)
		out = append(out, t)
	}
	return out, nil
}

// gather returns w[idx[k]] for each k.
func gather(w []fr.Element, idx []uint32) []fr.Element {
	out := make([]fr.Element, len(idx))
	for k, i := range idx {
		out[k] = w[i]
	}
	return out
}

// assemble adds the key's constants and the blinding terms to the MSM
// sums. With B₁ = β₁ + Σ wᵢ·B1ᵢ + s·δ₁, the C of the package
// documentation is k + s·A + r·β₁ (the r·s·δ₁ terms cancel).
func (pk *ProvingKey) assemble(m *msmSums, r, s fr.Element) Proof {
	var rb, sb big.Int
	r.BigInt(&rb)
	s.BigInt(&sb)

	// A = α + Σ wᵢ·Aᵢ + r·δ₁
	a := scaleG1(&pk.Delta1, &rb)
	a.AddMixed(&m.a)
	a.AddMixed(&pk.Alpha1)

	// B = β₂ + Σ wᵢ·B2ᵢ + s·δ₂
	var b bn254.G2Jac
	b.FromAffine(&pk.Delta2)
	b.ScalarMultiplication(&b, &sb)
	b.AddMixed(&m.b)
	b.AddMixed(&pk.Beta2)

	// C = k + s·A + r·β₁
	c := scaleG1(&pk.Beta1, &rb)
	c.AddMixed(&m.k)
	var sa bn254.G1Jac
	sa.ScalarMultiplication(&a, &sb)
	c.AddAssign(&sa)

	var p Proof
	p.A.FromJacobian(&a)
	p.B.FromJacobian(&b)
	p.C.FromJacobian(&c)
	return p
}

// scaleG1 returns s·p in Jacobian coordinates.
func scaleG1(p *bn254.G1Affine, s *big.Int) bn254.G1Jac {
	var j bn254.G1Jac
	j.FromAffine(p)
	j.ScalarMultiplication(&j, s)
	return j
}
