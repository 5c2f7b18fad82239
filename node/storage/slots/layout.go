package slots

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// DefaultCellSize is the upstream cell size in bytes (nim-codex
// DefaultCellSize): a cell becomes CellElements field elements.
const DefaultCellSize = 2048

// CellElements is the number of field elements of a DefaultCellSize cell,
// the circuit's nFieldElemsPerCell.
var CellElements = poseidon2.NumElements(DefaultCellSize)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrLayout reports a manifest whose dataset cannot be cut into slots:
	// not erasure coded, a block count not divisible by the slot count, a
	// block size that is not a power-of-two multiple of the cell size.
	ErrLayout = errors.New("slots: dataset has no slot layout")
	// ErrBlock reports a block of the slot that could not be read or has
	// the wrong size. The error names the tree index of the block.
	ErrBlock = errors.New("slots: slot block unreadable")
	// ErrIndex reports a slot or cell index out of range.
	ErrIndex = errors.New("slots: index out of range")
	// ErrCorrupt reports a slot file that is damaged or belongs to other
	// data, or a block that changed since its slot was built. Build the
	// slot again.
	ErrCorrupt = errors.New("slots: slot data corrupt")
	// ErrProof reports a cell or slot proof that does not verify.
	ErrProof = errors.New("slots: proof does not verify")
)

// Layout is how a protected dataset is cut into slots, cells and pad
// blocks, as nim-codex SlotsBuilder.new computes it. It is a plain value.
type Layout struct {
	// NumSlots is K+M, the number of slots.
	NumSlots int
	// BlocksCount is the number of leaves of the protected dataset tree.
	BlocksCount int
	// BlockSize and CellSize are in bytes; CellSize divides BlockSize.
	BlockSize, CellSize int
	// BlockCells is BlockSize / CellSize, a power of two (32 upstream).
	BlockCells int
	// SlotBlocks is BlocksCount / NumSlots: the dataset blocks of a slot.
	SlotBlocks int
	// SlotBlocksTotal is SlotBlocks plus the pad blocks that make the
	// slot's cell count a power of two.
	SlotBlocksTotal int
	// Strategy maps (slot, position) to a tree index.
	Strategy manifest.Strategy
}

// NewLayout returns the slot layout of the protected manifest m with the
// given cell size and strategy (when m carries verification info, its cell
// size and strategy are used instead, as upstream does). Errors wrap
// ErrLayout.
func NewLayout(m *manifest.Manifest, cellSize int, strategy manifest.Strategy) (Layout, error) {
	if m == nil || !m.Protected() {
		return Layout{}, fmt.Errorf("%w: the manifest is not erasure coded; encode it first (ec.Encode)", ErrLayout)
	}
	if v := m.Erasure.Verification; v != nil {
		cellSize, strategy = int(v.CellSize), v.Strategy
	}
	if strategy != manifest.StrategyLinear && strategy != manifest.StrategyStepped {
		return Layout{}, fmt.Errorf("%w: unknown strategy %s", ErrLayout, strategy)
	}
	numSlots := int(m.Erasure.K) + int(m.Erasure.M)
	blocks := m.BlocksCount()
	bs := int(m.BlockSize)
	switch {
	case numSlots < 1:
		return Layout{}, fmt.Errorf("%w: K+M = 0", ErrLayout)
	case blocks == 0 || blocks > 1<<40:
		return Layout{}, fmt.Errorf("%w: %d blocks", ErrLayout, blocks)
	case blocks%uint64(numSlots) != 0:
		return Layout{}, fmt.Errorf("%w: %d blocks are not divisible by %d slots", ErrLayout, blocks, numSlots)
	case cellSize <= 0 || bs <= 0 || bs%cellSize != 0:
		return Layout{}, fmt.Errorf("%w: block size %d is not a multiple of cell size %d", ErrLayout, bs, cellSize)
	case bits.OnesCount(uint(bs/cellSize)) != 1:
		return Layout{}, fmt.Errorf("%w: %d cells per block is not a power of two", ErrLayout, bs/cellSize)
	}
	slotBlocks := int(blocks) / numSlots
	l := Layout{
		NumSlots: numSlots, BlocksCount: int(blocks), BlockSize: bs, CellSize: cellSize,
		BlockCells: bs / cellSize, SlotBlocks: slotBlocks, Strategy: strategy,
	}
	// pow2SlotCells / BlockCells, with BlockCells a power of two.
	l.SlotBlocksTotal = nextPow2(slotBlocks*l.BlockCells) / l.BlockCells
	if l.CellCount() > 1<<62 {
		return Layout{}, fmt.Errorf("%w: %d cells per slot", ErrLayout, l.CellCount())
	}
	return l, nil
}

// CellCount returns the cells of one slot, pad blocks included: a power
// of two, the circuit's nCellsPerSlot.
func (l Layout) CellCount() int { return l.SlotBlocksTotal * l.BlockCells }

// CellElements returns the field elements of one cell.
func (l Layout) CellElements() int { return poseidon2.NumElements(l.CellSize) }

// BlockIndex returns the dataset tree index of block pos of slot, or pad
// = true for a pad block (pos ≥ SlotBlocks), which has no index. It
// follows nim-codex IndexingStrategy over [0, NumSlots·SlotBlocksTotal)
// with NumSlots iterations. Errors wrap ErrIndex; with the Linear strategy
// and pad blocks upstream can address leaves past the dataset, which is
// reported too.
func (l Layout) BlockIndex(slot, pos int) (idx int, pad bool, err error) {
	if slot < 0 || slot >= l.NumSlots || pos < 0 || pos >= l.SlotBlocksTotal {
		return 0, false, fmt.Errorf("%w: block %d of slot %d (%d slots of %d blocks)", ErrIndex, pos, slot, l.NumSlots, l.SlotBlocksTotal)
	}
	if pos >= l.SlotBlocks {
		return 0, true, nil
	}
	if l.Strategy == manifest.StrategyStepped {
		idx = slot + pos*l.NumSlots
	} else {
		idx = slot*l.SlotBlocksTotal + pos
	}
	if idx >= l.BlocksCount {
		return 0, false, fmt.Errorf("%w: block %d of slot %d maps to leaf %d of %d (linear strategy with pad blocks)", ErrIndex, pos, slot, idx, l.BlocksCount)
	}
	return idx, false, nil
}

// nextPow2 returns the least power of two ≥ n (1 for n ≤ 1).
func nextPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// treeDepth returns the number of compression layers of a keyed tree of
// n ≥ 1 leaves: ceil(log2 n), but at least 1 (the bottom layer is always
// compressed, so one leaf still has a one-sibling path).
func treeDepth(n uint64) int {
	d := bits.Len64(n - 1)
	return max(d, 1)
}

// log2 returns k with 1<<k == n, or false when n is not a power of two.
func log2(n uint64) (int, bool) {
	if n == 0 || n&(n-1) != 0 {
		return 0, false
	}
	return bits.TrailingZeros64(n), true
}
