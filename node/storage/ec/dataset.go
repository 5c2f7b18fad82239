package ec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// Dataset is a stored protected (erasure-coded) dataset opened for reading
// and repair. It holds the manifest, the geometry and the code, never
// block data.
//
// concurrency: a Dataset is immutable and safe for concurrent use; its
// Readers are not (one per goroutine).
type Dataset struct {
	store  storage.Store
	id     cid.Cid
	man    *manifest.Manifest
	g      Geometry
	bs     int
	code   accel.Erasure
	hasher accel.SHA256
	log    *slog.Logger
	batch  int
	zero   []byte // a padding block as the coder sees it; never written
}

// Open opens the protected dataset whose manifest CID is protected. It
// reads and checks the manifest (erasure info with the Stepped strategy,
// manifest.Validate) and the dataset record (its block list must have the
// manifest's block count). Errors wrap ErrNotProtected, ErrInconsistent,
// manifest.ErrInvalid / ErrMalformed, the store's ErrNotFound, or the
// routing errors of the code.
func Open(ctx context.Context, store storage.Store, protected cid.Cid, opts Options) (*Dataset, error) {
	r, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	man, err := loadManifest(ctx, store, protected)
	if err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) (*Dataset, error) {
		return nil, fmt.Errorf("ec: open %s: "+format, append([]any{cids.String(protected)}, args...)...)
	}
	if !man.Protected() {
		return fail("%w: the manifest has no erasure info", ErrNotProtected)
	}
	if man.Erasure.Strategy != manifest.StrategyStepped {
		return fail("%w: strategy %s", ErrNotProtected, man.Erasure.Strategy)
	}
	if err := man.Validate(); err != nil {
		return fail("%w", err)
	}
	b, err := blockCount(man.OriginalBlocksCount())
	if err != nil {
		return fail("%w", err)
	}
	g, err := NewGeometry(b, int(man.Erasure.K), int(man.Erasure.M))
	if err != nil {
		return fail("%w", err)
	}
	info, err := store.Dataset(ctx, protected)
	if err != nil {
		return fail("%w", err)
	}
	if info.Blocks != g.Total {
		return fail("%w: the block list holds %d blocks, the manifest says %d", ErrInconsistent, info.Blocks, g.Total)
	}
	bs := int(man.BlockSize)
	code, err := r.code(g.K, g.M, bs)
	if err != nil {
		return fail("%w", err)
	}
	return &Dataset{
		store: store, id: protected, man: man, g: g, bs: bs, code: code,
		hasher: r.hasher, log: r.log, batch: r.batch, zero: make([]byte, bs),
	}, nil
}

// CID returns the protected manifest CID.
func (d *Dataset) CID() cid.Cid { return d.id }

// Geometry returns the dataset's layout.
func (d *Dataset) Geometry() Geometry { return d.g }

// Manifest returns a copy of the protected manifest; the caller may modify
// it.
func (d *Dataset) Manifest() *manifest.Manifest {
	m := *d.man
	e := *m.Erasure
	m.Erasure = &e
	if v := e.Verification; v != nil {
		vc := *v
		vc.SlotRoots = slices.Clone(v.SlotRoots)
		e.Verification = &vc
	}
	return &m
}

// Size returns the size of the original data in bytes
// (originalDatasetSize): what a Reader reads.
func (d *Dataset) Size() int64 { return int64(d.man.Erasure.OriginalDatasetSize) }

// ReadBlock returns the block at tree index i (data, padding or parity),
// checked against its CID. A padding index returns the empty block's
// content, an empty slice, as upstream stores do. A data or parity block
// that is missing or corrupt is rebuilt from its column, checked, stored
// again (repaired) and returned. Errors: a *ColumnError (ErrUnrecoverable)
// when the column has lost more than M blocks, ErrInconsistent, the
// store's errors. The slice is the caller's.
func (d *Dataset) ReadBlock(ctx context.Context, i int) ([]byte, error) {
	if i < 0 || i >= d.g.Total {
		return nil, fmt.Errorf("ec: dataset %s: block %d out of range [0, %d)", cids.String(d.id), i, d.g.Total)
	}
	if d.g.IsPadding(i) {
		return []byte{}, nil
	}
	c, err := d.listed(ctx, i)
	if err != nil {
		return nil, err
	}
	data, err := d.store.Get(ctx, c)
	if err == nil {
		return data, nil
	}
	if !isLoss(err) {
		return nil, fmt.Errorf("ec: dataset %s block %d: %w", cids.String(d.id), i, err)
	}
	shards, err := d.repairColumn(ctx, d.g.Column(i))
	if err != nil {
		return nil, err
	}
	return shards[d.g.Row(i)], nil
}

// ReadBlock opens the protected dataset and reads its block at tree index
// i; see Dataset.ReadBlock.
func ReadBlock(ctx context.Context, store storage.Store, protected cid.Cid, i int, opts Options) ([]byte, error) {
	d, err := Open(ctx, store, protected, opts)
	if err != nil {
		return nil, err
	}
	return d.ReadBlock(ctx, i)
}

// listed returns the CID at index i of the dataset's block list.
func (d *Dataset) listed(ctx context.Context, i int) (cid.Cid, error) {
	cs, err := d.store.DatasetBlocks(ctx, d.id, i, 1)
	if err != nil {
		return cid.Undef, fmt.Errorf("ec: dataset %s block list at %d: %w", cids.String(d.id), i, err)
	}
	if len(cs) != 1 {
		return cid.Undef, fmt.Errorf("ec: dataset %s: %w: no list entry %d", cids.String(d.id), ErrInconsistent, i)
	}
	return cs[0], nil
}

// column is one codeword in memory: shards[r] is row r (nil when lost,
// d.zero for padding), list[r] its CID.
type column struct {
	s      int
	shards [][]byte
	list   []cid.Cid
}

// lost returns the rows whose shards are missing.
func (c *column) lost() []int {
	var rows []int
	for r, b := range c.shards {
		if b == nil {
			rows = append(rows, r)
		}
	}
	return rows
}

// checkPadding checks that the list gives padding rows the empty CID and
// other rows something else, and sets the padding shards.
func (d *Dataset) checkPadding(c *column) error {
	for r, lc := range c.list {
		i := d.g.Index(r, c.s)
		if pad := d.g.IsPadding(i); pad != (lc == cids.EmptyBlock) {
			return fmt.Errorf("ec: dataset %s: %w: block %d is %s, padding=%v by the geometry",
				cids.String(d.id), ErrInconsistent, i, cids.String(lc), pad)
		}
		if d.g.IsPadding(i) {
			c.shards[r] = d.zero
		}
	}
	return nil
}

// fetchColumn reads column s from the store; lost blocks are nil.
func (d *Dataset) fetchColumn(ctx context.Context, s int) (*column, error) {
	n := d.g.K + d.g.M
	c := &column{s: s, shards: make([][]byte, n), list: make([]cid.Cid, n)}
	for r := range n {
		lc, err := d.listed(ctx, d.g.Index(r, s))
		if err != nil {
			return nil, err
		}
		c.list[r] = lc
	}
	if err := d.checkPadding(c); err != nil {
		return nil, err
	}
	var want []cid.Cid
	var rows []int
	for r, lc := range c.list {
		if c.shards[r] == nil {
			want = append(want, lc)
			rows = append(rows, r)
		}
	}
	data, err := d.store.GetMany(ctx, want)
	if data == nil && err != nil {
		return nil, fmt.Errorf("ec: dataset %s column %d: %w", cids.String(d.id), s, err)
	}
	for x, r := range rows {
		c.shards[r] = data[x]
	}
	return c, nil
}

// rebuild reconstructs the lost shards of c in place and checks every
// rebuilt block against its CID. It returns the rows rebuilt, or a
// *ColumnError when more than M are lost, or ErrInconsistent when a
// rebuilt block does not match (c is then left with the lost rows nil).
func (d *Dataset) rebuild(c *column) ([]int, error) {
	rows := c.lost()
	if len(rows) == 0 {
		return nil, nil
	}
	if len(rows) > d.g.M {
		e := &ColumnError{Dataset: d.id, Column: c.s, K: d.g.K, M: d.g.M}
		for _, r := range rows {
			e.Lost = append(e.Lost, d.g.Index(r, c.s))
		}
		return nil, e
	}
	if err := d.code.Reconstruct(c.shards); err != nil {
		return nil, fmt.Errorf("ec: dataset %s column %d: %w", cids.String(d.id), c.s, err)
	}
	blocks := make([][]byte, len(rows))
	for x, r := range rows {
		blocks[x] = c.shards[r]
	}
	sums := make([][32]byte, len(rows))
	if err := d.hasher.SumBlocks(sums, blocks); err != nil {
		return nil, fmt.Errorf("ec: dataset %s column %d: hash rebuilt blocks: %w", cids.String(d.id), c.s, err)
	}
	var bad []error
	for x, r := range rows {
		if got := cids.FromDigest(cids.CodecBlock, sums[x]); got != c.list[r] {
			bad = append(bad, fmt.Errorf("block %d rebuilt as %s, the list says %s", d.g.Index(r, c.s), cids.String(got), cids.String(c.list[r])))
		}
	}
	if len(bad) > 0 {
		for _, r := range rows {
			c.shards[r] = nil
		}
		return nil, fmt.Errorf("ec: dataset %s column %d: %w: %w", cids.String(d.id), c.s, ErrInconsistent, errors.Join(bad...))
	}
	return rows, nil
}

// put stores the given rows of c in one batch (one sync).
func (d *Dataset) put(ctx context.Context, c *column, rows []int) error {
	b := d.store.NewBatch()
	defer b.Discard()
	for _, r := range rows {
		if err := b.Put(ctx, c.list[r], c.shards[r]); err != nil {
			return err
		}
	}
	return b.Commit(ctx)
}

// repairColumn reads column s, rebuilds what is lost, stores the rebuilt
// blocks and returns the column's K+M blocks by row (padding rows are
// blockSize zeros shared with the Dataset: read only). A failure to store
// the rebuilt blocks is logged, not returned: the bytes are good and the
// next read repairs again.
func (d *Dataset) repairColumn(ctx context.Context, s int) ([][]byte, error) {
	c, err := d.fetchColumn(ctx, s)
	if err != nil {
		return nil, err
	}
	rows, err := d.rebuild(c)
	if err != nil {
		return nil, err
	}
	if len(rows) > 0 {
		if err := d.put(ctx, c, rows); err != nil {
			d.log.Warn("store rebuilt blocks", "dataset", cids.String(d.id), "column", s, "err", err)
		} else {
			d.log.Info("repaired column", "dataset", cids.String(d.id), "column", s, "blocks", len(rows))
		}
	}
	return c.shards, nil
}
