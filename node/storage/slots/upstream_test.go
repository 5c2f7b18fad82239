package slots_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// fakeCell is genFakeCell of codex-storage-proofs-circuits
// reference/nim/proof_input/src/slot.nim (see testdata/SOURCE.md): the
// pseudo-random cell data its proof-input generator hashes. Arithmetic
// wraps at 2^64, as with Nim's overflowChecks off.
func fakeCell(seed, idx uint64, size int) []byte {
	s1, s2 := seed+0xdeadcafe, idx+0x98765432
	state := uint64(1)
	out := make([]byte, size)
	for i := range out {
		state = state*(state+s1)*(state+s2) + state*(state^0x5a5a5a5a) + s1*state + (s2 + 17)
		state %= 1698428844001831
		out[i] = byte(state)
	}
	return out
}

// fakeDataset serves the reference generator's dataset (dataset.nim: slot
// k has seed 12345 + 72 + 1001·k) through the Stepped layout of n slots:
// tree leaf i is block i/n of slot i%n.
type fakeDataset struct{ nSlots, blockSize, cellSize int }

func (f fakeDataset) ReadBlock(_ context.Context, i int) ([]byte, error) {
	slot, blk := i%f.nSlots, i/f.nSlots
	seed := uint64(12345 + 72 + 1001*slot)
	perBlock := f.blockSize / f.cellSize
	var out []byte
	for c := range perBlock {
		out = append(out, fakeCell(seed, uint64(blk*perBlock+c), f.cellSize)...)
	}
	return out, nil
}

// TestUpstreamFixtureDataset rebuilds, from the generator's data, the
// dataset logos-storage-nim's circuit fixture was made from (11 slots of
// 512 cells, 64 KiB blocks, default seed 12345): slot 3's root must be the
// fixture's slotRoot and the dataset root its dataSetRoot, and the cells
// CellProof opens at the sampled indices must be the fixture's cellData
// and merklePaths.
func TestUpstreamFixtureDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 11 MiB")
	}
	in := loadFixture(t)
	ctx := context.Background()
	const nSlots, bs = 11, 64 << 10
	src := fakeDataset{nSlots: nSlots, blockSize: bs, cellSize: slots.DefaultCellSize}
	m := manifest.New(cids.Tree(sha256.Sum256([]byte("fixture"))), bs, uint64(nSlots*16*bs))
	m.Erasure = &manifest.ErasureInfo{K: 6, M: 5, Strategy: manifest.StrategyStepped}
	ps := backends(t)
	fast := ps[len(ps)-1]

	ds, err := slots.BuildDataset(ctx, src, m, slots.Options{Poseidon2: fast})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ds.Root(), frDec(t, in.DataSetRoot); got != want {
		t.Errorf("%s: dataset root = %x, fixture dataSetRoot %x", fast.Backend(), got, want)
	}
	s := ds.Slot(int(in.SlotIndex))
	if got, want := s.Root(), frDec(t, in.SlotRoot); got != want {
		t.Errorf("%s: slot 3 root = %x, fixture slotRoot %x", fast.Backend(), got, want)
	}
	if s.CellCount() != in.NCellsPerSlot {
		t.Errorf("CellCount() = %d, want %d", s.CellCount(), in.NCellsPerSlot)
	}
	path, err := ds.SlotProof(int(in.SlotIndex))
	if err != nil {
		t.Fatal(err)
	}
	for i, sib := range path {
		if want := frDec(t, in.SlotProof[i]); sib != want {
			t.Errorf("SlotProof(3)[%d] = %x, fixture %x", i, sib, want)
		}
	}
	idx, err := slots.CellIndices(fast, frDec(t, in.Entropy), s.Root(), s.CellCount(), len(in.CellData))
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range idx {
		cp, err := s.CellProof(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range cp.Elements {
			if e != frDec(t, in.CellData[k][i]) {
				t.Fatalf("sample %d: CellProof(%d).Elements[%d] differs from the fixture's cellData", k, c, i)
			}
		}
		for i, sib := range cp.Path {
			if sib != frDec(t, in.MerklePaths[k][i]) {
				t.Fatalf("sample %d: CellProof(%d).Path[%d] differs from the fixture's merklePaths", k, c, i)
			}
		}
	}

	// Every other backend gives slot 3 the same root.
	for _, p := range ps[:len(ps)-1] {
		got, err := slots.Build(ctx, src, m, int(in.SlotIndex), slots.Options{Poseidon2: p})
		if err != nil {
			t.Fatal(err)
		}
		if got.Root() != s.Root() {
			t.Errorf("%s: slot 3 root = %x, %s gives %x", p.Backend(), got.Root(), fast.Backend(), s.Root())
		}
	}
}
