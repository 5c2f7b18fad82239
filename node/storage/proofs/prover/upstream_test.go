package prover_test

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/prooftest"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// TestUpstreamAcceptsSlotWitness builds the slot trees of an
// erasure-coded dataset in a real store the way the node does
// (node/storage/slots), takes the witness of five samples the node would
// prove, and runs upstream's own witness generator on it (circom's
// proof_main.wasm, which checks every constraint of upstream's circuit):
// Cairn's trees, sampling and paths satisfy upstream's circuit.
func TestUpstreamAcceptsSlotWitness(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: upstream's witness generator takes seconds per witness")
	}
	wasm, err := os.ReadFile(filepath.Join("..", prooftest.UpstreamWasm))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	ctx := context.Background()
	d, err := ec.Open(ctx, f.store, f.pc, f.ecOpt)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := slots.BuildDataset(ctx, d, d.Manifest(), slots.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for slot := range ds.NumSlots() {
		w, cells, err := prover.Witness(ctx, ds, slot, big.NewInt(int64(1000+slot)), 5)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := prooftest.RunUpstream(wasm, circuit.DefaultParams(5), w); err != nil {
			t.Errorf("slot %d (cells %v): upstream's witness generator rejects Cairn's witness: %v", slot, cells, err)
		}
	}
}
