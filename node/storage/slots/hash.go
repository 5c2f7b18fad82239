package slots

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// batchCells is the number of cells hashed in one SpongeMany batch on a
// CPU backend: 256 cells (8 blocks of 64 KiB, 512 KiB) keep every core of
// the simd backend busy (it splits batches of 128 or more states) while
// the parallel workers of Build take one batch each.
const batchCells = 256

// hasher hashes cells and blocks of one layout with one Poseidon2 kernel.
// concurrency: safe for concurrent use once built.
type hasher struct {
	p     accel.Poseidon2
	l     Layout
	zero  []byte                 // a pad block: BlockSize zero bytes
	empty *merkle.Tree[accel.Fr] // the block tree of zero
}

// newHasher returns a hasher and computes the tree of the zero block once.
func newHasher(p accel.Poseidon2, l Layout) (*hasher, error) {
	h := &hasher{p: p, l: l, zero: make([]byte, l.BlockSize)}
	t, err := h.tree(h.zero)
	if err != nil {
		return nil, err
	}
	h.empty = t
	return h, nil
}

// trees returns the Merkle trees over the cell hashes of blocks, each a
// whole block. All cells go through one poseidon2.SpongeMany call, so
// the kernel sees one batch of len(blocks)·BlockCells sponges. It runs on
// the calling goroutine (and the kernel's own).
func (h *hasher) trees(blocks [][]byte) ([]*merkle.Tree[accel.Fr], error) {
	bc, cs := h.l.BlockCells, h.l.CellSize
	msgs := make([][]accel.Fr, 0, len(blocks)*bc)
	elems := make([]accel.Fr, 0, len(blocks)*bc*h.l.CellElements())
	for _, data := range blocks {
		for i := range bc {
			from := len(elems)
			elems = poseidon2.BytesToElements(elems, data[i*cs:(i+1)*cs])
			msgs = append(msgs, elems[from:len(elems):len(elems)])
		}
	}
	leaves := make([]accel.Fr, len(msgs))
	if err := poseidon2.SpongeMany(h.p, leaves, msgs); err != nil {
		return nil, fmt.Errorf("slots: hash cells: %w", err)
	}
	out := make([]*merkle.Tree[accel.Fr], len(blocks))
	for b := range out {
		t, err := merkle.Build(leaves[b*bc:(b+1)*bc], merkle.Poseidon2(h.p))
		if err != nil {
			return nil, fmt.Errorf("slots: block tree: %w", err)
		}
		out[b] = t
	}
	return out, nil
}

// tree returns the Merkle tree over the cell hashes of data, a whole
// block.
func (h *hasher) tree(data []byte) (*merkle.Tree[accel.Fr], error) {
	ts, err := h.trees([][]byte{data})
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// checkBlock returns data as a whole block: an empty block (erasure
// padding, upstream's isEmpty) is the zero block; any other length than
// BlockSize is an error wrapping ErrBlock.
func (h *hasher) checkBlock(idx int, data []byte) ([]byte, error) {
	switch len(data) {
	case 0:
		return h.zero, nil
	case h.l.BlockSize:
		return data, nil
	}
	return nil, fmt.Errorf("%w: block %d has %d bytes, want %d (or 0 for padding)", ErrBlock, idx, len(data), h.l.BlockSize)
}

// blockTree returns the tree of a block as read from the dataset (see
// checkBlock).
func (h *hasher) blockTree(idx int, data []byte) (*merkle.Tree[accel.Fr], error) {
	data, err := h.checkBlock(idx, data)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || &data[0] == &h.zero[0] {
		return h.empty, nil
	}
	return h.tree(data)
}

// batchBlocks returns how many blocks one kernel batch hashes: enough
// cells for batchCells (CPU) or for poseidon2.IcicleGPUMinBatch (icicle).
func (h *hasher) batchBlocks() int {
	cells := batchCells
	if h.p.Backend() == accel.Icicle {
		cells = max(cells, poseidon2.IcicleGPUMinBatch)
	}
	return max(1, cells/h.l.BlockCells)
}

// forEachParallel calls fn(i) for i in [0, n) on up to GOMAXPROCS
// goroutines and returns the first error (the others stop taking work).
// It stops early when ctx ends.
func forEachParallel(ctx context.Context, n int, fn func(i int) error) error {
	w := min(runtime.GOMAXPROCS(0), n)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		failed   atomic.Bool
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		failed.Store(true)
	}
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				if err := fn(i); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
