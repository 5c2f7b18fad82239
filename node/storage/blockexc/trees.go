package blockexc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// errNotServed: the tree is not the tree of a local dataset.
var errNotServed = errors.New("blockexc: tree not served")

// servedTree is a local dataset as the server needs it: its block list
// and the SHA-256 tree over the blocks' digests, from which it cuts the
// proofs. It is immutable once built.
type servedTree struct {
	manifest  cid.Cid
	blockSize uint32
	blocks    []cid.Cid
	tree      *merkle.Tree[[32]byte]
}

func (t *servedTree) leaves() uint64 { return uint64(len(t.blocks)) }

// treeEntry is a cache slot; done is closed when t or err is set.
type treeEntry struct {
	done chan struct{}
	t    *servedTree
	err  error
	used uint64
}

// treeCache maps dataset tree CIDs to their manifests (from the store's
// dataset list) and keeps the trees of the most recently used datasets.
//
// concurrency: safe for concurrent use; a tree is built once however many
// requests want it at the same time.
type treeCache struct {
	store storage.Store
	comp  merkle.Compressor[[32]byte]
	max   int

	scanMu sync.Mutex // one rescan at a time
	mu     struct {
		sync.Mutex
		index    map[cid.Cid]cid.Cid // tree → manifest
		added    map[cid.Cid]bool    // trees add recorded since the last scan
		lastScan time.Time           // when the last listing started
		entries  map[cid.Cid]*treeEntry
		tick     uint64
	}
}

func newTreeCache(store storage.Store, comp merkle.Compressor[[32]byte], max int) *treeCache {
	c := &treeCache{store: store, comp: comp, max: max}
	c.mu.index = map[cid.Cid]cid.Cid{}
	c.mu.added = map[cid.Cid]bool{}
	c.mu.entries = map[cid.Cid]*treeEntry{}
	return c
}

// get returns the served tree of tree, building it on first use. It
// returns an error wrapping errNotServed when no local dataset has that
// tree.
func (c *treeCache) get(ctx context.Context, tree cid.Cid) (*servedTree, error) {
	asked := time.Now()
	c.mu.Lock()
	if e := c.mu.entries[tree]; e != nil {
		c.mu.tick++
		e.used = c.mu.tick
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.t, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	m, ok := c.mu.index[tree]
	c.mu.Unlock()
	if !ok {
		if err := c.rescan(ctx, asked); err != nil {
			return nil, err
		}
		c.mu.Lock()
		m, ok = c.mu.index[tree]
		c.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("%w: %s", errNotServed, cids.String(tree))
		}
	}

	c.mu.Lock()
	if e := c.mu.entries[tree]; e != nil { // built by someone else meanwhile
		c.mu.Unlock()
		return c.get(ctx, tree)
	}
	e := &treeEntry{done: make(chan struct{})}
	c.mu.tick++
	e.used = c.mu.tick
	c.mu.entries[tree] = e
	c.evictLocked()
	c.mu.Unlock()

	e.t, e.err = c.build(ctx, m, tree)
	close(e.done)
	if e.err != nil {
		c.mu.Lock()
		if c.mu.entries[tree] == e {
			delete(c.mu.entries, tree)
		}
		if errors.Is(e.err, storage.ErrNotFound) {
			delete(c.mu.index, tree)
		}
		c.mu.Unlock()
	}
	return e.t, e.err
}

// evictLocked drops the least recently used built trees above max.
func (c *treeCache) evictLocked() {
	for len(c.mu.entries) > c.max {
		var oldest cid.Cid
		var min uint64
		for k, e := range c.mu.entries {
			select {
			case <-e.done:
			default:
				continue // being built
			}
			if min == 0 || e.used < min {
				oldest, min = k, e.used
			}
		}
		if min == 0 {
			return
		}
		delete(c.mu.entries, oldest)
	}
}

// rescan reloads the tree → manifest index from the store's dataset list
// unless a reload that started after asked has finished. Reloads start at
// most once per rescanInterval: a request that comes sooner waits for the
// next one, so that a dataset committed before the request is always
// found while a flood of requests for unknown trees costs at most one
// listing per interval.
func (c *treeCache) rescan(ctx context.Context, asked time.Time) error {
	c.scanMu.Lock()
	defer c.scanMu.Unlock()
	c.mu.Lock()
	last := c.mu.lastScan
	c.mu.Unlock()
	if last.After(asked) {
		return nil
	}
	if wait := rescanInterval - time.Since(last); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	start := time.Now()
	ds, err := c.store.Datasets(ctx)
	if err != nil {
		return fmt.Errorf("blockexc: list datasets: %w", err)
	}
	index := make(map[cid.Cid]cid.Cid, len(ds))
	for _, d := range ds {
		index[d.Tree] = d.Manifest
	}
	c.mu.Lock()
	// Keep what add recorded while the listing ran.
	for t, m := range c.mu.index {
		if _, ok := index[t]; !ok && c.mu.added[t] {
			index[t] = m
		}
	}
	c.mu.index = index
	c.mu.added = map[cid.Cid]bool{}
	c.mu.lastScan = start
	c.mu.Unlock()
	return nil
}

// add records a dataset committed by this node (Fetch), with its tree if
// already known, so that it is served at once.
func (c *treeCache) add(manifest, tree cid.Cid, t *servedTree) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.index[tree] = manifest
	c.mu.added[tree] = true
	if t != nil {
		e := &treeEntry{done: make(chan struct{}), t: t}
		close(e.done)
		c.mu.tick++
		e.used = c.mu.tick
		c.mu.entries[tree] = e
		c.evictLocked()
	}
}

// forget drops tree, for a dataset that is no longer stored.
func (c *treeCache) forget(tree cid.Cid) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.mu.index, tree)
	delete(c.mu.entries, tree)
}

// build reads dataset m's block list and builds its tree, checking that
// the root is tree.
func (c *treeCache) build(ctx context.Context, m, tree cid.Cid) (*servedTree, error) {
	mb, err := c.store.Get(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("blockexc: manifest %s: %w", cids.String(m), err)
	}
	man, _, err := manifest.Decode(mb)
	if err != nil {
		return nil, fmt.Errorf("blockexc: manifest %s: %w", cids.String(m), err)
	}
	if man.TreeCID != tree {
		return nil, fmt.Errorf("blockexc: manifest %s names tree %s, record says %s",
			cids.String(m), cids.String(man.TreeCID), cids.String(tree))
	}
	blocks, err := c.store.DatasetBlocks(ctx, m, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("blockexc: block list of %s: %w", cids.String(m), err)
	}
	return newServedTree(m, tree, man.BlockSize, blocks, c.comp)
}

func newServedTree(m, tree cid.Cid, blockSize uint32, blocks []cid.Cid, comp merkle.Compressor[[32]byte]) (*servedTree, error) {
	leaves := make([][32]byte, len(blocks))
	for i, b := range blocks {
		d, err := cids.Digest(b)
		if err != nil {
			return nil, fmt.Errorf("blockexc: block %d of %s: %w", i, cids.String(m), err)
		}
		leaves[i] = d
	}
	t, err := merkle.Build(leaves, comp)
	if err != nil {
		return nil, fmt.Errorf("blockexc: tree of %s: %w", cids.String(m), err)
	}
	root, err := cids.Digest(tree)
	if err != nil {
		return nil, err
	}
	if t.Root() != root {
		return nil, fmt.Errorf("blockexc: dataset %s: blocks give tree %s, record says %s",
			cids.String(m), cids.String(cids.Tree(t.Root())), cids.String(tree))
	}
	return &servedTree{manifest: m, blockSize: blockSize, blocks: blocks, tree: t}, nil
}
