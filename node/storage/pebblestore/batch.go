package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// spillBytes is how much block data a LayoutBlobs batch keeps in memory
// before it writes the bodies ahead (without a sync, with stage markers
// that Open sweeps if the commit never comes).
const spillBytes = 16 << 20

var errBatchDone = errors.New("pebblestore: batch already committed or discarded")

// batch implements storage.Batch; see there.
type batch struct {
	s        *Store
	id       uint64
	staged   map[string]*stagedBlock // by binary CID
	order    []*stagedBlock
	reserved uint64 // quota held for staged blocks
	// LayoutSegments: records written per segment, still pending.
	segs map[uint32]int
	// LayoutBlobs: bodies not yet written ahead (in pb, for the CIDs in
	// unspilled), and whether any were.
	pb        *pebble.Batch
	unspilled []cid.Cid
	spilled   bool
	// err, once set, fails every call but Discard.
	err  error
	done bool
}

type stagedBlock struct {
	c    cid.Cid
	size uint32
	// refOnly: the block was stored when staged, so no body was written;
	// the commit fails if it is gone by then.
	refOnly bool
	loc     location
}

// NewBatch implements storage.BlockStore.
func (s *Store) NewBatch() storage.Batch {
	return &batch{s: s, id: s.batchSeq.Add(1), staged: map[string]*stagedBlock{}, segs: map[uint32]int{}}
}

// Put implements storage.Batch.
func (b *batch) Put(ctx context.Context, c cid.Cid, data []byte) error {
	if err := b.usable(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.s.enter(); err != nil {
		return err
	}
	defer b.s.leave()
	if err := b.put(c, data); err != nil {
		return fmt.Errorf("put %s: %w", cids.String(c), err)
	}
	return nil
}

func (b *batch) put(c cid.Cid, data []byte) error {
	if err := cids.Check(c); err != nil {
		return err
	}
	if len(data) > MaxBlockBytes {
		return fmt.Errorf("block of %d bytes is above the %d-byte limit", len(data), MaxBlockBytes)
	}
	k := c.KeyString()
	if _, ok := b.staged[k]; ok {
		return nil
	}
	m, ok, err := b.s.getMeta(c)
	if err != nil {
		return err
	}
	sb := &stagedBlock{c: c, size: uint32(len(data))}
	if ok && !m.corrupt() {
		sb.refOnly = true
		b.staged[k] = sb
		b.order = append(b.order, sb)
		return nil
	}
	if err := b.s.quota.reserve(uint64(len(data))); err != nil {
		return err
	}
	if err := b.writeBody(sb, data); err != nil {
		b.s.quota.release(uint64(len(data)))
		return err
	}
	b.reserved += uint64(len(data))
	b.staged[k] = sb
	b.order = append(b.order, sb)
	return nil
}

// writeBody writes the body of sb ahead of the commit.
func (b *batch) writeBody(sb *stagedBlock, data []byte) error {
	s := b.s
	if s.segs != nil {
		loc, err := s.segs.append(sb.c, data)
		if err != nil {
			return err
		}
		sb.loc = loc
		b.segs[loc.seg]++
		return nil
	}
	if b.pb == nil {
		b.pb = s.db.NewBatch()
	}
	if err := b.pb.Set(bodyKey(sb.c), data, nil); err != nil {
		return err
	}
	b.unspilled = append(b.unspilled, sb.c)
	s.stagingMu.Lock()
	s.staging[sb.c.KeyString()]++
	s.stagingMu.Unlock()
	if b.pb.Len() >= spillBytes {
		// Markers first in the same atomic batch: a crash leaves either
		// nothing or bodies that Open can find and sweep.
		for _, c := range b.unspilled {
			b.pb.Set(stageKey(b.id, c), nil, nil)
		}
		b.unspilled = b.unspilled[:0]
		if err := b.pb.Commit(pebble.NoSync); err != nil {
			// The bodies in pb are lost to every block staged so far.
			s.stagingMu.Lock()
			s.staging[sb.c.KeyString()]--
			s.stagingMu.Unlock()
			b.err = fmt.Errorf("write bodies ahead: %w", err)
			return b.err
		}
		b.pb.Close()
		b.pb = nil
		b.spilled = true
	}
	return nil
}

func (b *batch) usable() error {
	switch {
	case b.done:
		return errBatchDone
	case b.err != nil:
		return fmt.Errorf("pebblestore: batch failed earlier, discard it: %w", b.err)
	}
	return nil
}

// Commit implements storage.Batch.
func (b *batch) Commit(ctx context.Context) error {
	return b.commit(ctx, nil)
}

// CommitDataset implements storage.Batch.
func (b *batch) CommitDataset(ctx context.Context, d storage.NewDataset) error {
	return b.commit(ctx, &d)
}

func (b *batch) commit(ctx context.Context, d *storage.NewDataset) error {
	if err := b.usable(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s := b.s
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	op := "commit"
	if d != nil {
		op = "commit dataset " + cids.String(d.Manifest)
		if err := cids.Check(d.Manifest); err != nil {
			return fmt.Errorf("%s: manifest: %w", op, err)
		}
		if err := b.put(d.Manifest, d.ManifestBytes); err != nil {
			return fmt.Errorf("%s: manifest: %w", op, err)
		}
	}
	// Bodies first: every index entry this commit writes must point at
	// durable bytes.
	if s.segs != nil {
		ids := make(map[uint32]struct{}, len(b.segs))
		for id := range b.segs {
			ids[id] = struct{}{}
		}
		if err := s.segs.sync(ids); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if d != nil {
		// A deletion of the same dataset still releasing its list would
		// release the new listing too: finish it first.
		if err := s.reapAllLocked(d.Manifest); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	var t *txn
	if b.pb != nil {
		t = s.newTxnOn(b.pb)
		b.pb = nil // the txn owns it now
	} else {
		t = s.newTxn()
	}
	added, addedBlocks, err := b.build(t, d)
	if err == nil {
		if b.spilled {
			t.b.DeleteRange(stageKey(b.id, cid.Undef), stageKey(b.id+1, cid.Undef), nil)
		}
		err = t.commit(pebble.Sync)
	} else {
		t.close()
	}
	if err != nil {
		// The in-memory bodies went down with the txn: the batch cannot be
		// committed again. Release what it holds now.
		b.finish(false)
		return fmt.Errorf("%s: %w", op, err)
	}
	s.quota.commit(b.reserved, added, addedBlocks)
	b.reserved = 0
	b.finish(true)
	return nil
}

// Discard implements storage.Batch.
func (b *batch) Discard() error {
	if b.done {
		return nil
	}
	if err := b.s.enter(); err != nil {
		// Closed: the store's memory is gone with it, and Open sweeps
		// what was written ahead.
		b.done = true
		return nil
	}
	defer b.s.leave()
	b.s.commitMu.Lock()
	defer b.s.commitMu.Unlock()
	return b.finish(false)
}

// finish ends the batch: it releases the quota still reserved, ends the
// pending state of its segment records and, for LayoutBlobs, deletes the
// bodies it wrote ahead that nothing else needs (unless committed). Called
// with commitMu held.
func (b *batch) finish(committed bool) error {
	s := b.s
	b.done = true
	if b.reserved > 0 {
		s.quota.release(b.reserved)
		b.reserved = 0
	}
	if b.pb != nil {
		b.pb.Close()
		b.pb = nil
	}
	if s.segs != nil {
		s.segs.unpend(b.segs)
		return nil
	}
	var gone []cid.Cid
	s.stagingMu.Lock()
	for _, sb := range b.order {
		if sb.refOnly {
			continue
		}
		k := sb.c.KeyString()
		if s.staging[k]--; s.staging[k] <= 0 {
			delete(s.staging, k)
			gone = append(gone, sb.c)
		}
	}
	s.stagingMu.Unlock()
	if committed || !b.spilled {
		return nil
	}
	wb := s.db.NewBatch()
	defer wb.Close()
	for _, c := range gone {
		if _, ok, err := s.getMeta(c); err != nil {
			return fmt.Errorf("discard batch: %w", err)
		} else if !ok {
			wb.Delete(bodyKey(c), nil)
		}
	}
	wb.DeleteRange(stageKey(b.id, cid.Undef), stageKey(b.id+1, cid.Undef), nil)
	if err := wb.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("discard batch: %w", err)
	}
	return nil
}

// build adds the batch's blocks, and dataset d if not nil, to t, and
// returns the bytes and blocks it adds to the store.
func (b *batch) build(t *txn, d *storage.NewDataset) (added, addedBlocks uint64, err error) {
	s := b.s
	now := s.now()
	exp := now.Add(s.opts.TTL)
	for _, sb := range b.order {
		e, err := t.meta(sb.c)
		if err != nil {
			return 0, 0, err
		}
		switch {
		case !e.exists:
			if sb.refOnly {
				return 0, 0, fmt.Errorf("block %s was deleted while the batch was open; retry: %w", cids.String(sb.c), storage.ErrNotFound)
			}
			e.m = blockMeta{size: sb.size, loc: sb.loc}
			added += uint64(sb.size)
			addedBlocks++
			if s.segs != nil {
				t.segLive[sb.loc.seg] += recordSize(sb.c, int(sb.size))
			}
			t.set(e)
		case e.m.corrupt() && !sb.refOnly:
			// A repair: the new body replaces the damaged one.
			if s.segs != nil {
				t.segLive[e.m.loc.seg] -= recordSize(sb.c, int(e.m.size))
				t.segLive[sb.loc.seg] += recordSize(sb.c, int(sb.size))
			}
			e.m.loc = sb.loc
			e.m.size = sb.size
			e.m.flags &^= flagCorrupt
			t.set(e)
		default:
			// Stored already (perhaps by a batch that committed since
			// this one staged it): this batch's copy, if any, is dead.
		}
	}
	listed := map[string]bool{}
	if d != nil {
		if err := b.buildDataset(t, d, now, exp, listed); err != nil {
			return 0, 0, err
		}
	}
	for _, sb := range b.order {
		if listed[sb.c.KeyString()] {
			continue
		}
		e, err := t.meta(sb.c)
		if err != nil {
			return 0, 0, err
		}
		t.hold(e, exp)
	}
	return added, addedBlocks, nil
}

// buildDataset adds the block list and the record of d to t, or only
// refreshes the expiry of d when it is stored already. listed collects
// the CIDs that d holds, which get no loose hold.
func (b *batch) buildDataset(t *txn, d *storage.NewDataset, now, exp time.Time, listed map[string]bool) error {
	s := b.s
	listed[d.Manifest.KeyString()] = true
	for _, c := range d.Blocks {
		listed[c.KeyString()] = true
	}
	rec, ok, err := s.getRecord(d.Manifest)
	if err != nil {
		return err
	}
	if ok {
		t.b.Delete(expiryKey(rec.expires, kindDataset, d.Manifest), nil)
		rec.expires = exp
		t.b.Set(expiryKey(exp, kindDataset, d.Manifest), nil, nil)
		t.b.Set(datasetKey(d.Manifest), rec.encode(), nil)
		return nil
	}
	prefix := listPrefix(d.Manifest)
	var total uint64
	for i, c := range d.Blocks {
		e, err := t.meta(c)
		if err != nil {
			return err
		}
		switch {
		case !e.exists:
			return fmt.Errorf("block %d (%s) is neither staged nor stored: %w", i, cids.String(c), storage.ErrNotFound)
		case e.m.corrupt():
			return fmt.Errorf("block %d (%s) is stored corrupt; stage it again: %w", i, cids.String(c), storage.ErrCorrupt)
		}
		e.m.refs++
		t.set(e)
		t.b.Set(listKey(prefix, i), c.Bytes(), nil)
		total += uint64(e.m.size)
	}
	me, err := t.meta(d.Manifest)
	if err != nil {
		return err
	}
	if !me.exists {
		return fmt.Errorf("manifest was deleted while the batch was open; retry: %w", storage.ErrNotFound)
	}
	me.m.refs++
	t.set(me)
	rec = datasetRecord{
		tree: d.Tree, blocks: uint64(len(d.Blocks)), bytes: total + uint64(me.m.size),
		manifest: me.m.size, created: now, expires: exp,
	}
	t.b.Set(expiryKey(exp, kindDataset, d.Manifest), nil, nil)
	// The record goes last. The batch is atomic anyway; the order only
	// matters to a reader of the WAL.
	t.b.Set(datasetKey(d.Manifest), rec.encode(), nil)
	return nil
}

// sweepStaged deletes the bodies that LayoutBlobs batches wrote ahead of
// a commit that never came (the process died first), and their markers.
// Called by Open, when no batch is open.
func (s *Store) sweepStaged() error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixStage}, UpperBound: []byte{prefixStage + 1}})
	if err != nil {
		return err
	}
	wb := s.db.NewBatch()
	defer wb.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		n++
		if len(k) < 9 {
			continue
		}
		c, err := cid.Cast(k[9:])
		if err != nil {
			continue
		}
		if _, ok, err := s.getMeta(c); err != nil {
			it.Close()
			return err
		} else if !ok {
			wb.Delete(bodyKey(c), nil)
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	wb.DeleteRange([]byte{prefixStage}, []byte{prefixStage + 1}, nil)
	if err := wb.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("sweep uncommitted bodies: %w", err)
	}
	s.log.Info("dropped bodies of uncommitted batches", "markers", n)
	return nil
}
