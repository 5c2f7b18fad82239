package ec

import (
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// Reader reads the original bytes of a protected dataset: its first
// originalDatasetSize bytes, without the zero padding of the last block,
// the padding blocks or the parity. It is an io.ReadSeeker, so that
// http.ServeContent can serve Range requests from it.
//
// It reads ahead a batch of blocks (Options.BatchBytes), each checked
// against its CID. A block that is missing or corrupt is rebuilt with its
// column, checked against its CID and stored again; Read then goes on as
// if nothing had happened. A column that lost more than M blocks makes
// Read fail with a *ColumnError (ErrUnrecoverable) at the first byte of
// the first block it cannot rebuild; Read never returns bytes that were
// not checked against their CID.
//
// The Reader keeps the context it was made with for its reads (io.Reader
// has no context): when it ends, Read returns its error.
//
// concurrency: not safe for concurrent use.
type Reader struct {
	ctx context.Context
	d   *Dataset
	pos int64
	// buf holds the data blocks [bufFirst, bufFirst+len(buf)).
	buf      [][]byte
	bufFirst int
}

// NewReader returns a Reader of the original bytes, positioned at 0.
func (d *Dataset) NewReader(ctx context.Context) *Reader {
	return &Reader{ctx: ctx, d: d}
}

// NewReader opens the protected dataset and returns a Reader of its
// original bytes; see Open and Dataset.NewReader.
func NewReader(ctx context.Context, store storage.Store, protected cid.Cid, opts Options) (*Reader, error) {
	d, err := Open(ctx, store, protected, opts)
	if err != nil {
		return nil, err
	}
	return d.NewReader(ctx), nil
}

// Size returns the size of the original data in bytes.
func (r *Reader) Size() int64 { return r.d.Size() }

// Seek implements io.Seeker. Offsets past the end are allowed (Read then
// returns io.EOF); negative ones are errors.
func (r *Reader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += r.pos
	case io.SeekEnd:
		off += r.Size()
	default:
		return 0, fmt.Errorf("ec: seek: bad whence %d", whence)
	}
	if off < 0 {
		return 0, fmt.Errorf("ec: seek: negative offset %d", off)
	}
	r.pos = off
	return off, nil
}

// Read implements io.Reader. It returns at most the rest of one block.
func (r *Reader) Read(p []byte) (int, error) {
	size := r.Size()
	if r.pos >= size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	bs := int64(r.d.bs)
	i := int(r.pos / bs)
	if i < r.bufFirst || i >= r.bufFirst+len(r.buf) {
		if err := r.fill(i); err != nil {
			return 0, err
		}
	}
	blk := r.buf[i-r.bufFirst]
	off := r.pos % bs
	n := copy(p, blk[off:min(int64(len(blk)), off+size-r.pos)])
	r.pos += int64(n)
	return n, nil
}

// fill loads the data blocks from index first on, rebuilding lost ones.
func (r *Reader) fill(first int) error {
	d := r.d
	r.buf, r.bufFirst = nil, 0
	n := min(max(1, d.batch/d.bs), d.g.Blocks-first)
	list, err := d.store.DatasetBlocks(r.ctx, d.id, first, n)
	if err != nil {
		return fmt.Errorf("ec: dataset %s block list at %d: %w", cids.String(d.id), first, err)
	}
	if len(list) != n {
		return fmt.Errorf("ec: dataset %s: %w: block list at %d has %d entries, want %d", cids.String(d.id), ErrInconsistent, first, len(list), n)
	}
	data, err := d.store.GetMany(r.ctx, list)
	if data == nil && err != nil {
		// Not a block loss (those leave nil entries): a store failure.
		return fmt.Errorf("ec: dataset %s blocks %d..%d: %w", cids.String(d.id), first, first+n-1, err)
	}
	repaired := map[int][][]byte{}
	for j := range data {
		if data[j] != nil {
			continue
		}
		i := first + j
		s := d.g.Column(i)
		shards, ok := repaired[s]
		if !ok {
			if shards, err = d.repairColumn(r.ctx, s); err != nil {
				if j == 0 {
					return err
				}
				// Serve the good blocks before i; the next fill starts
				// at i and reports the error there.
				data = data[:j]
				break
			}
			repaired[s] = shards
		}
		data[j] = shards[d.g.Row(i)]
	}
	for j, b := range data {
		if len(b) != d.bs {
			return fmt.Errorf("ec: dataset %s: %w: block %d has %d bytes, the block size is %d", cids.String(d.id), ErrInconsistent, first+j, len(b), d.bs)
		}
	}
	r.buf, r.bufFirst = data, first
	return nil
}
