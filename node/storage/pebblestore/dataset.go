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

// getRecord reads the record of dataset m.
func (s *Store) getRecord(m cid.Cid) (datasetRecord, bool, error) {
	return getDecoded(s.db, datasetKey(m), decodeDatasetRecord)
}

// getDecoded reads key from db and decodes its value: ok is false, with a
// nil error, when the key is absent. decode must not retain its argument,
// which is only valid until getDecoded returns.
func getDecoded[T any](db *pebble.DB, key []byte, decode func([]byte) (T, error)) (v T, ok bool, err error) {
	raw, closer, err := db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return v, false, nil
	}
	if err != nil {
		return v, false, err
	}
	defer closer.Close()
	v, err = decode(raw)
	return v, err == nil, err
}

func (r *datasetRecord) info(m cid.Cid) storage.DatasetInfo {
	return storage.DatasetInfo{
		Manifest: m, Tree: r.tree, Blocks: int(r.blocks), Bytes: r.bytes,
		Created: r.created, Expires: r.expires,
	}
}

// Dataset implements storage.DatasetStore.
func (s *Store) Dataset(ctx context.Context, m cid.Cid) (storage.DatasetInfo, error) {
	if err := ctx.Err(); err != nil {
		return storage.DatasetInfo{}, err
	}
	if err := s.enter(); err != nil {
		return storage.DatasetInfo{}, err
	}
	defer s.leave()
	r, ok, err := s.getRecord(m)
	switch {
	case err != nil:
		return storage.DatasetInfo{}, fmt.Errorf("dataset %s: %w", cids.String(m), err)
	case !ok:
		return storage.DatasetInfo{}, fmt.Errorf("dataset %s: %w", cids.String(m), storage.ErrNotFound)
	}
	return r.info(m), nil
}

// Datasets implements storage.DatasetStore.
func (s *Store) Datasets(ctx context.Context) ([]storage.DatasetInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixDataset}, UpperBound: []byte{prefixDataset + 1}})
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	defer it.Close()
	var out []storage.DatasetInfo
	for ok := it.First(); ok; ok = it.Next() {
		m, err := cid.Cast(it.Key()[1:])
		if err != nil {
			return nil, fmt.Errorf("list datasets: key %x: %w", it.Key(), err)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("list datasets: %w", err)
		}
		r, err := decodeDatasetRecord(v)
		if err != nil {
			return nil, fmt.Errorf("list datasets: %s: %w", cids.String(m), err)
		}
		out = append(out, r.info(m))
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	return out, nil
}

// DatasetBlocks implements storage.DatasetStore.
func (s *Store) DatasetBlocks(ctx context.Context, m cid.Cid, start, n int) ([]cid.Cid, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	// A snapshot, so that the list read belongs to the record checked.
	snap := s.db.NewSnapshot()
	defer snap.Close()
	if _, closer, err := snap.Get(datasetKey(m)); errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("dataset %s: %w", cids.String(m), storage.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", cids.String(m), err)
	} else {
		closer.Close()
	}
	prefix := listPrefix(m)
	it, err := snap.NewIter(&pebble.IterOptions{LowerBound: listKey(prefix, max(start, 0)), UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("dataset %s blocks: %w", cids.String(m), err)
	}
	defer it.Close()
	var out []cid.Cid
	for ok := it.First(); ok && (n <= 0 || len(out) < n); ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("dataset %s blocks: %w", cids.String(m), err)
		}
		c, err := cid.Cast(v)
		if err != nil {
			return nil, fmt.Errorf("dataset %s blocks: %w: %w", cids.String(m), errBadRecord, err)
		}
		out = append(out, c)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("dataset %s blocks: %w", cids.String(m), err)
	}
	return out, nil
}

// SetDatasetExpiry implements storage.DatasetStore.
func (s *Store) SetDatasetExpiry(ctx context.Context, m cid.Cid, expires time.Time) error {
	if err := s.enterCtx(ctx); err != nil {
		return err
	}
	defer s.leave()
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	r, ok, err := s.getRecord(m)
	switch {
	case err != nil:
		return fmt.Errorf("set expiry of %s: %w", cids.String(m), err)
	case !ok:
		return fmt.Errorf("set expiry of %s: %w", cids.String(m), storage.ErrNotFound)
	}
	b := s.db.NewBatch()
	defer b.Close()
	b.Delete(expiryKey(r.expires, kindDataset, m), nil)
	r.expires = expires
	b.Set(expiryKey(expires, kindDataset, m), nil, nil)
	b.Set(datasetKey(m), r.encode(), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("set expiry of %s: %w", cids.String(m), err)
	}
	return nil
}

// DeleteDataset implements storage.DatasetStore.
func (s *Store) DeleteDataset(ctx context.Context, m cid.Cid) error {
	if err := s.enterCtx(ctx); err != nil {
		return err
	}
	defer s.leave()
	s.commitMu.Lock()
	b := s.db.NewBatch()
	_, err := s.unlistLocked(b, m)
	if err == nil {
		err = b.Commit(pebble.Sync)
	}
	b.Close()
	s.commitMu.Unlock()
	if err != nil {
		return fmt.Errorf("delete dataset %s: %w", cids.String(m), err)
	}
	// The dataset is gone; now release its blocks, a bounded batch at a
	// time. What ctx leaves undone, maintenance finishes.
	for ctx.Err() == nil {
		_, done, err := s.reapStep(m, s.opts.MaintenanceBatch)
		if err != nil {
			return fmt.Errorf("delete dataset %s: %w", cids.String(m), err)
		}
		if done {
			break
		}
	}
	return nil
}

// unlistLocked adds to b the removal of dataset m's record and TTL entry
// and the reap marker that has its block list released later. It reports
// whether m was listed. Called with commitMu held.
func (s *Store) unlistLocked(b *pebble.Batch, m cid.Cid) (bool, error) {
	r, ok, err := s.getRecord(m)
	if err != nil || !ok {
		return false, err
	}
	b.Delete(expiryKey(r.expires, kindDataset, m), nil)
	b.Delete(datasetKey(m), nil)
	b.Set(reapKey(m), nil, nil)
	return true, nil
}

// reapStep releases up to budget entries of the block list of deleted
// dataset m, and its manifest with the last step; done reports that
// nothing is left. One pebble batch, not synced: a step lost in a crash is
// redone. It returns the blocks freed.
func (s *Store) reapStep(m cid.Cid, budget int) (freed int, done bool, err error) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.reapStepLocked(m, budget)
}

func (s *Store) reapStepLocked(m cid.Cid, budget int) (freed int, done bool, err error) {
	if _, closer, err := s.db.Get(reapKey(m)); errors.Is(err, pebble.ErrNotFound) {
		return 0, true, nil
	} else if err != nil {
		return 0, false, err
	} else {
		closer.Close()
	}
	t := s.newTxn()
	prefix := listPrefix(m)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		t.close()
		return 0, false, err
	}
	n := 0
	for ok := it.First(); ok && n < budget; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			t.close()
			return 0, false, err
		}
		c, err := cid.Cast(v)
		if err != nil {
			it.Close()
			t.close()
			return 0, false, fmt.Errorf("list entry %x: %w: %w", it.Key(), errBadRecord, err)
		}
		t.b.Delete(it.Key(), nil)
		e, err := t.meta(c)
		if err != nil {
			it.Close()
			t.close()
			return 0, false, err
		}
		if e.exists {
			t.unref(e)
		}
		n++
	}
	if err := it.Close(); err != nil {
		t.close()
		return 0, false, err
	}
	if n < budget {
		// The list is empty: release the manifest and end the reap.
		e, err := t.meta(m)
		if err != nil {
			t.close()
			return 0, false, err
		}
		if e.exists {
			t.unref(e)
		}
		t.b.Delete(reapKey(m), nil)
		done = true
	}
	freed = int(t.freedBlocks)
	if err := t.commit(pebble.NoSync); err != nil {
		return 0, false, err
	}
	return freed, done, nil
}

// reapAllLocked finishes the reap of dataset m, if one is under way.
// Called with commitMu held.
func (s *Store) reapAllLocked(m cid.Cid) error {
	for {
		_, done, err := s.reapStepLocked(m, s.opts.MaintenanceBatch)
		if err != nil || done {
			return err
		}
	}
}
