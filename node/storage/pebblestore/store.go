package pebblestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/internal/pebblelog"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
)

// Compile-time checks that Store and its batches implement the storage
// interfaces.
var (
	_ storage.Store = (*Store)(nil)
	_ storage.Batch = (*batch)(nil)
)

// MaxBlockBytes is the largest block a store accepts: above the 100 MiB
// that Logos Storage v0.2 allows on the wire.
const MaxBlockBytes = 128 << 20

// Store is a block and dataset store on pebble; see the package
// documentation. Its methods are safe for concurrent use.
type Store struct {
	opts   Options // with defaults
	layout Layout
	db     *pebble.DB
	segs   *segments // LayoutSegments only
	log    *slog.Logger
	hasher accel.SHA256
	quota  quota
	now    func() time.Time

	// commitMu serializes every read-modify-write of the index: block
	// metas, dataset records and lists, the TTL index. Readers do not take
	// it.
	commitMu sync.Mutex

	// stagingMu guards staging: for LayoutBlobs, how many open batches
	// have written the body of each CID (by binary CID) ahead of their
	// commit, so that a discarded batch does not delete a body another
	// one still needs.
	stagingMu sync.Mutex
	staging   map[string]int

	batchSeq atomic.Uint64

	// maintainMu serializes Maintain calls.
	maintainMu sync.Mutex

	// closeMu is held shared by every call for its duration and
	// exclusively by Close, which sets closed.
	closeMu sync.RWMutex
	closed  bool

	// Lifetime of the maintenance goroutine (Start): ctx is the store's own
	// and is cancelled by Close, which then waits for wg.
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	startOnce sync.Once
	closeOnce sync.Once
}

// Open opens or creates the store in opts.Dir. It recovers from a crash
// on the way: bodies of uncommitted batches are dropped, and the quota
// counts are rebuilt from the index. It does not start maintenance; call
// Start. Close the store when done.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fs := opts.FS
	if err := fs.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("open block store %s: %w", opts.Dir, err)
	}
	s := &Store{
		opts:    opts,
		log:     opts.Logger,
		hasher:  opts.Hasher,
		now:     opts.Now,
		staging: map[string]int{},
		quota:   quota{max: opts.QuotaBytes},
	}
	var blobs atomic.Bool // read by pebble's flushes and compactions
	cache := pebble.NewCache(opts.CacheBytes)
	defer cache.Unref()
	po := &pebble.Options{
		FS:                 fs,
		Cache:              cache,
		Logger:             pebblelog.New(opts.Logger, "pebblestore"),
		FormatMajorVersion: pebble.FormatNewest,
		MemTableSize:       16 << 20,
	}
	po.Experimental.ValueSeparationPolicy = func() pebble.ValueSeparationPolicy {
		if !blobs.Load() {
			return pebble.ValueSeparationPolicy{}
		}
		return pebble.ValueSeparationPolicy{
			Enabled: true,
			// Manifests and other small values stay in the sstables.
			MinimumSize:           4 << 10,
			MaxBlobReferenceDepth: 100,
			RewriteMinimumAge:     5 * time.Minute,
			TargetGarbageRatio:    0.2,
		}
	}
	db, err := pebble.Open(fs.PathJoin(opts.Dir, "index"), po)
	if err != nil {
		return nil, fmt.Errorf("open block store %s: %w", opts.Dir, err)
	}
	s.db = db
	fail := func(err error) (*Store, error) {
		if s.segs != nil {
			s.segs.close()
		}
		db.Close()
		return nil, fmt.Errorf("open block store %s: %w", opts.Dir, err)
	}
	if s.layout, err = s.loadLayout(opts.Layout); err != nil {
		return fail(err)
	}
	blobs.Store(s.layout == LayoutBlobs)
	if s.layout == LayoutSegments {
		if s.segs, err = openSegments(fs, fs.PathJoin(opts.Dir, "segments"), opts.SegmentBytes); err != nil {
			return fail(err)
		}
	} else if err := s.sweepStaged(); err != nil {
		return fail(err)
	}
	// The directories made above (and by pebble for its own) must
	// outlive a power cut: sync the entries that name them.
	for _, d := range []string{opts.Dir, fs.PathDir(opts.Dir)} {
		if err := syncDir(fs, d); err != nil {
			return fail(err)
		}
	}
	if err := s.loadCounts(ctx); err != nil {
		return fail(err)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// loadLayout returns the layout recorded in the store, recording want
// (or LayoutSegments) in a new store.
func (s *Store) loadLayout(want Layout) (Layout, error) {
	v, closer, err := s.db.Get(keyLayout)
	if err == nil {
		have, perr := ParseLayout(string(v))
		closer.Close()
		if perr != nil {
			return 0, perr
		}
		if want != LayoutDefault && want != have {
			return 0, fmt.Errorf("the store was created with layout %s, not %s; open it with Layout %s or LayoutDefault", have, want, have)
		}
		return have, nil
	}
	if !errors.Is(err, pebble.ErrNotFound) {
		return 0, err
	}
	if want == LayoutDefault {
		want = LayoutSegments
	}
	if err := s.db.Set(keyLayout, []byte(want.String()), pebble.Sync); err != nil {
		return 0, err
	}
	return want, nil
}

// loadCounts rebuilds the quota counts and the live bytes of the segments
// from the block metas, and removes segments that nothing points at.
func (s *Store) loadCounts(ctx context.Context) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixBlock}, UpperBound: []byte{prefixBlock + 1}})
	if err != nil {
		return err
	}
	for n, ok := 0, it.First(); ok; n, ok = n+1, it.Next() {
		if n%4096 == 0 && ctx.Err() != nil {
			break
		}
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return err
		}
		m, err := decodeBlockMeta(v)
		if err != nil {
			it.Close()
			return fmt.Errorf("block %x: %w", it.Key()[1:], err)
		}
		s.quota.used += uint64(m.size)
		s.quota.blocks++
		if s.segs != nil {
			c, err := cid.Cast(it.Key()[1:])
			if err != nil {
				it.Close()
				return fmt.Errorf("block key %x: %w", it.Key(), err)
			}
			s.segs.addLive(m.loc.seg, recordSize(c, int(m.size)))
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.segs != nil {
		for _, id := range s.segs.gcCandidates(0) {
			if s.segs.liveBytes(id) == 0 {
				if err := s.segs.remove(id); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Start starts the maintenance loop (unless Options.MaintenanceInterval is
// negative): a goroutine, owned by the store and stopped by Close, that
// runs Maintain at once and then every interval, logging what it frees
// and its errors. Calling Start again does nothing.
func (s *Store) Start() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	s.startOnce.Do(func() {
		if s.opts.MaintenanceInterval < 0 {
			return
		}
		s.wg.Add(1)
		go s.maintainLoop()
	})
	return nil
}

func (s *Store) maintainLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.MaintenanceInterval)
	defer t.Stop()
	for {
		st, err := s.Maintain(s.ctx)
		switch {
		case s.ctx.Err() != nil:
			return
		case err != nil:
			s.log.Error("maintenance", "err", err)
		case st != (MaintainStats{}):
			s.log.Info("maintenance", "datasets", st.Datasets, "blocks", st.Blocks, "bytes", st.Bytes, "segments", st.Segments)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops maintenance, waits for calls in progress, and closes the
// files. Batches still open are dropped (their reserved quota with them).
// Close is safe to call twice; the second call returns nil. Every later
// call returns an error wrapping storage.ErrClosed.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.closeMu.Lock()
		s.closed = true
		s.closeMu.Unlock()
		var errs []error
		if s.segs != nil {
			errs = append(errs, s.segs.close())
		}
		errs = append(errs, s.db.Close())
		if err = errors.Join(errs...); err != nil {
			err = fmt.Errorf("close block store %s: %w", s.opts.Dir, err)
		}
	})
	return err
}

// enter marks a call in progress, or returns ErrClosed. Pair with leave;
// never call enter again before leave (Close would deadlock).
func (s *Store) enter() error {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return fmt.Errorf("pebblestore %s: %w", s.opts.Dir, storage.ErrClosed)
	}
	return nil
}

func (s *Store) leave() { s.closeMu.RUnlock() }

// enterCtx is enter for a call with a context: it returns ctx's error
// when ctx has already ended, before taking the close lock.
func (s *Store) enterCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.enter()
}

// Layout returns the layout of the store's block bodies.
func (s *Store) Layout() Layout { return s.layout }

// Space implements storage.BlockStore.
func (s *Store) Space() (storage.Space, error) {
	if err := s.enter(); err != nil {
		return storage.Space{}, err
	}
	defer s.leave()
	return s.quota.space(), nil
}

// getMeta reads the meta of block c from the index.
func (s *Store) getMeta(c cid.Cid) (blockMeta, bool, error) {
	return getDecoded(s.db, blockKey(c), decodeBlockMeta)
}

// Has implements storage.BlockStore.
func (s *Store) Has(ctx context.Context, c cid.Cid) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := s.enter(); err != nil {
		return false, err
	}
	defer s.leave()
	m, ok, err := s.getMeta(c)
	if err != nil {
		return false, fmt.Errorf("has %s: %w", cids.String(c), err)
	}
	return ok && !m.corrupt(), nil
}

// readBody reads the stored bytes of block c, unverified. Errors wrap
// storage.ErrNotFound or, for bytes the files cannot give back whole,
// storage.ErrCorrupt.
func (s *Store) readBody(c cid.Cid) ([]byte, blockMeta, error) {
	if s.segs != nil {
		s.segs.mu.RLock()
		defer s.segs.mu.RUnlock()
	}
	m, ok, err := s.getMeta(c)
	if err != nil {
		return nil, m, err
	}
	if !ok {
		return nil, m, storage.ErrNotFound
	}
	if m.corrupt() {
		return nil, m, storage.ErrCorrupt
	}
	if s.segs != nil {
		p, err := s.segs.readLocked(m.loc, m.size)
		if errors.Is(err, errShort) {
			err = fmt.Errorf("%w: %w", storage.ErrCorrupt, err)
		}
		return p, m, err
	}
	p, err := s.getBody(c)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		// Deleted between the two reads, or lost: in either case absent.
		return nil, m, storage.ErrNotFound
	case pebble.IsCorruptionError(err):
		return nil, m, fmt.Errorf("%w: %w", storage.ErrCorrupt, err)
	case err != nil:
		return nil, m, err
	}
	if len(p) != int(m.size) {
		return nil, m, fmt.Errorf("%w: body of %d bytes, index says %d", storage.ErrCorrupt, len(p), m.size)
	}
	return p, m, nil
}

// getBody reads the body of block c (LayoutBlobs). It uses an iterator
// rather than DB.Get, whose value of a separated (blob file) value is
// empty, with a nil error, when the blob file cannot be read.
func (s *Store) getBody(c cid.Cid) ([]byte, error) {
	k := bodyKey(c)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: k, UpperBound: append(k, 0)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	if !it.First() {
		if err := it.Error(); err != nil {
			return nil, err
		}
		return nil, pebble.ErrNotFound
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(v), nil
}

// Get implements storage.BlockStore.
func (s *Store) Get(ctx context.Context, c cid.Cid) ([]byte, error) {
	bs, err := s.GetMany(ctx, []cid.Cid{c})
	if err != nil {
		var be *blockError
		if errors.As(err, &be) {
			return nil, be
		}
		return nil, err
	}
	return bs[0], nil
}

// blockError is the error of one block in GetMany.
type blockError struct {
	op  string
	c   cid.Cid
	err error
}

func (e *blockError) Error() string { return e.op + " " + cids.String(e.c) + ": " + e.err.Error() }
func (e *blockError) Unwrap() error { return e.err }

// GetMany implements storage.BlockStore.
func (s *Store) GetMany(ctx context.Context, cs []cid.Cid) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	out := make([][]byte, len(cs))
	metas := make([]blockMeta, len(cs))
	var errs []error
	var idx []int
	var bodies [][]byte
	for i, c := range cs {
		if err := cids.Check(c); err != nil {
			errs = append(errs, &blockError{"get", c, fmt.Errorf("%w: %w", storage.ErrNotFound, err)})
			continue
		}
		p, m, err := s.readBody(c)
		switch {
		case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrCorrupt):
			if errors.Is(err, storage.ErrCorrupt) && !m.corrupt() {
				s.markCorrupt(c, m)
			}
			errs = append(errs, &blockError{"get", c, err})
			continue
		case err != nil:
			return nil, fmt.Errorf("get %s: %w", cids.String(c), err)
		}
		idx = append(idx, i)
		bodies = append(bodies, p)
		metas[i] = m
	}
	// One hasher call for the whole request: the batch kernel spreads it
	// over cores.
	sums := make([][32]byte, len(bodies))
	if err := s.hasher.SumBlocks(sums, bodies); err != nil {
		return nil, fmt.Errorf("get: hash %d blocks: %w", len(bodies), err)
	}
	for j, i := range idx {
		want, _ := cids.Digest(cs[i]) // checked above
		if sums[j] != want {
			s.markCorrupt(cs[i], metas[i])
			errs = append(errs, &blockError{"get", cs[i], fmt.Errorf("%w: sha256 %x, CID says %x", storage.ErrCorrupt, sums[j][:8], want[:8])})
			continue
		}
		out[i] = bodies[j]
	}
	return out, errors.Join(errs...)
}

// markCorrupt flags block c as corrupt, if its meta is still m, so that
// Has reports it missing and the next Put rewrites it. Best effort: it is
// only a hint, and a failure is logged.
func (s *Store) markCorrupt(c cid.Cid, m blockMeta) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	cur, ok, err := s.getMeta(c)
	if err != nil || !ok || cur.corrupt() || cur.loc != m.loc {
		return
	}
	s.log.Warn("corrupt block", "cid", cids.String(c), "layout", s.layout)
	cur.flags |= flagCorrupt
	if err := s.db.Set(blockKey(c), cur.encode(), pebble.NoSync); err != nil {
		s.log.Error("flag corrupt block", "cid", cids.String(c), "err", err)
	}
}

// Put implements storage.BlockStore.
func (s *Store) Put(ctx context.Context, c cid.Cid, data []byte) error {
	b := s.NewBatch()
	defer b.Discard()
	if err := b.Put(ctx, c, data); err != nil {
		return err
	}
	return b.Commit(ctx)
}

// Delete implements storage.BlockStore.
func (s *Store) Delete(ctx context.Context, c cid.Cid) error {
	if err := s.enterCtx(ctx); err != nil {
		return err
	}
	defer s.leave()
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	t := s.newTxn()
	e, err := t.meta(c)
	if err != nil || !e.exists || !e.m.loose() {
		t.close()
		if err != nil {
			return fmt.Errorf("delete %s: %w", cids.String(c), err)
		}
		return nil
	}
	t.unhold(e)
	if err := t.commit(pebble.Sync); err != nil {
		return fmt.Errorf("delete %s: %w", cids.String(c), err)
	}
	return nil
}
