package rln

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"runtime"
	"sync"

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
// passes with probability at most about 2⁻¹²⁸. Σ rᵢ·Lᵢ is computed as
// (Σ rᵢ)·IC₀ + Σⱼ (Σᵢ rᵢ·inputᵢⱼ)·ICⱼ₊₁, a six-point multi-exponentiation
// whatever the batch size, and the per-proof work (subgroup checks, rᵢ·Aᵢ,
// Miller loops) is spread over all cores. If the batch fails it is
// bisected until the invalid proofs are found, so a batch with k bad proofs
// costs O(k·log n) combined checks. An item whose points are malformed is
// reported false and does not affect the others. The returned error is
// non-nil only for a bad verifying key or a failure of the random source.
// BatchVerify does not modify items and is safe for concurrent use.
func BatchVerify(vk *VerifyingKey, items []BatchItem) ([]bool, error) {
	if len(vk.IC) != NumPublicInputs+1 {
		return nil, fmt.Errorf("rln: verifying key has %d IC points for %d public inputs", len(vk.IC), NumPublicInputs)
	}
	ok := make([]bool, len(items))
	wellFormed := make([]bool, len(items))
	parallelChunks(len(items), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			wellFormed[i] = checkProof(&items[i].Proof) == nil
		}
	})
	good := make([]int, 0, len(items))
	for i, w := range wellFormed {
		if w {
			good = append(good, i)
		}
	}
	var rec func(part []int) error
	rec = func(part []int) error {
		switch len(part) {
		case 0:
			return nil
		case 1:
			it := &items[part[0]]
			l, err := vk.inputCommitment(it.PublicInputs[:])
			if err != nil {
				return err
			}
			v, err := vk.check(&it.Proof.A, &it.Proof.B, &l, &it.Proof.C, nil)
			ok[part[0]] = v
			return err
		}
		v, err := vk.batchCheck(items, part)
		if err != nil {
			return err
		}
		if v {
			for _, i := range part {
				ok[i] = true
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

// batchCheck runs the randomized combined check over items[idx[k]], whose
// points are known to be well formed.
func (vk *VerifyingKey) batchCheck(items []BatchItem, idx []int) (bool, error) {
	n := len(idx)
	rs := make([]fr.Element, n)
	var sum fr.Element
	var rnd [16]byte
	var inputs [NumPublicInputs]fr.Element // Σ rᵢ·inputᵢⱼ
	var t fr.Element
	for k, i := range idx {
		if _, err := rand.Read(rnd[:]); err != nil {
			return false, fmt.Errorf("rln: batch verify randomness: %w", err)
		}
		rs[k].SetBigInt(new(big.Int).SetBytes(rnd[:]))
		sum.Add(&sum, &rs[k])
		for j := range inputs {
			t.Mul(&rs[k], &items[i].PublicInputs[j])
			inputs[j].Add(&inputs[j], &t)
		}
	}
	lScalars := append([]fr.Element{sum}, inputs[:]...)
	cs := make([]bn254.G1Affine, n)
	for k, i := range idx {
		cs[k] = items[i].Proof.C
	}
	var lsum, csum bn254.G1Affine
	if _, err := lsum.MultiExp(vk.IC, lScalars, ecc.MultiExpConfig{NbTasks: 1}); err != nil {
		return false, fmt.Errorf("rln: batch verify: %w", err)
	}
	if _, err := csum.MultiExp(cs, rs, ecc.MultiExpConfig{}); err != nil {
		return false, fmt.Errorf("rln: batch verify: %w", err)
	}
	f, err := bn254.MillerLoopFixedQ(
		[]bn254.G1Affine{lsum, csum},
		[][2][len(bn254.LoopCounter)]bn254.LineEvaluationAff{vk.gammaLines, vk.deltaLines},
	)
	if err != nil {
		return false, fmt.Errorf("rln: miller loop: %w", err)
	}
	// ∏ e(rᵢ·Aᵢ, Bᵢ), one partial product per chunk of proofs.
	var mu sync.Mutex
	var loopErr error
	parallelChunks(n, func(lo, hi int) {
		ps := make([]bn254.G1Affine, 0, hi-lo)
		qs := make([]bn254.G2Affine, 0, hi-lo)
		var rbig big.Int
		for k := lo; k < hi; k++ {
			p := &items[idx[k]].Proof
			if p.A.IsInfinity() || p.B.IsInfinity() {
				continue // e(O, B) = e(A, O) = 1
			}
			rs[k].BigInt(&rbig)
			var ra bn254.G1Affine
			ra.ScalarMultiplication(&p.A, &rbig)
			ps = append(ps, ra)
			qs = append(qs, p.B)
		}
		if len(ps) == 0 {
			return
		}
		ab, err := bn254.MillerLoop(ps, qs)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			loopErr = err
			return
		}
		f.Mul(&f, &ab)
	})
	if loopErr != nil {
		return false, fmt.Errorf("rln: miller loop: %w", loopErr)
	}
	got := bn254.FinalExponentiation(&f)
	var sumBig big.Int
	sum.BigInt(&sumBig)
	var target bn254.GT
	target.Exp(vk.alphaBeta, &sumBig)
	return got.Equal(&target), nil
}

// parallelChunks calls fn on contiguous chunks of [0, n), one per core (at
// most one chunk per 8 items), and waits for all of them.
func parallelChunks(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+7)/8)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
