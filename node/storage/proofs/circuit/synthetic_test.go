package circuit_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/prooftest"
)

// TestSyntheticSlots checks the circuit against slots built outside it
// with accel/merkle, including the odd-node and singleton rules that the
// upstream fixture (full trees, slot 3 of 11) does not reach: a single slot,
// the last slot of an odd-sized dataset, a one-block slot.
func TestSyntheticSlots(t *testing.T) {
	for _, s := range []prooftest.Slot{
		{NSlots: 1, SlotIndex: 0, NCells: 32, Seed: 1},
		{NSlots: 3, SlotIndex: 2, NCells: 64, Seed: 2},
		{NSlots: 5, SlotIndex: 4, NCells: 256, Seed: 3},
		{NSlots: 11, SlotIndex: 3, NCells: 128, Seed: 4},
		{NSlots: 256, SlotIndex: 255, NCells: 32, Seed: 5},
	} {
		t.Run(fmt.Sprintf("slots%d-index%d-cells%d", s.NSlots, s.SlotIndex, s.NCells), func(t *testing.T) {
			w, err := prooftest.Witness(s, 3)
			if err != nil {
				t.Fatal(err)
			}
			p := circuit.DefaultParams(3)
			if err := solve(t, p, w); err != nil {
				t.Fatalf("synthetic slot does not satisfy the circuit: %v", err)
			}
			w.CellData[2][0] = new(big.Int).Add(w.CellData[2][0], big.NewInt(1))
			if err := solve(t, p, w); err == nil {
				t.Error("synthetic slot with a tampered cell satisfies the circuit")
			}
		})
	}
}
