package slots_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// TestBuildRepairsThroughParity loses a data block in the store and builds
// through ec.Dataset, which rebuilds it from its column: the slot root is
// the one of the intact dataset.
func TestBuildRepairsThroughParity(t *testing.T) {
	ctx := context.Background()
	d, pc, st := ecStore(t, 7*blockSize, blockSize, 3, 2)
	m := d.Manifest()
	p := backends(t)[len(backends(t))-1]
	want, err := slots.Build(ctx, d, m, 1, slots.Options{Poseidon2: p})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := st.DatasetBlocks(ctx, pc, 6, 1) // leaf 6 = slot 1, block 1
	if err != nil {
		t.Fatal(err)
	}
	lossy := losingStore{Store: st, lost: listed[0], hits: new(atomic.Int32)}
	ld, err := ec.Open(ctx, lossy, pc, ec.Options{Hasher: hasher(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := slots.Build(ctx, ld, m, 1, slots.Options{Poseidon2: p})
	if err != nil {
		t.Fatalf("Build(slot 1, leaf 6 lost, parity intact) = %v", err)
	}
	if lossy.hits.Load() == 0 {
		t.Fatal("the lost block was never read")
	}
	if got.Root() != want.Root() {
		t.Errorf("repaired slot root = %x, want %x", got.Root(), want.Root())
	}
}

// rootCID wraps a root as nim-codex does: CIDv1 with an identity multihash.
func rootCID(t *testing.T, codec uint64, r accel.Fr) cid.Cid {
	t.Helper()
	mh, err := multihash.Sum(r[:], multihash.IDENTITY, -1)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(codec, mh)
}

// TestVerifiableManifest checks that a manifest's own slot roots and
// verify root are checked against the built ones.
func TestVerifiableManifest(t *testing.T) {
	ctx := context.Background()
	d, _ := ecDataset(t, 6*blockSize, blockSize, 3, 2)
	m := d.Manifest()
	p := backends(t)[len(backends(t))-1]
	ds, err := slots.BuildDataset(ctx, d, m, slots.Options{Poseidon2: p})
	if err != nil {
		t.Fatal(err)
	}
	v := &manifest.VerificationInfo{CellSize: slots.DefaultCellSize, Strategy: manifest.StrategyStepped,
		VerifyRoot: rootCID(t, cids.CodecVerify, ds.Root())}
	for _, r := range ds.SlotRoots() {
		v.SlotRoots = append(v.SlotRoots, rootCID(t, cids.CodecSlotRoot, r))
	}
	m.Erasure.Verification = v
	if _, err := slots.BuildDataset(ctx, d, m, slots.Options{Poseidon2: p}); err != nil {
		t.Fatalf("BuildDataset(matching verification info) = %v", err)
	}
	v.SlotRoots[2] = v.SlotRoots[1]
	if _, err := slots.BuildDataset(ctx, d, m, slots.Options{Poseidon2: p}); !errors.Is(err, slots.ErrMismatch) {
		t.Errorf("BuildDataset(wrong slot root) = %v, want ErrMismatch", err)
	}
}
