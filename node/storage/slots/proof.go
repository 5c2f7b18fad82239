package slots

import (
	"context"
	"fmt"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// CellProof opens one cell of a slot: what the storage-proof circuit
// takes per sample.
type CellProof struct {
	// Cell is the cell index in the slot.
	Cell uint64
	// Data is the cell's CellSize bytes.
	Data []byte
	// Elements is poseidon2.BytesToElements(Data): the circuit's cellData
	// (67 elements for 2048-byte cells).
	Elements []accel.Fr
	// Path holds the siblings from the cell up to the slot root, bottom
	// up: log2(BlockCells) in the block's cell tree, then
	// log2(SlotBlocksTotal) in the slot tree (each at least 1, as a
	// one-leaf tree still compresses once). The circuit's merklePaths is
	// this path padded with zeros to its maxDepth.
	Path []accel.Fr
}

// CellProof reads the block holding cell (through the slot's reader, so
// a lost block is repaired when the reader does that), rehashes its cells
// and returns the cell's data and Merkle path. Errors: ErrIndex, ErrBlock
// (naming the block), ErrCorrupt when the block no longer hashes to the
// digest the slot was built with (the data changed: build the slot again),
// the kernel's errors.
func (s *Slot) CellProof(ctx context.Context, cell uint64) (*CellProof, error) {
	if cell >= s.CellCount() {
		return nil, fmt.Errorf("%w: cell %d of %d", ErrIndex, cell, s.CellCount())
	}
	bc := uint64(s.l.BlockCells)
	pos, inBlock := int(cell/bc), int(cell%bc)
	idx, pad, err := s.l.BlockIndex(s.index, pos)
	if err != nil {
		return nil, err
	}
	var (
		data []byte
		bt   *merkle.Tree[accel.Fr]
	)
	if pad {
		data, bt = s.h.zero, s.h.empty
	} else {
		if data, err = s.src.ReadBlock(ctx, idx); err != nil {
			return nil, fmt.Errorf("%w: slot %d block %d is dataset leaf %d: %w; "+
				"read the dataset through ec.Open (which rebuilds lost blocks from parity) or run a scrub, then retry",
				ErrBlock, s.index, pos, idx, err)
		}
		if bt, err = s.h.blockTree(idx, data); err != nil {
			return nil, err
		}
		if len(data) == 0 {
			data = s.h.zero
		}
	}
	if bt.Root() != s.digests[pos] {
		return nil, fmt.Errorf("%w: slot %d block %d (dataset leaf %d) no longer hashes to its digest; build the slot again", ErrCorrupt, s.index, pos, idx)
	}
	lower, err := bt.Proof(inBlock)
	if err != nil {
		return nil, fmt.Errorf("slots: BUG: block proof: %w", err)
	}
	upper, err := s.tree.Proof(pos)
	if err != nil {
		return nil, fmt.Errorf("slots: BUG: slot proof: %w", err)
	}
	cs := s.l.CellSize
	cd := append([]byte(nil), data[inBlock*cs:(inBlock+1)*cs]...)
	return &CellProof{
		Cell:     cell,
		Data:     cd,
		Elements: poseidon2.BytesToElements(nil, cd),
		Path:     append(lower, upper...),
	}, nil
}

// VerifyCell checks that the cell elements and path of cp hash up to
// slotRoot in a slot of nCells cells with blockCells cells per block, as
// the circuit does: sponge of the elements, then the block tree (its own
// bottom layer) for log2(blockCells) levels, then the slot tree for the
// rest. It returns nil or an error saying what failed (ErrProof).
func VerifyCell(p accel.Poseidon2, slotRoot accel.Fr, nCells, blockCells uint64, cp *CellProof) error {
	_, ok1 := log2(blockCells)
	_, ok2 := log2(nCells)
	if !ok1 || !ok2 || blockCells > nCells {
		return fmt.Errorf("%w: %d cells, %d per block: want powers of two", ErrProof, nCells, blockCells)
	}
	bd, sd := treeDepth(blockCells), treeDepth(nCells/blockCells)
	if cp == nil || cp.Cell >= nCells || len(cp.Path) != bd+sd {
		return fmt.Errorf("%w: cell or path length (want %d siblings) does not fit the slot", ErrProof, bd+sd)
	}
	leaf, err := p.Sponge(cp.Elements)
	if err != nil {
		return fmt.Errorf("%w: hash cell %d: %w", ErrProof, cp.Cell, err)
	}
	c := merkle.Poseidon2(p)
	blockRoot, err := RootFromPath(c, leaf, cp.Cell%blockCells, blockCells, cp.Path[:bd])
	if err != nil {
		return err
	}
	root, err := RootFromPath(c, blockRoot, cp.Cell/blockCells, nCells/blockCells, cp.Path[bd:])
	if err != nil {
		return err
	}
	if root != slotRoot {
		return fmt.Errorf("%w: cell %d does not hash up to the slot root", ErrProof, cp.Cell)
	}
	return nil
}

// RootFromPath recomputes the root of a keyed Poseidon2 tree of n leaves
// from leaf at index and its sibling path (bottom up), with the odd-node
// rule of accel/merkle: the last node of an odd layer takes the odd key.
// It returns ErrProof when index or the path length does not fit n.
func RootFromPath(c merkle.Compressor[accel.Fr], leaf accel.Fr, index, n uint64, path []accel.Fr) (accel.Fr, error) {
	if index >= n {
		return accel.Fr{}, fmt.Errorf("%w: index %d of %d leaves", ErrProof, index, n)
	}
	if len(path) != treeDepth(n) {
		return accel.Fr{}, fmt.Errorf("%w: %d siblings for %d leaves, want %d", ErrProof, len(path), n, treeDepth(n))
	}
	node, m := leaf, n
	out := make([]accel.Fr, 1)
	for level, sib := range path {
		key := merkle.KeyInner
		if level == 0 {
			key = merkle.KeyBottom
		}
		in := []accel.Fr{node, sib}
		switch {
		case index%2 == 1:
			in = []accel.Fr{sib, node}
		case index == m-1:
			key |= merkle.KeyInnerOdd
		}
		if err := c.CompressPairs(out, in, key); err != nil {
			return accel.Fr{}, fmt.Errorf("slots: path level %d: %w", level, err)
		}
		node = out[0]
		index /= 2
		m = (m + 1) / 2
	}
	return node, nil
}
