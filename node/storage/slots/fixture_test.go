package slots_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// circuitInput is logos-storage-nim's storage-proof circuit fixture
// (tests/circuits/fixtures/input.json), kept with its SOURCE note in
// accel/poseidon2/testdata.
type circuitInput struct {
	DataSetRoot      string     `json:"dataSetRoot"`
	Entropy          string     `json:"entropy"`
	NCellsPerSlot    uint64     `json:"nCellsPerSlot"`
	NSlotsPerDataSet uint64     `json:"nSlotsPerDataSet"`
	SlotIndex        uint64     `json:"slotIndex"`
	SlotRoot         string     `json:"slotRoot"`
	SlotProof        []string   `json:"slotProof"`
	CellData         [][]string `json:"cellData"`
	MerklePaths      [][]string `json:"merklePaths"`
}

func loadFixture(t *testing.T) circuitInput {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "accel", "poseidon2", "testdata", "logos-storage-circuit-input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in circuitInput
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestCircuitFixture checks CellIndices, VerifyCell and RootFromPath
// against upstream's circuit input: the sampled indices (entropy 1234567,
// 512 cells) must place every fixture cell so that its 5 block-tree and 4
// slot-tree siblings hash up to the slot root (a wrong index changes the
// left/right order and fails), and slotProof must take slot 3 of 11 up to
// the dataset root.
func TestCircuitFixture(t *testing.T) {
	in := loadFixture(t)
	const blockCells = 32
	// Pinned from this code; their correctness is what the path checks
	// below prove.
	wantIdx := []uint64{287, 21, 307, 157, 508}
	for _, p := range backends(t) {
		entropy, slotRoot := frDec(t, in.Entropy), frDec(t, in.SlotRoot)
		idx, err := slots.CellIndices(p, entropy, slotRoot, in.NCellsPerSlot, len(in.CellData))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(idx, wantIdx) {
			t.Errorf("%s: CellIndices(1234567, slotRoot, 512, 5) = %v, want %v", p.Backend(), idx, wantIdx)
		}
		for k := range in.CellData {
			cp := &slots.CellProof{Cell: idx[k]}
			for _, s := range in.CellData[k] {
				cp.Elements = append(cp.Elements, frDec(t, s))
			}
			if len(cp.Elements) != slots.CellElements {
				t.Fatalf("sample %d: %d elements, want %d", k, len(cp.Elements), slots.CellElements)
			}
			const depth = 9 // 5 in the block, 4 for 16 blocks
			for i, s := range in.MerklePaths[k] {
				if i < depth {
					cp.Path = append(cp.Path, frDec(t, s))
				} else if s != "0" {
					t.Errorf("sample %d: merklePaths[%d] = %s, want the zero padding", k, i, s)
				}
			}
			if err := slots.VerifyCell(p, slotRoot, in.NCellsPerSlot, blockCells, cp); err != nil {
				t.Errorf("%s: VerifyCell(sample %d, cell %d) = %v", p.Backend(), k, idx[k], err)
			}
			cp.Cell ^= 1
			if err := slots.VerifyCell(p, slotRoot, in.NCellsPerSlot, blockCells, cp); err == nil {
				t.Errorf("%s: VerifyCell(sample %d at the neighbour cell) = nil, want an error", p.Backend(), k)
			}
		}
		var path []accel.Fr
		for i, s := range in.SlotProof {
			if i < 4 { // ceil(log2 11)
				path = append(path, frDec(t, s))
			} else if s != "0" {
				t.Errorf("slotProof[%d] = %s, want the zero padding", i, s)
			}
		}
		root, err := slots.RootFromPath(merkle.Poseidon2(p), slotRoot, in.SlotIndex, in.NSlotsPerDataSet, path)
		if err != nil {
			t.Fatal(err)
		}
		if want := frDec(t, in.DataSetRoot); root != want {
			t.Errorf("%s: RootFromPath(slot 3 of 11) = %x, want dataSetRoot %x", p.Backend(), root, want)
		}
	}
}

// TestCellIndicesErrors checks that a cell count that is not a power of
// two is refused and that the count of indices follows nSamples.
func TestCellIndicesErrors(t *testing.T) {
	p := backends(t)[0]
	for _, n := range []uint64{0, 3, 511} {
		if _, err := slots.CellIndices(p, accel.Fr{}, accel.Fr{}, n, 1); err == nil {
			t.Errorf("CellIndices(nCells=%d) = nil error", n)
		}
	}
	idx, err := slots.CellIndices(p, accel.Fr{}, accel.Fr{}, 1, 3)
	if err != nil || !slices.Equal(idx, []uint64{0, 0, 0}) {
		t.Errorf("CellIndices(nCells=1, 3) = %v, %v; want [0 0 0]", idx, err)
	}
}
