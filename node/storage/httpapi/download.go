package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/ec"
)

// readAheadBlocks is how many blocks a download reads and verifies in one
// GetMany batch: 4 MiB of 64 KiB blocks, enough for the hasher to use
// every core, little enough to keep memory flat per download.
const readAheadBlocks = 64

// download serves a dataset (with Range support) or a single block.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	c, err := parseCID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	if c.Type() != cids.CodecManifest {
		data, err := s.store.Get(ctx, c)
		s.metrics.downloads.WithLabelValues(result(err)).Inc()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.metrics.downloadBytes.Add(float64(len(data)))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", "attachment")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
		return
	}
	info, err := s.store.Dataset(ctx, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.loadManifest(ctx, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct := m.Mimetype
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	disp := "attachment"
	if m.Filename != "" {
		disp = mime.FormatMediaType("attachment", map[string]string{"filename": m.Filename})
	}
	w.Header().Set("Content-Disposition", disp)
	w.Header().Set("ETag", `"`+cids.String(c)+`"`) // content-addressed: the CID is a strong validator
	var body io.ReadSeeker
	rd := &datasetReader{ctx: ctx, store: s.store, manifest: c, size: int64(m.DatasetSize), blockSize: int64(m.BlockSize), blocks: info.Blocks}
	body = rd
	if m.Protected() {
		// Erasure-coded: the reader serves the original bytes and rebuilds
		// (and repairs) lost or corrupt blocks from parity.
		er, err := ec.NewReader(ctx, s.store, c, s.ecOptions())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body = &countingReadSeeker{ReadSeeker: er, rd: rd}
	}
	http.ServeContent(w, r, "", info.Created, body)
	s.metrics.downloads.WithLabelValues(result(rd.err)).Inc()
	s.metrics.downloadBytes.Add(float64(rd.served))
	if rd.err != nil && !errors.Is(rd.err, context.Canceled) {
		// The status line has gone out; all that is left is to log and
		// let the short body tell the client.
		s.log.Warn("download aborted", "manifest", cids.String(c), "err", rd.err)
	}
}

// countingReadSeeker records the bytes and the first error of another
// reader in rd's served and err fields, for metrics and logs.
type countingReadSeeker struct {
	io.ReadSeeker
	rd *datasetReader
}

func (c *countingReadSeeker) Read(p []byte) (int, error) {
	n, err := c.ReadSeeker.Read(p)
	c.rd.served += int64(n)
	if err != nil && err != io.EOF && c.rd.err == nil {
		c.rd.err = err
	}
	return n, err
}

// seek moves *pos as io.Seeker does over a stream of size bytes.
func seek(pos *int64, size, off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += *pos
	case io.SeekEnd:
		off += size
	default:
		return 0, fmt.Errorf("seek: bad whence %d", whence)
	}
	if off < 0 {
		return 0, fmt.Errorf("seek: negative offset %d", off)
	}
	*pos = off
	return off, nil
}

// datasetReader reads a stored plain dataset as one byte stream of its
// real size (the padding of the last block cut off), fetching and
// verifying readAheadBlocks blocks at a time. It is an io.ReadSeeker for
// http.ServeContent, which turns Range requests into seeks.
type datasetReader struct {
	ctx       context.Context
	store     storage.Store
	manifest  cid.Cid
	size      int64
	blockSize int64
	blocks    int

	pos int64
	// buf holds blocks [bufFirst, bufFirst+len(buf)) of the dataset.
	buf      [][]byte
	bufFirst int
	err      error // the first error, kept for logging
	served   int64 // bytes returned by Read, for metrics
}

func (d *datasetReader) Seek(off int64, whence int) (int64, error) {
	return seek(&d.pos, d.size, off, whence)
}

func (d *datasetReader) Read(p []byte) (int, error) {
	if d.pos >= d.size {
		return 0, io.EOF
	}
	i := int(d.pos / d.blockSize)
	if i < d.bufFirst || i >= d.bufFirst+len(d.buf) {
		if err := d.fill(i); err != nil {
			d.err = err
			return 0, err
		}
	}
	blk := d.buf[i-d.bufFirst]
	off := d.pos % d.blockSize
	n := copy(p, blk[off:min(int64(len(blk)), off+d.size-d.pos)])
	d.pos += int64(n)
	d.served += int64(n)
	return n, nil
}

// fill loads blocks from index first on.
func (d *datasetReader) fill(first int) error {
	list, err := d.store.DatasetBlocks(d.ctx, d.manifest, first, readAheadBlocks)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("dataset %s: block %d of %d missing from its list: %w", cids.String(d.manifest), first, d.blocks, storage.ErrNotFound)
	}
	data, err := d.store.GetMany(d.ctx, list)
	if err != nil {
		return fmt.Errorf("dataset %s blocks %d..%d: %w", cids.String(d.manifest), first, first+len(list)-1, err)
	}
	d.buf, d.bufFirst = data, first
	return nil
}
