package slots_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/slots"
)

const blockSize = 64 << 10

// refTree is the keyed Merkle root of storage-formats.md §3/§9, written
// from the spec with one Compress call per node, independently of
// accel/merkle.
func refTree(t testing.TB, p accel.Poseidon2, layer []accel.Fr) accel.Fr {
	t.Helper()
	for bottom := true; bottom || len(layer) > 1; bottom = false {
		var next []accel.Fr
		for i := 0; i < len(layer); i += 2 {
			key := uint64(0)
			if bottom {
				key |= poseidon2.KeyBottomLayer
			}
			var right accel.Fr
			if i+1 < len(layer) {
				right = layer[i+1]
			} else {
				key |= poseidon2.KeyOdd
			}
			out := make([]accel.Fr, 1)
			if err := p.Compress(out, layer[i:i+1], []accel.Fr{right}, key); err != nil {
				t.Fatal(err)
			}
			next = append(next, out[0])
		}
		layer = next
	}
	return layer[0]
}

// refSlotRoot recomputes slot i of a K+M dataset from the spec: stepped
// block selection, pad blocks of zeros up to a power of two, cells hashed
// with poseidon2.HashBytes.
func refSlotRoot(t testing.TB, p accel.Poseidon2, r slots.BlockReader, total, numSlots, i int) accel.Fr {
	t.Helper()
	slotBlocks := total / numSlots
	padded := 1
	for padded < slotBlocks {
		padded *= 2
	}
	var digests []accel.Fr
	for pos := range padded {
		data := make([]byte, blockSize)
		if pos < slotBlocks {
			b, err := r.ReadBlock(context.Background(), i+pos*numSlots)
			if err != nil {
				t.Fatal(err)
			}
			copy(data, b)
		}
		var cells []accel.Fr
		for c := 0; c < blockSize; c += slots.DefaultCellSize {
			h, err := poseidon2.HashBytes(p, data[c:c+slots.DefaultCellSize])
			if err != nil {
				t.Fatal(err)
			}
			cells = append(cells, h)
		}
		digests = append(digests, refTree(t, p, cells))
	}
	return refTree(t, p, digests)
}

// TestBuildEndToEnd uploads 7 blocks into a real pebblestore, codes them
// with K=3, M=2 (15 leaves, 2 of them erasure padding; 5 slots of 3
// blocks plus a pad block), builds every slot on every backend, and checks
// the roots against the spec reference, across backends, after reopening
// from disk, and that cell proofs verify up to the dataset root.
func TestBuildEndToEnd(t *testing.T) {
	ctx := context.Background()
	d, _ := ecDataset(t, 7*blockSize-1000, blockSize, 3, 2)
	m := d.Manifest()
	ps := backends(t)

	var first *slots.Dataset
	for _, p := range ps {
		dir := t.TempDir()
		ds, err := slots.BuildDataset(ctx, d, m, slots.Options{Poseidon2: p, Dir: dir})
		if err != nil {
			t.Fatalf("%s: BuildDataset: %v", p.Backend(), err)
		}
		if ds.NumSlots() != 5 || ds.Slot(0).CellCount() != 128 {
			t.Fatalf("%s: %d slots of %d cells, want 5 of 128", p.Backend(), ds.NumSlots(), ds.Slot(0).CellCount())
		}
		if first == nil {
			first = ds
			for i := range 5 {
				if got, want := ds.Slot(i).Root(), refSlotRoot(t, p, d, 15, 5, i); got != want {
					t.Errorf("%s: slot %d root = %x, spec reference %x", p.Backend(), i, got, want)
				}
			}
			if got, want := ds.Root(), refTree(t, p, ds.SlotRoots()); got != want {
				t.Errorf("%s: dataset root = %x, reference %x", p.Backend(), got, want)
			}
		} else if ds.Root() != first.Root() || fmt.Sprint(ds.SlotRoots()) != fmt.Sprint(first.SlotRoots()) {
			t.Errorf("%s: roots differ from %s", p.Backend(), ps[0].Backend())
		}

		re, err := slots.OpenDataset(ctx, d, m, slots.Options{Poseidon2: p, Dir: dir})
		if err != nil {
			t.Fatalf("%s: OpenDataset: %v", p.Backend(), err)
		}
		if re.Root() != ds.Root() {
			t.Errorf("%s: reopened root = %x, want %x", p.Backend(), re.Root(), ds.Root())
		}
		checkProofs(t, p, re)
	}
}

// checkProofs opens sampled cells, a cell of an erasure-padding block
// (leaf 7 is slot 2's second block) and one of a pad block in every slot,
// and verifies them up to the dataset root.
func checkProofs(t *testing.T, p accel.Poseidon2, ds *slots.Dataset) {
	t.Helper()
	ctx := context.Background()
	for i := range ds.NumSlots() {
		s := ds.Slot(i)
		idx, err := slots.CellIndices(p, poseidon2.FrFromUint64(1234567), s.Root(), s.CellCount(), 5)
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, 32+5, s.CellCount()-1)
		slotPath, err := ds.SlotProof(i)
		if err != nil {
			t.Fatal(err)
		}
		root, err := slots.RootFromPath(merkle.Poseidon2(p), s.Root(), uint64(i), uint64(ds.NumSlots()), slotPath)
		if err != nil || root != ds.Root() {
			t.Errorf("%s: slot %d: RootFromPath(SlotProof) = %x, %v; want %x", p.Backend(), i, root, err, ds.Root())
		}
		for _, c := range idx {
			cp, err := s.CellProof(ctx, c)
			if err != nil {
				t.Fatalf("%s: slot %d CellProof(%d): %v", p.Backend(), i, c, err)
			}
			if len(cp.Elements) != 67 || len(cp.Path) != 5+2 || len(cp.Data) != slots.DefaultCellSize {
				t.Fatalf("%s: CellProof(%d): %d elements, %d siblings, %d bytes; want 67, 7, 2048", p.Backend(), c, len(cp.Elements), len(cp.Path), len(cp.Data))
			}
			if err := slots.VerifyCell(p, s.Root(), s.CellCount(), 32, cp); err != nil {
				t.Errorf("%s: slot %d: VerifyCell(%d) = %v", p.Backend(), i, c, err)
			}
			cp.Elements[3][0] ^= 1
			if err := slots.VerifyCell(p, s.Root(), s.CellCount(), 32, cp); !errors.Is(err, slots.ErrProof) {
				t.Errorf("%s: slot %d: VerifyCell(tampered %d) = %v, want ErrProof", p.Backend(), i, c, err)
			}
		}
	}
}

// lossyReader fails one leaf as a store that lost it does.
type lossyReader struct {
	slots.BlockReader
	lost int
}

func (r lossyReader) ReadBlock(ctx context.Context, i int) ([]byte, error) {
	if i == r.lost {
		return nil, fmt.Errorf("block %d: %w", i, storage.ErrNotFound)
	}
	return r.BlockReader.ReadBlock(ctx, i)
}

// TestBuildErrors checks a lost block (named, wrapping the store's error,
// pointing to repair), a damaged slot file, an unbuilt slot and the
// linear strategy running past the dataset with pad blocks.
func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	d, _ := ecDataset(t, 7*blockSize, blockSize, 3, 2)
	m := d.Manifest()
	p := backends(t)[len(backends(t))-1]
	dir := t.TempDir()

	_, err := slots.Build(ctx, lossyReader{d, 10}, m, 0, slots.Options{Poseidon2: p, Dir: dir})
	if !errors.Is(err, slots.ErrBlock) || !errors.Is(err, storage.ErrNotFound) ||
		!strings.Contains(err.Error(), "leaf 10") || !strings.Contains(err.Error(), "parity") {
		t.Errorf("Build(slot 0, leaf 10 lost) = %v; want ErrBlock and ErrNotFound naming leaf 10 and parity", err)
	}

	if _, err := slots.Open(ctx, d, m, 1, slots.Options{Poseidon2: p, Dir: dir}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(unbuilt slot) = %v, want ErrNotExist", err)
	}
	if _, err := slots.Build(ctx, d, m, 1, slots.Options{Poseidon2: p, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.1.slot"))
	if len(files) != 1 {
		t.Fatalf("slot files %v, want one", files)
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)/2] ^= 1
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := slots.Open(ctx, d, m, 1, slots.Options{Poseidon2: p, Dir: dir}); !errors.Is(err, slots.ErrCorrupt) {
		t.Errorf("Open(damaged file) = %v, want ErrCorrupt", err)
	}

	if _, err := slots.Build(ctx, d, m, 4, slots.Options{Poseidon2: p, Linear: true}); !errors.Is(err, slots.ErrIndex) {
		t.Errorf("Build(linear, pad blocks, last slot) = %v, want ErrIndex", err)
	}
	if _, err := slots.Build(ctx, d, m, 5, slots.Options{Poseidon2: p}); !errors.Is(err, slots.ErrIndex) {
		t.Errorf("Build(slot 5 of 5) = %v, want ErrIndex", err)
	}
}
