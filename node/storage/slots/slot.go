package slots

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// Slot is one built slot: its block digests and slot tree, plus what it
// needs to open cells (the dataset reader and the kernel).
//
// concurrency: a Slot is immutable and safe for concurrent use.
type Slot struct {
	index int
	l     Layout
	h     *hasher
	src   BlockReader
	// digests are the SlotBlocksTotal block digests; tree is built on them.
	digests []accel.Fr
	tree    *merkle.Tree[accel.Fr]
}

// Build hashes slot index of the protected dataset m (read through src)
// into its slot tree, and, when opts.Dir is set, stores the block digests
// there for Open. Blocks are read and hashed on up to GOMAXPROCS
// goroutines.
//
// Errors: ErrLayout, ErrIndex, ErrBlock (naming the block; it also wraps
// src's error, such as storage.ErrNotFound or ec.ErrUnrecoverable), the
// kernel's errors, file errors, ctx's error.
func Build(ctx context.Context, src BlockReader, m *manifest.Manifest, index int, opts Options) (*Slot, error) {
	p, l, err := opts.resolve(m)
	if err != nil {
		return nil, err
	}
	h, err := newHasher(p, l)
	if err != nil {
		return nil, err
	}
	return build(ctx, src, m, index, h, opts.Dir)
}

// build is Build with a resolved hasher, shared by BuildDataset.
func build(ctx context.Context, src BlockReader, m *manifest.Manifest, index int, h *hasher, dir string) (*Slot, error) {
	l := h.l
	if index < 0 || index >= l.NumSlots {
		return nil, fmt.Errorf("%w: slot %d of %d", ErrIndex, index, l.NumSlots)
	}
	digests := make([]accel.Fr, l.SlotBlocksTotal)
	per := h.batchBlocks()
	chunks := (l.SlotBlocksTotal + per - 1) / per
	err := forEachParallel(ctx, chunks, func(c int) error {
		lo, hi := c*per, min((c+1)*per, l.SlotBlocksTotal)
		var (
			datas [][]byte
			at    []int // positions of datas
		)
		for pos := lo; pos < hi; pos++ {
			data, err := readBlock(ctx, src, h, m, index, pos)
			if err != nil {
				return err
			}
			if data == nil || &data[0] == &h.zero[0] { // pad or empty block
				digests[pos] = h.empty.Root()
				continue
			}
			datas, at = append(datas, data), append(at, pos)
		}
		ts, err := h.trees(datas)
		if err != nil {
			return fmt.Errorf("slots: slot %d blocks %d..%d: %w", index, lo, hi-1, err)
		}
		for i, t := range ts {
			digests[at[i]] = t.Root()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s, err := newSlot(index, h, src, digests)
	if err != nil {
		return nil, err
	}
	if dir != "" {
		if err := writeSlotFile(dir, m.TreeCID, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// newSlot builds the slot tree over digests.
func newSlot(index int, h *hasher, src BlockReader, digests []accel.Fr) (*Slot, error) {
	t, err := merkle.Build(digests, merkle.Poseidon2(h.p))
	if err != nil {
		return nil, fmt.Errorf("slots: slot %d tree: %w", index, err)
	}
	return &Slot{index: index, l: h.l, h: h, src: src, digests: digests, tree: t}, nil
}

// readBlock reads block pos of slot as a whole block, or returns nil for
// a pad block. The error of an unreadable block names it and says how to
// repair it.
func readBlock(ctx context.Context, src BlockReader, h *hasher, m *manifest.Manifest, slot, pos int) ([]byte, error) {
	idx, pad, err := h.l.BlockIndex(slot, pos)
	if err != nil || pad {
		return nil, err
	}
	data, err := src.ReadBlock(ctx, idx)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: slot %d block %d is leaf %d of dataset %s: %w; "+
			"read the dataset through ec.Open (which rebuilds lost blocks from parity), "+
			"run a scrub, or fetch the block from a peer, then retry",
			ErrBlock, slot, pos, idx, cids.String(m.TreeCID), err)
	}
	data, err = h.checkBlock(idx, data)
	if err != nil {
		return nil, fmt.Errorf("slots: slot %d block %d: %w", slot, pos, err)
	}
	return data, nil
}

// Open loads slot index of m from the file Build wrote in opts.Dir, checks
// it against the manifest's layout, rebuilds the slot tree from the stored
// block digests (a compression per block, no cell hashing) and checks the
// stored root. Errors: fs.ErrNotExist when the slot was never built there
// (build it with Build), ErrCorrupt for a damaged or foreign file (build
// it again), ErrLayout, ErrIndex.
func Open(ctx context.Context, src BlockReader, m *manifest.Manifest, index int, opts Options) (*Slot, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("slots: open slot %d: no Options.Dir: %w", index, fs.ErrNotExist)
	}
	p, l, err := opts.resolve(m)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= l.NumSlots {
		return nil, fmt.Errorf("%w: slot %d of %d", ErrIndex, index, l.NumSlots)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := readSlotFile(opts.Dir, m.TreeCID, index)
	if err != nil {
		return nil, err
	}
	if err := f.check(m, l, index); err != nil {
		return nil, err
	}
	h, err := newHasher(p, l)
	if err != nil {
		return nil, err
	}
	s, err := newSlot(index, h, src, f.digests)
	if err != nil {
		return nil, err
	}
	if s.Root() != f.root {
		return nil, fmt.Errorf("%w: slot %d: stored root differs from the root of the stored digests; build the slot again", ErrCorrupt, index)
	}
	return s, nil
}

// Index returns the slot's index in the dataset.
func (s *Slot) Index() int { return s.index }

// Layout returns the dataset's slot layout.
func (s *Slot) Layout() Layout { return s.l }

// Root returns the slot root (the leaf of the dataset tree, the circuit's
// slotRoot).
func (s *Slot) Root() accel.Fr { return s.tree.Root() }

// CellCount returns the number of cells, a power of two (nCellsPerSlot).
func (s *Slot) CellCount() uint64 { return uint64(s.l.CellCount()) }

// BlockDigests returns a copy of the slot tree's leaves (the block
// digests), pad blocks included.
func (s *Slot) BlockDigests() []accel.Fr { return append([]accel.Fr(nil), s.digests...) }
