package ec

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// Encode erasure-codes the stored plain dataset whose manifest CID is
// plain with K data and M parity blocks per column, as nim-codex v0.2
// does (storage-formats.md §6), and stores the result as a new dataset.
// It returns the protected manifest CID.
//
// It reads the plain dataset a batch of columns at a time (see
// Options.BatchBytes), computes each column's parity with the Leopard
// code, and stages the parity blocks in one store batch. The protected
// tree covers data, padding (cids.EmptyBlock) and parity CIDs; the
// protected manifest (LayoutCodex) copies block size, codecs, filename and
// mimetype, records the original tree and size, and passes
// manifest.Validate. The dataset is committed with its block list in tree
// order, padding entries included: the empty block (0 bytes) is stored
// once, staged in the same batch, so that every listed CID is stored.
// Nothing is visible before the commit; an error leaves nothing behind.
// Encoding a dataset twice gives the same CID and refreshes its expiry.
//
// Errors wrap ErrInvalidParams (K > B and the other limits of
// NewGeometry), ErrAlreadyProtected, ErrInconsistent (the plain block
// list does not match its manifest or tree), the store's errors (a data
// block of the plain dataset that is missing or corrupt: ErrNotFound,
// ErrCorrupt), manifest.ErrInvalid, or ctx's error.
//
// concurrency: safe to call concurrently; it blocks on disk I/O and uses
// up to GOMAXPROCS goroutines for the coding, all returned on return.
func Encode(ctx context.Context, store storage.Store, plain cid.Cid, k, m int, opts Options) (cid.Cid, error) {
	r, err := opts.resolve()
	if err != nil {
		return cid.Undef, err
	}
	pm, err := loadManifest(ctx, store, plain)
	if err != nil {
		return cid.Undef, err
	}
	fail := func(format string, args ...any) (cid.Cid, error) {
		return cid.Undef, fmt.Errorf("ec: encode %s: "+format, append([]any{cids.String(plain)}, args...)...)
	}
	if pm.Protected() {
		return fail("%w", ErrAlreadyProtected)
	}
	b, err := blockCount(pm.BlocksCount())
	if err != nil {
		return fail("%w", err)
	}
	g, err := NewGeometry(b, k, m)
	if err != nil {
		return fail("%w", err)
	}
	bs := int(pm.BlockSize)
	info, err := store.Dataset(ctx, plain)
	if err != nil {
		return fail("%w", err)
	}
	if info.Blocks != b {
		return fail("%w: the block list holds %d blocks, the manifest says %d", ErrInconsistent, info.Blocks, b)
	}
	// The protected manifest, checked before any work; the tree CID is a
	// stand-in until the tree is built.
	out := &manifest.Manifest{
		TreeCID:     pm.TreeCID,
		BlockSize:   pm.BlockSize,
		DatasetSize: uint64(bs) * uint64(g.Total),
		Codec:       pm.Codec,
		HCodec:      pm.HCodec,
		Version:     pm.Version,
		Filename:    pm.Filename,
		Mimetype:    pm.Mimetype,
		Erasure: &manifest.ErasureInfo{
			K: uint32(k), M: uint32(m),
			OriginalTreeCID:     pm.TreeCID,
			OriginalDatasetSize: pm.DatasetSize,
			Strategy:            manifest.StrategyStepped,
		},
	}
	if err := out.Validate(); err != nil {
		return fail("protected manifest: %w", err)
	}
	code, err := r.code(k, m, bs)
	if err != nil {
		return fail("%w", err)
	}

	// Per leaf: the CID for the block list and the digest for the tree,
	// 32 bytes plus a CID per block; the block data is bounded by the
	// batch.
	list := make([]cid.Cid, g.Total)
	leaves := make([][32]byte, g.Total)
	batch := store.NewBatch()
	defer batch.Discard() // after the commit it does nothing
	if g.Rounded > g.Blocks {
		if err := batch.Put(ctx, cids.EmptyBlock, []byte{}); err != nil {
			return fail("stage the empty padding block: %w", err)
		}
	}
	cols := r.columnsPerBatch(g, bs)
	zero := make([]byte, bs) // padding as the coder sees it; never written
	parity := make([]byte, cols*m*bs)
	for s0 := 0; s0 < g.Steps; s0 += cols {
		if err := ctx.Err(); err != nil {
			return cid.Undef, err
		}
		n := min(cols, g.Steps-s0)
		// grid[c*K + r] is row r of column s0+c.
		grid := make([][]byte, n*k)
		for i := range grid {
			grid[i] = zero
		}
		var want []cid.Cid
		var at []int
		for row := range k {
			start := g.Index(row, s0)
			avail := min(n, g.Blocks-start)
			for c := max(avail, 0); c < n; c++ {
				list[start+c], leaves[start+c] = cids.EmptyBlock, emptyDigest
			}
			if avail <= 0 {
				continue
			}
			cs, err := store.DatasetBlocks(ctx, plain, start, avail)
			if err != nil {
				return fail("block list at %d: %w", start, err)
			}
			if len(cs) != avail {
				return fail("%w: block list at %d: %d CIDs, want %d", ErrInconsistent, start, len(cs), avail)
			}
			for j, c := range cs {
				want = append(want, c)
				at = append(at, start+j)
			}
		}
		data, err := store.GetMany(ctx, want)
		if err != nil {
			return fail("read data blocks of columns %d..%d: %w", s0, s0+n-1, err)
		}
		for x, i := range at {
			if len(data[x]) != bs {
				return fail("%w: block %d has %d bytes, the block size is %d", ErrInconsistent, i, len(data[x]), bs)
			}
			d, err := cids.Digest(want[x])
			if err != nil {
				return fail("block %d: %w", i, err)
			}
			list[i], leaves[i] = want[x], d
			grid[(g.Column(i)-s0)*k+g.Row(i)] = data[x]
		}
		pblocks := make([][]byte, n*m)
		for i := range pblocks {
			pblocks[i] = parity[i*bs : (i+1)*bs]
		}
		err = forEach(n, func(c int) error {
			shards := make([][]byte, k+m)
			copy(shards, grid[c*k:(c+1)*k])
			copy(shards[k:], pblocks[c*m:(c+1)*m])
			if err := code.Encode(shards); err != nil {
				return fmt.Errorf("column %d: %w", s0+c, err)
			}
			return nil
		})
		if err != nil {
			return fail("%w", err)
		}
		sums := make([][32]byte, len(pblocks))
		if err := r.hasher.SumBlocks(sums, pblocks); err != nil {
			return fail("hash parity: %w", err)
		}
		for c := range n {
			for j := range m {
				x := c*m + j
				i := g.ParityIndex(s0+c, j)
				pc := cids.FromDigest(cids.CodecBlock, sums[x])
				list[i], leaves[i] = pc, sums[x]
				if err := batch.Put(ctx, pc, pblocks[x]); err != nil {
					return fail("stage parity block %d: %w", i, err)
				}
			}
		}
	}

	// The data CIDs must be the plain dataset's: its tree over them gives
	// the plain tree root.
	orig, err := merkle.Build(leaves[:g.Blocks], merkle.SHA256(r.hasher))
	if err != nil {
		return fail("plain tree: %w", err)
	}
	if cids.Tree(orig.Root()) != pm.TreeCID {
		return fail("%w: the block list does not hash to the tree %s", ErrInconsistent, cids.String(pm.TreeCID))
	}
	tree, err := merkle.Build(leaves, merkle.SHA256(r.hasher))
	if err != nil {
		return fail("protected tree: %w", err)
	}
	out.TreeCID = cids.Tree(tree.Root())
	mc, enc, err := out.CID(manifest.LayoutCodex)
	if err != nil {
		return fail("protected manifest: %w", err)
	}
	if err := batch.CommitDataset(ctx, storage.NewDataset{Manifest: mc, ManifestBytes: enc, Tree: out.TreeCID, Blocks: list}); err != nil {
		return fail("commit: %w", err)
	}
	r.log.Info("erasure-coded dataset", "plain", cids.String(plain), "protected", cids.String(mc),
		"k", k, "m", m, "blocks", g.Blocks, "padding", g.Rounded-g.Blocks, "parity", g.Steps*m)
	return mc, nil
}
