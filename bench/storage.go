package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// storeBytes is the dataset size of the block store cases: big enough to
// span several segments and memtables, small enough for BENCH=quick.
const storeBytes = 64 << 20

// storageCases measure the block store (node/storage/pebblestore) in both
// layouts of block bodies, on a temporary directory under os.TempDir():
//   - store-put commits a 64 MiB dataset of 64 KiB blocks (one fsync) and
//     deletes it again with maintenance, so that every call writes all the
//     blocks;
//   - store-get reads such a dataset back with GetMany, 64 blocks a call,
//     every block hashed with backend b's SHA-256 kernel.
//
// Write amplification, which a rate cannot show, is measured by the
// package's own TestMeasureLayouts (see its documentation).
func storageCases() []Case {
	var cs []Case
	for _, l := range []pebblestore.Layout{pebblestore.LayoutSegments, pebblestore.LayoutBlobs} {
		params := fmt.Sprintf("%dMiB,64KiB blocks,layout=%s", storeBytes>>20, l)
		cs = append(cs,
			Case{Kernel: "store-put", Params: params, Unit: "MB/s", Quick: true, Setup: storeSetup(l, false)},
			Case{Kernel: "store-get", Params: params, Unit: "MB/s", Quick: true, Setup: storeSetup(l, true)},
		)
	}
	return cs
}

// storeBlocks returns storeBytes of distinct 64 KiB blocks and their CIDs:
// one random block, with the block index in its first 8 bytes.
func storeBlocks() ([][]byte, []cid.Cid) {
	base := randBytes(rand.New(rand.NewPCG(12, 12)), shardSize)
	n := storeBytes / shardSize
	datas := make([][]byte, n)
	cs := make([]cid.Cid, n)
	for i := range datas {
		datas[i] = append([]byte(nil), base...)
		binary.LittleEndian.PutUint64(datas[i], uint64(i))
		cs[i] = cids.Block(datas[i])
	}
	return datas, cs
}

// storeDataset commits datas as one dataset and returns its manifest CID.
func storeDataset(ctx context.Context, st storage.Store, datas [][]byte, cs []cid.Cid) (cid.Cid, error) {
	b := st.NewBatch()
	defer b.Discard()
	for i := range datas {
		if err := b.Put(ctx, cs[i], datas[i]); err != nil {
			return cid.Undef, err
		}
	}
	mb := []byte("bench dataset")
	m := cids.Manifest(mb)
	return m, b.CommitDataset(ctx, storage.NewDataset{Manifest: m, ManifestBytes: mb, Blocks: cs})
}

func storeSetup(l pebblestore.Layout, get bool) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		h, err := sha256x.New(b)
		if err != nil {
			return nil, 0, err
		}
		dir, err := os.MkdirTemp("", "cairn-bench-store-")
		if err != nil {
			return nil, 0, err
		}
		ctx := context.Background()
		st, err := pebblestore.Open(ctx, pebblestore.Options{Dir: dir, Layout: l, Hasher: h, QuotaBytes: 1 << 40, MaintenanceInterval: -1})
		if err != nil {
			os.RemoveAll(dir)
			return nil, 0, err
		}
		atCaseEnd(func() { st.Close(); os.RemoveAll(dir) })
		datas, cs := storeBlocks()
		if !get {
			return func() error {
				m, err := storeDataset(ctx, st, datas, cs)
				if err != nil {
					return err
				}
				if err := st.DeleteDataset(ctx, m); err != nil {
					return err
				}
				_, err = st.Maintain(ctx)
				return err
			}, storeBytes, nil
		}
		if _, err := storeDataset(ctx, st, datas, cs); err != nil {
			return nil, 0, err
		}
		const batch = 64
		return func() error {
			for i := 0; i < len(cs); i += batch {
				if _, err := st.GetMany(ctx, cs[i:min(i+batch, len(cs))]); err != nil {
					return err
				}
			}
			return nil
		}, storeBytes, nil
	}
}
