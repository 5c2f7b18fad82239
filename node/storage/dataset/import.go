package dataset

import (
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// ImportOptions configure Import: the chunking Options, what the manifest
// records, and a last check before the commit.
type ImportOptions struct {
	Options
	// Filename and Mimetype are recorded in the manifest ("" = absent).
	Filename, Mimetype string
	// Check, when set, runs once the stream is chunked and before anything
	// is committed; its error aborts the import and nothing of it becomes
	// visible.
	Check func(*Result) error
}

// Imported is a dataset Import stored.
type Imported struct {
	*Result
	// Manifest is the plain manifest (Logos Storage 2026 layout) and
	// ManifestCID its CID, the dataset's key in the store.
	Manifest    *manifest.Manifest
	ManifestCID cid.Cid
}

// Import chunks r (see Chunk), stages every block in one batch of st and
// commits the blocks, the manifest and the dataset record in one atomic
// step: a failure or a crash before the commit leaves nothing visible. It
// returns Chunk's errors, Check's error, and the store's (for example
// storage.ErrQuotaExceeded).
func Import(ctx context.Context, st storage.BlockStore, r io.Reader, opt ImportOptions) (*Imported, error) {
	b := st.NewBatch()
	defer b.Discard() // after the commit it does nothing
	res, err := Chunk(ctx, r, opt.Options, func(blk Block) error {
		return b.Put(ctx, blk.CID, blk.Data)
	})
	if err != nil {
		return nil, err
	}
	if opt.Check != nil {
		if err := opt.Check(res); err != nil {
			return nil, err
		}
	}
	m := manifest.New(res.TreeCID, uint32(res.BlockSize), res.Size)
	m.Filename, m.Mimetype = opt.Filename, opt.Mimetype
	mc, enc, err := m.CID(m.DefaultLayout())
	if err != nil {
		return nil, fmt.Errorf("dataset: manifest: %w", err)
	}
	blocks := make([]cid.Cid, len(res.Digests))
	for i := range blocks {
		blocks[i] = res.BlockCID(i)
	}
	if err := b.CommitDataset(ctx, storage.NewDataset{Manifest: mc, ManifestBytes: enc, Tree: res.TreeCID, Blocks: blocks}); err != nil {
		return nil, fmt.Errorf("dataset: commit: %w", err)
	}
	return &Imported{Result: res, Manifest: m, ManifestCID: mc}, nil
}
