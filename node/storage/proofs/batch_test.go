package proofs_test

import (
	"math/big"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/groth16verify"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/prooftest"
)

// TestBatchVerify proves four synthetic slots with N = 1 and checks them
// through the accel/groth16verify kernel: all valid pass, and a batch with
// one wrong public input reports exactly that proof.
func TestBatchVerify(t *testing.T) {
	k := keysFor(t, 1)
	const n = 4
	ps := make([]*proofs.Proof, n)
	pubs := make([]proofs.PublicInputs, n)
	for i := range ps {
		w, err := prooftest.Witness(prooftest.Slot{NSlots: 4, SlotIndex: i, NCells: 64, Seed: uint64(i + 1)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if ps[i], err = k.Prove(w); err != nil {
			t.Fatalf("Prove(slot %d) = %v", i, err)
		}
		pubs[i] = public(w)
	}
	bk, err := k.VerifyingKey().BatchKey()
	if err != nil {
		t.Fatal(err)
	}
	v, err := groth16verify.New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bk.Verify(v, ps, pubs)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range got {
		if !ok {
			t.Errorf("valid batch: proof %d rejected", i)
		}
	}

	bad := append([]proofs.PublicInputs(nil), pubs...)
	bad[2].Entropy = new(big.Int).Add(bad[2].Entropy, big.NewInt(1))
	ps2 := append([]*proofs.Proof(nil), ps...)
	ps2[3] = nil // a missing proof is false, not an error
	got, err = bk.Verify(nil, ps2, bad)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("batch with a bad entropy at 2 and no proof at 3: result %d = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := bk.Verify(v, ps, pubs[:1]); err == nil {
		t.Error("Verify(4 proofs, 1 public input) = nil error")
	}
}
