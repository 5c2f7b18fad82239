package slots

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// ErrMismatch reports built roots that differ from the slot roots or the
// verify root the manifest carries: the stored data is not the data the
// manifest was made for (repair it from parity, or fetch it again).
var ErrMismatch = errors.New("slots: roots differ from the manifest's")

// Dataset is every slot of a protected dataset and the dataset (verify)
// tree over their roots.
//
// concurrency: immutable and safe for concurrent use.
type Dataset struct {
	slots []*Slot
	tree  *merkle.Tree[accel.Fr]
}

// BuildDataset builds every slot of m in turn (see Build; each slot uses
// all cores), then the dataset tree over the slot roots. When m carries
// verification info, the roots must match its slot roots and verify root,
// else the error wraps ErrMismatch. Errors otherwise as Build.
func BuildDataset(ctx context.Context, src BlockReader, m *manifest.Manifest, opts Options) (*Dataset, error) {
	p, l, err := opts.resolve(m)
	if err != nil {
		return nil, err
	}
	h, err := newHasher(p, l)
	if err != nil {
		return nil, err
	}
	ss := make([]*Slot, l.NumSlots)
	for i := range ss {
		if ss[i], err = build(ctx, src, m, i, h, opts.Dir); err != nil {
			return nil, err
		}
	}
	return newDataset(m, ss, p)
}

// OpenDataset opens every slot of m from opts.Dir (see Open) and rebuilds
// the dataset tree; errors as Open and BuildDataset.
func OpenDataset(ctx context.Context, src BlockReader, m *manifest.Manifest, opts Options) (*Dataset, error) {
	p, l, err := opts.resolve(m)
	if err != nil {
		return nil, err
	}
	opts.Poseidon2 = p
	ss := make([]*Slot, l.NumSlots)
	for i := range ss {
		if ss[i], err = Open(ctx, src, m, i, opts); err != nil {
			return nil, err
		}
	}
	return newDataset(m, ss, p)
}

// newDataset builds the dataset tree and checks it against m.
func newDataset(m *manifest.Manifest, ss []*Slot, p accel.Poseidon2) (*Dataset, error) {
	roots := make([]accel.Fr, len(ss))
	for i, s := range ss {
		roots[i] = s.Root()
	}
	t, err := merkle.Build(roots, merkle.Poseidon2(p))
	if err != nil {
		return nil, fmt.Errorf("slots: dataset tree: %w", err)
	}
	d := &Dataset{slots: ss, tree: t}
	if v := m.Erasure.Verification; v != nil {
		if len(v.SlotRoots) != len(ss) {
			return nil, fmt.Errorf("%w: the manifest lists %d slot roots for %d slots", ErrMismatch, len(v.SlotRoots), len(ss))
		}
		for i, c := range v.SlotRoots {
			if !cidHolds(c, roots[i]) {
				return nil, fmt.Errorf("%w: slot %d root %x is not the manifest's %s; repair the slot's blocks and build again", ErrMismatch, i, roots[i], c)
			}
		}
		if !cidHolds(v.VerifyRoot, t.Root()) {
			return nil, fmt.Errorf("%w: dataset root is not the manifest's verify root %s", ErrMismatch, v.VerifyRoot)
		}
	}
	return d, nil
}

// cidHolds reports whether the multihash digest of c is root's bytes.
func cidHolds(c cid.Cid, root accel.Fr) bool {
	if !c.Defined() {
		return false
	}
	mh, err := multihash.Decode(c.Hash())
	return err == nil && bytes.Equal(mh.Digest, root[:])
}

// Root returns the dataset root: the keyed Poseidon2 Merkle root over the
// slot roots (the circuit's dataSetRoot, the manifest's verifyRoot).
func (d *Dataset) Root() accel.Fr { return d.tree.Root() }

// NumSlots returns the number of slots.
func (d *Dataset) NumSlots() int { return len(d.slots) }

// Slot returns slot i, or nil when i is out of range.
func (d *Dataset) Slot(i int) *Slot {
	if i < 0 || i >= len(d.slots) {
		return nil
	}
	return d.slots[i]
}

// SlotRoots returns the slot roots in slot order (a new slice).
func (d *Dataset) SlotRoots() []accel.Fr {
	out := make([]accel.Fr, len(d.slots))
	for i, s := range d.slots {
		out[i] = s.Root()
	}
	return out
}

// SlotProof returns the sibling path of slot i's root up to the dataset
// root, bottom up: the circuit's slotProof before its zero padding to
// maxLog2NSlots. Check it with RootFromPath. Errors wrap ErrIndex.
func (d *Dataset) SlotProof(i int) ([]accel.Fr, error) {
	if i < 0 || i >= len(d.slots) {
		return nil, fmt.Errorf("%w: slot %d of %d", ErrIndex, i, len(d.slots))
	}
	return d.tree.Proof(i)
}
