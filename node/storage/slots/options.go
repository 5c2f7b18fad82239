package slots

import (
	"context"
	"fmt"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// BlockReader reads the leaves of a protected dataset by tree index.
// *ec.Dataset implements it (and repairs lost blocks from parity on the
// way); tests may wrap it. ReadBlock must be safe for concurrent use and
// return the caller's slice: BlockSize bytes, or none for the erasure
// padding leaves (upstream's empty block).
type BlockReader interface {
	ReadBlock(ctx context.Context, i int) ([]byte, error)
}

// Options configures Build, Open and BuildDataset. The zero value gives
// the defaults.
type Options struct {
	// Poseidon2 hashes cells and trees. Nil means the backend that
	// Router picks for accel.KernelPoseidon2 (a whole slot is a large
	// batch).
	Poseidon2 accel.Poseidon2
	// Router picks the backend when Poseidon2 is nil. Nil means
	// accel.DefaultRouter().
	Router *accel.Router
	// Dir keeps one file per built slot (the block digests, so that
	// proofs do not rehash the slot). Empty means nothing is written and
	// Open fails. The directory must exist.
	Dir string
	// CellSize is the cell size in bytes for manifests without
	// verification info. Zero means DefaultCellSize.
	CellSize int
	// Linear selects the Linear indexing strategy for manifests without
	// verification info. False means Stepped, nim-codex SlotsBuilder's
	// default. A manifest's own verification strategy always wins.
	Linear bool
}

// resolve returns the kernel and the layout of m.
func (o Options) resolve(m *manifest.Manifest) (accel.Poseidon2, Layout, error) {
	cs := o.CellSize
	if cs == 0 {
		cs = DefaultCellSize
	}
	strat := manifest.StrategyStepped
	if o.Linear {
		strat = manifest.StrategyLinear
	}
	l, err := NewLayout(m, cs, strat)
	if err != nil {
		return nil, Layout{}, err
	}
	if o.Poseidon2 != nil {
		return o.Poseidon2, l, nil
	}
	r := o.Router
	if r == nil {
		if r, err = accel.DefaultRouter(); err != nil {
			return nil, Layout{}, fmt.Errorf("slots: %w", err)
		}
	}
	b, err := r.Pick(accel.KernelPoseidon2, l.CellCount())
	if err != nil {
		return nil, Layout{}, fmt.Errorf("slots: pick poseidon2 backend: %w", err)
	}
	p, err := poseidon2.New(b)
	if err != nil {
		return nil, Layout{}, fmt.Errorf("slots: %w", err)
	}
	return p, l, nil
}
