package groth16verify

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/parallel"
)

// goVerifier is the reference backend: gnark-crypto's pairing, MSMs through
// msmG1. It holds no state.
type goVerifier struct{}

var _ Verifier = goVerifier{}

func (goVerifier) Backend() accel.Backend { return accel.Go }

// Verify implements [Verifier.Verify].
func (goVerifier) Verify(vk *VerifyingKey, p Proof, public []fr.Element) (bool, error) {
	if err := checkKey(vk); err != nil {
		return false, err
	}
	if err := checkInputs(vk, 0, len(public)); err != nil {
		return false, err
	}
	if err := checkProof(&p); err != nil {
		return false, err
	}
	l, err := inputCommitment(vk, public)
	if err != nil {
		return false, err
	}
	return check(vk, &p, &l)
}

// checkInputs returns an error wrapping accel.ErrInvalidParams unless n is
// the key's number of public inputs; item names the batch item.
func checkInputs(vk *VerifyingKey, item, n int) error {
	if n != vk.NumPublic() {
		return fmt.Errorf("groth16verify: proof %d has %d public inputs, the verifying key %d (len(IC)-1): %w", item, n, vk.NumPublic(), accel.ErrInvalidParams)
	}
	return nil
}

// inputCommitment returns L = IC₀ + Σ inputᵢ·ICᵢ₊₁.
func inputCommitment(vk *VerifyingKey, public []fr.Element) (bn254.G1Affine, error) {
	scalars := make([]fr.Element, len(vk.IC))
	scalars[0].SetOne()
	copy(scalars[1:], public)
	return msmG1(vk.IC, scalars)
}

// check tests e(A, B) · e(L, −γ) · e(C, −δ) = e(α, β) for a well-formed
// proof p.
func check(vk *VerifyingKey, p *Proof, l *bn254.G1Affine) (bool, error) {
	f, err := bn254.MillerLoopFixedQ([]bn254.G1Affine{*l, p.C}, []lines{vk.gammaLines, vk.deltaLines})
	if err != nil {
		return false, fmt.Errorf("groth16verify: miller loop: %w", err)
	}
	if !p.A.IsInfinity() && !p.B.IsInfinity() { // else e(A, B) = 1
		ab, err := bn254.MillerLoop([]bn254.G1Affine{p.A}, []bn254.G2Affine{p.B})
		if err != nil {
			return false, fmt.Errorf("groth16verify: miller loop: %w", err)
		}
		f.Mul(&f, &ab)
	}
	got := bn254.FinalExponentiation(&f)
	return got.Equal(&vk.alphaBeta), nil
}

// BatchVerify implements [Verifier.BatchVerify].
func (goVerifier) BatchVerify(vk *VerifyingKey, proofs []Proof, publics [][]fr.Element) ([]bool, error) {
	if err := checkKey(vk); err != nil {
		return nil, err
	}
	if len(publics) != len(proofs) {
		return nil, fmt.Errorf("groth16verify: batch of %d proofs with %d public input lists (pass one per proof): %w", len(proofs), len(publics), accel.ErrInvalidParams)
	}
	for i := range publics {
		if err := checkInputs(vk, i, len(publics[i])); err != nil {
			return nil, err
		}
	}
	b := batch{vk: vk, proofs: proofs, publics: publics, ok: make([]bool, len(proofs))}
	wellFormed := make([]bool, len(proofs))
	forChunks(len(proofs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			wellFormed[i] = checkProof(&proofs[i]) == nil
		}
	})
	good := make([]int, 0, len(proofs))
	for i, w := range wellFormed {
		if w {
			good = append(good, i)
		}
	}
	if err := b.bisect(good); err != nil {
		return nil, err
	}
	return b.ok, nil
}

// batch is one BatchVerify call: its inputs and the results so far.
type batch struct {
	vk      *VerifyingKey
	proofs  []Proof
	publics [][]fr.Element
	ok      []bool // ok[i] is set once proof i is known valid
}

// bisect decides the proofs proofs[idx[k]], all well formed: one combined
// check, and on failure each half again, down to single proofs, which are
// checked directly.
func (b *batch) bisect(idx []int) error {
	switch len(idx) {
	case 0:
		return nil
	case 1:
		i := idx[0]
		l, err := inputCommitment(b.vk, b.publics[i])
		if err != nil {
			return err
		}
		b.ok[i], err = check(b.vk, &b.proofs[i], &l)
		return err
	}
	v, err := b.combined(idx)
	if err != nil {
		return err
	}
	if v {
		for _, i := range idx {
			b.ok[i] = true
		}
		return nil
	}
	mid := len(idx) / 2
	if err := b.bisect(idx[:mid]); err != nil {
		return err
	}
	return b.bisect(idx[mid:])
}

// combined runs the randomized check over proofs[idx[k]] (see
// Verifier.BatchVerify).
func (b *batch) combined(idx []int) (bool, error) {
	n := len(idx)
	rnd := make([]byte, 16*n)
	if _, err := rand.Read(rnd); err != nil {
		return false, fmt.Errorf("groth16verify: batch randomness: %w", err)
	}
	rs := make([]fr.Element, n)
	lScalars := make([]fr.Element, len(b.vk.IC)) // Σ rᵢ, then Σ rᵢ·inputᵢⱼ
	cs := make([]bn254.G1Affine, n)
	var t fr.Element
	var rbig big.Int
	for k, i := range idx {
		rs[k].SetBigInt(rbig.SetBytes(rnd[16*k : 16*k+16]))
		lScalars[0].Add(&lScalars[0], &rs[k])
		for j := range b.publics[i] {
			t.Mul(&rs[k], &b.publics[i][j])
			lScalars[j+1].Add(&lScalars[j+1], &t)
		}
		cs[k] = b.proofs[i].C
	}
	lsum, err := msmG1(b.vk.IC, lScalars)
	if err != nil {
		return false, err
	}
	csum, err := msmG1(cs, rs)
	if err != nil {
		return false, err
	}
	f, err := bn254.MillerLoopFixedQ([]bn254.G1Affine{lsum, csum}, []lines{b.vk.gammaLines, b.vk.deltaLines})
	if err != nil {
		return false, fmt.Errorf("groth16verify: miller loop: %w", err)
	}
	// ∏ e(rᵢ·Aᵢ, Bᵢ): one partial product per chunk, multiplied into f.
	var mu sync.Mutex
	var loopErr error
	forChunks(n, func(lo, hi int) {
		ps := make([]bn254.G1Affine, 0, hi-lo)
		qs := make([]bn254.G2Affine, 0, hi-lo)
		var r big.Int
		for k := lo; k < hi; k++ {
			p := &b.proofs[idx[k]]
			if p.A.IsInfinity() || p.B.IsInfinity() {
				continue // e(O, B) = e(A, O) = 1
			}
			rs[k].BigInt(&r)
			var ra bn254.G1Affine
			ra.ScalarMultiplication(&p.A, &r)
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
		return false, fmt.Errorf("groth16verify: miller loop: %w", loopErr)
	}
	got := bn254.FinalExponentiation(&f)
	var target bn254.GT
	target.Exp(b.vk.alphaBeta, lScalars[0].BigInt(&rbig))
	return got.Equal(&target), nil
}

// proofsPerWorker is the fewest proofs a goroutine of forChunks gets: below
// it the goroutine costs more than the subgroup checks or Miller loops it
// saves.
const proofsPerWorker = 8

// forChunks calls fn on contiguous chunks of [0, n), at most one per core
// and one per proofsPerWorker items, and waits for all of them.
func forChunks(n int, fn func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), (n+proofsPerWorker-1)/proofsPerWorker))
	parallel.For(n, workers, fn)
}
