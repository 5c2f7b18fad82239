package ec

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// maxColumnsInError bounds the column numbers Scrub's error lists.
const maxColumnsInError = 16

// Report is the outcome of a Scrub.
type Report struct {
	// Columns is the number of columns (codewords), Steps.
	Columns int
	// Checked counts the blocks read and checked against their CIDs:
	// every data and parity block, and the empty block once when the
	// dataset has padding. Padding entries are not read one by one: they
	// all name the empty block, whose content the layout fixes.
	Checked int
	// Missing and Corrupt count the blocks found absent (ErrNotFound) or
	// not matching their CID (ErrCorrupt).
	Missing, Corrupt int
	// Repaired counts the lost blocks rebuilt and stored again.
	Repaired int
	// Unrecoverable lists the columns with more than M lost blocks,
	// ascending, and LostBlocks counts their lost blocks, which stay lost.
	Unrecoverable []int
	LostBlocks    int
}

// Scrub checks every block of a protected dataset and repairs what it
// can; see Dataset.Scrub.
func Scrub(ctx context.Context, store storage.Store, protected cid.Cid, opts Options) (Report, error) {
	d, err := Open(ctx, store, protected, opts)
	if err != nil {
		return Report{}, err
	}
	return d.Scrub(ctx)
}

// Scrub reads every block of the dataset, a batch of columns at a time
// (Options.BatchBytes), and checks it against its CID (store.GetMany
// hashes). In every column with 1..M lost blocks it rebuilds them, checks
// them against their CIDs and stores them again, one store batch per
// column batch. It returns the counts in Report.
//
// Columns that lost more than M blocks are listed in
// Report.Unrecoverable, and the error then wraps ErrUnrecoverable (and
// names the first columns); the report is complete either way. Other
// errors (the store failing, a failed repair write, ErrInconsistent,
// ctx ending) stop the scrub and come back with the counts so far.
//
// concurrency: safe to run concurrently with readers and other scrubs
// (they may repair the same block twice, which is harmless).
func (d *Dataset) Scrub(ctx context.Context) (Report, error) {
	g := d.g
	rep := Report{Columns: g.Steps}
	fail := func(format string, args ...any) (Report, error) {
		return rep, fmt.Errorf("ec: scrub %s: "+format, append([]any{cids.String(d.id)}, args...)...)
	}
	if g.Rounded > g.Blocks {
		if err := d.scrubEmpty(ctx, &rep); err != nil {
			return fail("empty block: %w", err)
		}
	}
	cols := max(1, d.batch/((g.K+g.M)*d.bs))
	for s0 := 0; s0 < g.Steps; s0 += cols {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := d.scrubColumns(ctx, s0, min(cols, g.Steps-s0), &rep); err != nil {
			return fail("%w", err)
		}
	}
	if len(rep.Unrecoverable) > 0 {
		shown := rep.Unrecoverable[:min(len(rep.Unrecoverable), maxColumnsInError)]
		more := ""
		if len(rep.Unrecoverable) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(rep.Unrecoverable)-len(shown))
		}
		return fail("%w: %d of %d columns lost more than M=%d blocks (columns %v%s, %d blocks); fetch them from a peer",
			ErrUnrecoverable, len(rep.Unrecoverable), g.Steps, g.M, shown, more, rep.LostBlocks)
	}
	return rep, nil
}

// scrubEmpty checks the stored empty block that padding entries name, and
// stores it again if it is lost.
func (d *Dataset) scrubEmpty(ctx context.Context, rep *Report) error {
	rep.Checked++
	_, err := d.store.Get(ctx, cids.EmptyBlock)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrCorrupt):
		rep.Corrupt++
	case errors.Is(err, storage.ErrNotFound):
		rep.Missing++
	default:
		return err
	}
	if err := d.store.Put(ctx, cids.EmptyBlock, []byte{}); err != nil {
		return err
	}
	rep.Repaired++
	return nil
}

// scrubColumns scrubs columns [s0, s0+n) into rep.
func (d *Dataset) scrubColumns(ctx context.Context, s0, n int, rep *Report) error {
	g := d.g
	rowsN := g.K + g.M
	batch := make([]*column, n)
	for c := range batch {
		batch[c] = &column{s: s0 + c, shards: make([][]byte, rowsN), list: make([]cid.Cid, rowsN)}
	}
	// One list read per row: the row's entries for these columns are
	// contiguous.
	for r := range rowsN {
		cs, err := d.store.DatasetBlocks(ctx, d.id, g.Index(r, s0), n)
		if err != nil {
			return fmt.Errorf("block list at %d: %w", g.Index(r, s0), err)
		}
		if len(cs) != n {
			return fmt.Errorf("%w: block list at %d has %d entries, want %d", ErrInconsistent, g.Index(r, s0), len(cs), n)
		}
		for c, lc := range cs {
			batch[c].list[r] = lc
		}
	}
	var want []cid.Cid
	type slot struct{ c, r int }
	var at []slot
	for c, col := range batch {
		if err := d.checkPadding(col); err != nil {
			return err
		}
		for r, lc := range col.list {
			if col.shards[r] == nil {
				want = append(want, lc)
				at = append(at, slot{c, r})
			}
		}
	}
	data, err := d.store.GetMany(ctx, want)
	if data == nil && err != nil {
		return fmt.Errorf("columns %d..%d: %w", s0, s0+n-1, err)
	}
	rep.Checked += len(want)
	for x, a := range at {
		b := data[x]
		if b == nil {
			// GetMany's joined error does not say which entry is which;
			// a second read classifies the loss (and takes the block if
			// it reads well now).
			b, err = d.store.Get(ctx, want[x])
			switch {
			case err == nil:
			case errors.Is(err, storage.ErrCorrupt):
				rep.Corrupt++
			case errors.Is(err, storage.ErrNotFound):
				rep.Missing++
			default:
				return fmt.Errorf("block %d: %w", g.Index(a.r, s0+a.c), err)
			}
		}
		batch[a.c].shards[a.r] = b
	}
	sb := d.store.NewBatch()
	defer sb.Discard() // after the commit it does nothing
	staged := 0
	for _, col := range batch {
		rows, err := d.rebuild(col)
		var ce *ColumnError
		if errors.As(err, &ce) {
			rep.Unrecoverable = append(rep.Unrecoverable, ce.Column)
			rep.LostBlocks += len(ce.Lost)
			continue
		}
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := sb.Put(ctx, col.list[r], col.shards[r]); err != nil {
				return fmt.Errorf("store rebuilt block %d: %w", g.Index(r, col.s), err)
			}
		}
		staged += len(rows)
	}
	if staged == 0 {
		return nil
	}
	if err := sb.Commit(ctx); err != nil {
		return fmt.Errorf("store rebuilt blocks of columns %d..%d: %w", s0, s0+n-1, err)
	}
	rep.Repaired += staged
	d.log.Info("repaired blocks", "dataset", cids.String(d.id), "columns", fmt.Sprintf("%d..%d", s0, s0+n-1), "blocks", staged)
	return nil
}
