package proofs

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/groth16verify"
)

// BatchKey is a verifying key converted for the accel/groth16verify kernel,
// which checks many proofs with one random linear combination. The circuit
// has no Pedersen commitments (ReadVerifyingKey rejects keys with some), so
// plain Groth16 batching applies. It is immutable and safe for concurrent
// use.
type BatchKey struct {
	vk *groth16verify.VerifyingKey
}

// BatchKey converts k for batch verification (it precomputes the pairing
// lines of β, γ and δ; build it once per key).
func (k *VerifyingKey) BatchKey() (*BatchKey, error) {
	g := k.vk
	if len(g.PublicAndCommitmentCommitted) != 0 || len(g.CommitmentKeys) != 0 {
		return nil, fmt.Errorf("proofs: batch key: the verifying key has Pedersen commitments; verify one by one with Verify")
	}
	vk, err := groth16verify.NewVerifyingKey(g.G1.Alpha, g.G2.Beta, g.G2.Gamma, g.G2.Delta, g.G1.K)
	if err != nil {
		return nil, fmt.Errorf("proofs: batch key: %w", err)
	}
	return &BatchKey{vk: vk}, nil
}

// Verify checks proofs[i] against pubs[i] for every i and returns each
// answer (true: valid). v is the kernel; nil means the one the process's
// router picks for len(proofs) proofs (groth16verify.ForSize). A nil proof
// or public inputs that are not field elements are false, like a proof
// that does not verify; the error is non-nil only for lengths that differ
// or a kernel failure (then the slice is nil).
func (b *BatchKey) Verify(v groth16verify.Verifier, proofs []*Proof, pubs []PublicInputs) ([]bool, error) {
	if len(proofs) != len(pubs) {
		return nil, fmt.Errorf("proofs: batch verify: %d proofs but %d public inputs", len(proofs), len(pubs))
	}
	if v == nil {
		var err error
		if v, err = groth16verify.ForSize(len(proofs)); err != nil {
			return nil, fmt.Errorf("proofs: batch verify: %w", err)
		}
	}
	// Only well-formed items go to the kernel; the others stay false.
	var (
		idx    []int
		items  []groth16verify.Proof
		inputs [][]fr.Element
	)
	for i, p := range proofs {
		in, ok := publicElements(pubs[i])
		if p == nil || !ok {
			continue
		}
		idx = append(idx, i)
		items = append(items, groth16verify.Proof{A: p.p.Ar, B: p.p.Bs, C: p.p.Krs})
		inputs = append(inputs, in)
	}
	ok, err := v.BatchVerify(b.vk, items, inputs)
	if err != nil {
		return nil, fmt.Errorf("proofs: batch verify %d proofs: %w", len(items), err)
	}
	out := make([]bool, len(proofs))
	for j, i := range idx {
		out[i] = ok[j]
	}
	return out, nil
}

// publicElements returns pub in circuit order (entropy, dataSetRoot,
// slotIndex), or false when a value is not a field element.
func publicElements(pub PublicInputs) ([]fr.Element, bool) {
	if pub.Entropy == nil || pub.DataSetRoot == nil || pub.Entropy.Sign() < 0 || pub.DataSetRoot.Sign() < 0 ||
		pub.Entropy.Cmp(field) >= 0 || pub.DataSetRoot.Cmp(field) >= 0 {
		return nil, false
	}
	out := make([]fr.Element, 3)
	out[0].SetBigInt(pub.Entropy)
	out[1].SetBigInt(pub.DataSetRoot)
	out[2].SetUint64(pub.SlotIndex)
	return out, true
}
