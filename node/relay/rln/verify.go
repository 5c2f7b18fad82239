package rln

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Verify checks a Groth16 proof against vk and the public inputs in circuit
// order (y, root, nullifier, x, external_nullifier):
//
//	e(A, B) = e(α, β) · e(IC₀ + Σ inputᵢ·ICᵢ₊₁, γ) · e(C, δ)
//
// It returns (false, nil) for a well-formed proof that does not verify, and
// (false, err) with err wrapping ErrInvalidProof when a point of proof is not
// on its curve or not in the prime-order subgroup (possible only for a Proof
// not built by DecodeCompressed). vk must not be nil. Verify is safe for
// concurrent use.
func Verify(vk *VerifyingKey, proof Proof, publicInputs [NumPublicInputs]fr.Element) (bool, error) {
	if err := checkProof(&proof); err != nil {
		return false, err
	}
	l, err := vk.inputCommitment(publicInputs[:])
	if err != nil {
		return false, err
	}
	return vk.check(&proof.A, &proof.B, &l, &proof.C, nil)
}

// checkProof validates the points of p.
func checkProof(p *Proof) error {
	if !p.A.IsInSubGroup() { // IsInSubGroup includes IsOnCurve
		return fmt.Errorf("%w: A is not in G1", ErrInvalidProof)
	}
	if !p.B.IsInSubGroup() {
		return fmt.Errorf("%w: B is not in G2", ErrInvalidProof)
	}
	if !p.C.IsInSubGroup() {
		return fmt.Errorf("%w: C is not in G1", ErrInvalidProof)
	}
	return nil
}

// inputCommitment returns IC₀ + Σ inputᵢ·ICᵢ₊₁.
func (vk *VerifyingKey) inputCommitment(inputs []fr.Element) (bn254.G1Affine, error) {
	var l bn254.G1Affine
	if len(vk.IC) != len(inputs)+1 {
		return l, fmt.Errorf("rln: verifying key has %d IC points for %d public inputs", len(vk.IC), len(inputs))
	}
	var acc bn254.G1Jac
	if _, err := acc.MultiExp(vk.IC[1:], inputs, ecc.MultiExpConfig{NbTasks: 1}); err != nil {
		return l, fmt.Errorf("rln: input commitment: %w", err)
	}
	acc.AddMixed(&vk.IC[0])
	l.FromJacobian(&acc)
	return l, nil
}

// check tests e(A,B)·e(L,−γ)·e(C,−δ) = target, where target defaults to
// e(α,β).
func (vk *VerifyingKey) check(a *bn254.G1Affine, b *bn254.G2Affine, l, c *bn254.G1Affine, target *bn254.GT) (bool, error) {
	f, err := bn254.MillerLoopFixedQ(
		[]bn254.G1Affine{*l, *c},
		[][2][len(bn254.LoopCounter)]bn254.LineEvaluationAff{vk.gammaLines, vk.deltaLines},
	)
	if err != nil {
		return false, fmt.Errorf("rln: miller loop: %w", err)
	}
	if !a.IsInfinity() && !b.IsInfinity() {
		ab, err := bn254.MillerLoop([]bn254.G1Affine{*a}, []bn254.G2Affine{*b})
		if err != nil {
			return false, fmt.Errorf("rln: miller loop: %w", err)
		}
		f.Mul(&f, &ab)
	}
	got := bn254.FinalExponentiation(&f)
	if target == nil {
		target = &vk.alphaBeta
	}
	return got.Equal(target), nil
}

// BatchItem is one proof and its public inputs for BatchVerify.
type BatchItem struct {
	Proof        Proof
	PublicInputs [NumPublicInputs]fr.Element
}

// BatchVerify verifies many proofs at once and reports, per item, whether it
// verified. It first checks a random linear combination of all proofs with
// one multi-Miller loop and one final exponentiation:
//
//	∏ e(rᵢ·Aᵢ, Bᵢ) · e(Σ rᵢ·Lᵢ, −γ) · e(Σ rᵢ·Cᵢ, −δ) = e(α, β)^(Σ rᵢ)
//
// with independent random 128-bit rᵢ, so a batch containing an invalid proof
// passes with probability at most about 2⁻¹²⁸. If the batch fails it is
// bisected until the invalid proofs are found, so a batch with k bad proofs
// costs O(k·log n) combined checks. An item whose points are malformed is
// reported false and does not affect the others. The returned error is
// non-nil only for a bad verifying key or a failure of the random source.
// BatchVerify does not modify items and is safe for concurrent use.
func BatchVerify(vk *VerifyingKey, items []BatchItem) ([]bool, error) {
	ok := make([]bool, len(items))
	type prepared struct {
		idx int
		l   bn254.G1Affine
	}
	good := make([]prepared, 0, len(items))
	for i := range items {
		if checkProof(&items[i].Proof) != nil {
			continue
		}
		l, err := vk.inputCommitment(items[i].PublicInputs[:])
		if err != nil {
			return nil, err
		}
		good = append(good, prepared{idx: i, l: l})
	}
	var rec func(part []prepared) error
	rec = func(part []prepared) error {
		if len(part) == 0 {
			return nil
		}
		if len(part) == 1 {
			p := &items[part[0].idx].Proof
			v, err := vk.check(&p.A, &p.B, &part[0].l, &p.C, nil)
			if err != nil {
				return err
			}
			ok[part[0].idx] = v
			return nil
		}
		idx := make([]int, len(part))
		ls := make([]bn254.G1Affine, len(part))
		for k, p := range part {
			idx[k], ls[k] = p.idx, p.l
		}
		v, err := vk.batchCheck(items, idx, ls)
		if err != nil {
			return err
		}
		if v {
			for _, p := range part {
				ok[p.idx] = true
			}
			return nil
		}
		mid := len(part) / 2
		if err := rec(part[:mid]); err != nil {
			return err
		}
		return rec(part[mid:])
	}
	if err := rec(good); err != nil {
		return nil, err
	}
	return ok, nil
}

// batchCheck runs the randomized combined check over items[idx[k]] with
// input commitments ls[k].
func (vk *VerifyingKey) batchCheck(items []BatchItem, idx []int, ls []bn254.G1Affine) (bool, error) {
	n := len(idx)
	rs := make([]fr.Element, n)
	var sum fr.Element
	var rnd [16]byte
	for k := range rs {
		if _, err := rand.Read(rnd[:]); err != nil {
			return false, fmt.Errorf("rln: batch verify randomness: %w", err)
		}
		rs[k].SetBigInt(new(big.Int).SetBytes(rnd[:]))
		sum.Add(&sum, &rs[k])
	}
	ps := make([]bn254.G1Affine, 0, n)
	qs := make([]bn254.G2Affine, 0, n)
	cs := make([]bn254.G1Affine, n)
	var rbig big.Int
	for k, i := range idx {
		p := &items[i].Proof
		cs[k] = p.C
		if p.A.IsInfinity() || p.B.IsInfinity() {
			continue
		}
		rs[k].BigInt(&rbig)
		var ra bn254.G1Affine
		ra.ScalarMultiplication(&p.A, &rbig)
		ps = append(ps, ra)
		qs = append(qs, p.B)
	}
	cfg := ecc.MultiExpConfig{}
	var lsum, csum bn254.G1Affine
	if _, err := lsum.MultiExp(ls, rs, cfg); err != nil {
		return false, fmt.Errorf("rln: batch verify: %w", err)
	}
	if _, err := csum.MultiExp(cs, rs, cfg); err != nil {
		return false, fmt.Errorf("rln: batch verify: %w", err)
	}
	f, err := bn254.MillerLoopFixedQ(
		[]bn254.G1Affine{lsum, csum},
		[][2][len(bn254.LoopCounter)]bn254.LineEvaluationAff{vk.gammaLines, vk.deltaLines},
	)
	if err != nil {
		return false, fmt.Errorf("rln: miller loop: %w", err)
	}
	if len(ps) > 0 {
		ab, err := bn254.MillerLoop(ps, qs)
		if err != nil {
			return false, fmt.Errorf("rln: miller loop: %w", err)
		}
		f.Mul(&f, &ab)
	}
	got := bn254.FinalExponentiation(&f)
	var sumBig big.Int
	sum.BigInt(&sumBig)
	var target bn254.GT
	target.Exp(vk.alphaBeta, &sumBig)
	return got.Equal(&target), nil
}
