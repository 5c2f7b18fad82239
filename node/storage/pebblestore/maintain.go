package pebblestore

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ipfs/go-cid"
)

// MaintainStats counts what one Maintain call did.
type MaintainStats struct {
	// Datasets expired.
	Datasets int
	// Blocks and Bytes freed (by expiry, or by deletions that maintenance
	// finished).
	Blocks int
	Bytes  uint64
	// Segments rewritten or removed to reclaim dead space.
	Segments int
}

// Maintain deletes what has expired and reclaims space, in bounded steps
// of Options.MaintenanceBatch entries, each its own pebble batch, so that
// commits interleave with it:
//   - finishes dataset deletions interrupted by a crash or a cancelled ctx;
//   - deletes the datasets and loose blocks whose expiry has passed
//     (Options.Now), freeing the blocks nothing else holds;
//   - with LayoutSegments, rewrites the segments whose live bytes fell
//     below Options.SegmentGCRatio and removes the empty ones.
//
// It returns early with ctx's error. Safe for concurrent use; the loop of
// Start calls it on its own.
func (s *Store) Maintain(ctx context.Context) (st MaintainStats, err error) {
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if err := s.enter(); err != nil {
		return st, err
	}
	defer s.leave()
	s.maintainMu.Lock()
	defer s.maintainMu.Unlock()
	before := s.quota.space()
	defer func() {
		after := s.quota.space()
		st.Blocks = int(before.TotalBlocks - min(after.TotalBlocks, before.TotalBlocks))
		st.Bytes = before.QuotaUsedBytes - min(after.QuotaUsedBytes, before.QuotaUsedBytes)
	}()
	if err := s.reapAll(ctx); err != nil {
		return st, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		n, more, err := s.expireStep(s.now())
		st.Datasets += n
		if err != nil {
			return st, fmt.Errorf("maintain: expire: %w", err)
		}
		if err := s.reapAll(ctx); err != nil {
			return st, err
		}
		if !more {
			break
		}
	}
	if s.segs != nil {
		n, err := s.collectSegments(ctx)
		st.Segments = n
		if err != nil {
			return st, fmt.Errorf("maintain: segments: %w", err)
		}
	}
	return st, nil
}

// reapAll releases the block lists of every deleted dataset.
func (s *Store) reapAll(ctx context.Context) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixReap}, UpperBound: []byte{prefixReap + 1}})
	if err != nil {
		return err
	}
	var ms []cid.Cid
	for ok := it.First(); ok; ok = it.Next() {
		m, err := cid.Cast(it.Key()[1:])
		if err != nil {
			it.Close()
			return fmt.Errorf("maintain: reap key %x: %w: %w", it.Key(), errBadRecord, err)
		}
		ms = append(ms, m)
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, m := range ms {
		for done := false; !done; {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, done, err = s.reapStep(m, s.opts.MaintenanceBatch); err != nil {
				return fmt.Errorf("maintain: reap: %w", err)
			}
		}
	}
	return nil
}

// expireStep handles up to MaintenanceBatch TTL entries that expired
// before now: datasets are unlisted (their blocks are released by
// reapAll), loose blocks lose their hold. more reports that the batch was
// full.
func (s *Store) expireStep(now time.Time) (datasets int, more bool, err error) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixExpiry}, UpperBound: expiryBound(now)})
	if err != nil {
		return 0, false, err
	}
	type entry struct {
		key  []byte
		at   uint64
		kind byte
		c    cid.Cid
	}
	var es []entry
	for ok := it.First(); ok && len(es) < s.opts.MaintenanceBatch; ok = it.Next() {
		at, kind, c, err := parseExpiryKey(it.Key())
		if err != nil {
			it.Close()
			return 0, false, fmt.Errorf("TTL key %x: %w", it.Key(), err)
		}
		es = append(es, entry{append([]byte(nil), it.Key()...), at, kind, c})
	}
	if err := it.Close(); err != nil {
		return 0, false, err
	}
	t := s.newTxn()
	for _, e := range es {
		// An entry is acted on only if it is the current expiry of its
		// dataset or block; any other would be stale, and is just dropped.
		switch e.kind {
		case kindDataset:
			r, ok, err := s.getRecord(e.c)
			if err != nil {
				t.close()
				return 0, false, err
			}
			if ok && unixNanos(r.expires) == e.at {
				if _, err := s.unlistLocked(t.b, e.c); err != nil {
					t.close()
					return 0, false, err
				}
				datasets++
			}
		case kindBlock:
			me, err := t.meta(e.c)
			if err != nil {
				t.close()
				return 0, false, err
			}
			if me.exists && me.m.loose() && unixNanos(me.m.expires) == e.at {
				t.unhold(me)
			}
		}
		t.b.Delete(e.key, nil)
	}
	if err := t.commit(pebble.NoSync); err != nil {
		return 0, false, err
	}
	return datasets, len(es) == s.opts.MaintenanceBatch, nil
}

// collectSegments rewrites the live records of sparse segments into the
// active one and removes the segments that hold nothing live. It returns
// the segments removed.
func (s *Store) collectSegments(ctx context.Context) (int, error) {
	removed := 0
	for _, id := range s.segs.gcCandidates(s.opts.SegmentGCRatio) {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if s.segs.liveBytes(id) > 0 {
			if err := s.moveLive(id); err != nil {
				return removed, err
			}
			if s.segs.liveBytes(id) > 0 {
				continue // changed under us; next time
			}
		}
		// Index entries that stopped pointing here may sit in the WAL
		// unsynced (maintenance commits without a sync): make them durable
		// before the bytes go.
		if err := s.db.LogData(nil, pebble.Sync); err != nil {
			return removed, err
		}
		if err := s.segs.remove(id); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}

// moveLive copies the live records of segment id to the active segment
// and points the index at the copies.
func (s *Store) moveLive(id uint32) error {
	type move struct {
		r   segRecord
		new location
	}
	var moves []move
	touched := map[uint32]int{}
	err := s.segs.walk(id, func(r segRecord) error {
		m, ok, err := s.getMeta(r.c)
		if err != nil || !ok || m.loc != r.loc {
			return err // dead record, or a read error
		}
		s.segs.mu.RLock()
		p, err := s.segs.readLocked(r.loc, r.size)
		s.segs.mu.RUnlock()
		if err != nil {
			return err
		}
		loc, err := s.segs.append(r.c, p)
		if err != nil {
			return err
		}
		touched[loc.seg]++
		moves = append(moves, move{r, loc})
		return nil
	})
	defer s.segs.unpend(touched)
	if err != nil {
		return err
	}
	ids := map[uint32]struct{}{}
	for k := range touched {
		ids[k] = struct{}{}
	}
	if err := s.segs.sync(ids); err != nil {
		return err
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	t := s.newTxn()
	for _, mv := range moves {
		e, err := t.meta(mv.r.c)
		if err != nil {
			t.close()
			return err
		}
		if !e.exists || e.m.loc != mv.r.loc {
			continue // deleted or rewritten since: the copy is dead
		}
		rec := recordSize(mv.r.c, int(mv.r.size))
		t.segLive[mv.r.loc.seg] -= rec
		t.segLive[mv.new.seg] += rec
		e.m.loc = mv.new
		t.set(e)
	}
	return t.commit(pebble.Sync)
}
