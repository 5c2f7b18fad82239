package circuit_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// TestCellIndexFixture derives the fixture's five cell indices in Go and
// walks each cell's path outside the circuit with accel/poseidon2 (full
// 512-cell tree: no odd nodes; key 1 at the bottom of the block tree and
// of the slot tree), which must reach the fixture's slot root.
func TestCellIndexFixture(t *testing.T) {
	w := loadFixture(t)
	p, err := poseidon2.New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	fr := func(v *big.Int) accel.Fr {
		x, err := poseidon2.FrFromBig(v)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	seen := map[uint64]bool{}
	for i := range w.CellData {
		idx, err := circuit.CellIndex(w.Entropy, w.SlotRoot, uint64(i+1), w.NCellsPerSlot)
		if err != nil {
			t.Fatal(err)
		}
		seen[idx] = true
		if want := []uint64{287, 21, 307, 157, 508}[i]; idx != want {
			t.Errorf("CellIndex(fixture, counter %d) = %d, want %d", i+1, idx, want)
		}
		cell := make([]accel.Fr, len(w.CellData[i]))
		for j, v := range w.CellData[i] {
			cell[j] = fr(v)
		}
		node, err := p.Sponge(cell)
		if err != nil {
			t.Fatal(err)
		}
		const depth = 9 // log2(512)
		for level := 0; level < depth; level++ {
			key := uint64(0)
			if level == 0 || level == circuit.DefaultBlockTreeDepth {
				key = 1
			}
			l, r := node, fr(w.MerklePaths[i][level])
			if idx>>level&1 == 1 {
				l, r = r, l
			}
			out := make([]accel.Fr, 1)
			if err := p.Compress(out, []accel.Fr{l}, []accel.Fr{r}, key); err != nil {
				t.Fatal(err)
			}
			node = out[0]
		}
		if got := poseidon2.ToBig(node); got.Cmp(w.SlotRoot) != 0 {
			t.Errorf("sample %d: cell %d walks to %v, want slot root %v", i+1, idx, got, w.SlotRoot)
		}
	}
	if len(seen) < 2 {
		t.Errorf("CellIndex gave %d distinct indices for 5 samples", len(seen))
	}
}

func TestCellIndexRejects(t *testing.T) {
	one := big.NewInt(1)
	for _, n := range []uint64{0, 1, 3, 500} {
		if _, err := circuit.CellIndex(one, one, 1, n); !errors.Is(err, circuit.ErrWitness) {
			t.Errorf("CellIndex(nCells %d) = %v, want ErrWitness", n, err)
		}
	}
	if _, err := circuit.CellIndex(poseidon2.Modulus(), one, 1, 512); !errors.Is(err, circuit.ErrWitness) {
		t.Errorf("CellIndex(entropy = r) = %v, want ErrWitness", err)
	}
}
