package pebblestore

import (
	"errors"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ipfs/go-cid"
)

// txn is one atomic change of the index, built under Store.commitMu: it
// caches the block metas it reads, so that a block changed twice in one
// txn (listed twice by a dataset, say) sees its own changes, and it
// applies the in-memory accounting (quota, segment live bytes) only once
// the pebble batch is committed.
type txn struct {
	s     *Store
	b     *pebble.Batch
	metas map[string]*metaEntry
	dirty []*metaEntry

	freedBytes, freedBlocks uint64
	segLive                 map[uint32]int64
}

type metaEntry struct {
	c      cid.Cid
	m      blockMeta
	exists bool
	dirty  bool
}

// newTxn starts a txn on a new pebble batch. Called with commitMu held.
func (s *Store) newTxn() *txn { return s.newTxnOn(s.db.NewBatch()) }

// newTxnOn starts a txn that adds to b (a batch that already holds block
// bodies).
func (s *Store) newTxnOn(b *pebble.Batch) *txn {
	return &txn{s: s, b: b, metas: map[string]*metaEntry{}, segLive: map[uint32]int64{}}
}

// meta returns the cached or stored meta of block c.
func (t *txn) meta(c cid.Cid) (*metaEntry, error) {
	k := c.KeyString()
	if e, ok := t.metas[k]; ok {
		return e, nil
	}
	m, ok, err := t.s.getMeta(c)
	if err != nil {
		return nil, err
	}
	e := &metaEntry{c: c, m: m, exists: ok}
	t.metas[k] = e
	return e, nil
}

// set marks e to be written with its current meta.
func (t *txn) set(e *metaEntry) {
	e.exists = true
	if !e.dirty {
		e.dirty = true
		t.dirty = append(t.dirty, e)
	}
}

// hold gives e a loose hold that expires at exp (replacing an older one).
func (t *txn) hold(e *metaEntry, exp time.Time) {
	if e.m.loose() {
		t.b.Delete(expiryKey(e.m.expires, kindBlock, e.c), nil)
	}
	e.m.flags |= flagLoose
	e.m.expires = exp
	t.b.Set(expiryKey(exp, kindBlock, e.c), nil, nil)
	t.set(e)
}

// unhold drops e's loose hold and frees the block if nothing else holds it.
func (t *txn) unhold(e *metaEntry) {
	if e.m.loose() {
		t.b.Delete(expiryKey(e.m.expires, kindBlock, e.c), nil)
	}
	e.m.flags &^= flagLoose
	e.m.expires = time.Time{}
	t.set(e)
	t.freeIfUnheld(e)
}

// unref drops one dataset listing of e and frees the block if nothing
// else holds it.
func (t *txn) unref(e *metaEntry) {
	if e.m.refs > 0 {
		e.m.refs--
	}
	t.set(e)
	t.freeIfUnheld(e)
}

func (t *txn) freeIfUnheld(e *metaEntry) {
	if !e.exists || e.m.held() {
		return
	}
	e.exists = false
	t.freedBytes += uint64(e.m.size)
	t.freedBlocks++
	if t.s.segs != nil {
		t.segLive[e.m.loc.seg] -= recordSize(e.c, int(e.m.size))
	} else {
		t.b.Delete(bodyKey(e.c), nil)
	}
}

// commit writes the changed metas and commits the batch; on success it
// applies the accounting. The txn is done either way.
func (t *txn) commit(opts *pebble.WriteOptions) error {
	defer t.close()
	for _, e := range t.dirty {
		if e.exists {
			t.b.Set(blockKey(e.c), e.m.encode(), nil)
		} else {
			t.b.Delete(blockKey(e.c), nil)
		}
	}
	if t.b.Empty() {
		return nil
	}
	if err := t.b.Commit(opts); err != nil {
		return err
	}
	t.s.quota.free(t.freedBytes, t.freedBlocks)
	if t.s.segs != nil {
		for id, n := range t.segLive {
			t.s.segs.addLive(id, n)
		}
	}
	return nil
}

func (t *txn) close() {
	if t.b != nil {
		if err := t.b.Close(); err != nil && !errors.Is(err, pebble.ErrClosed) {
			t.s.log.Error("close index batch", "err", err)
		}
		t.b = nil
	}
}
