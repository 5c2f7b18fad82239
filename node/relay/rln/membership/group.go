package membership

import (
	"fmt"
	"slices"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// Group is an in-memory RLN membership set: a sparse depth-20 tree, a map
// from rate commitment to index, and the window of recent roots. The zero
// Group is not usable; call [NewGroup]. A Group is safe for concurrent use.
type Group struct {
	window int
	mu     struct {
		sync.RWMutex
		tree *rln.Tree
		// leaves holds every non-empty leaf. INVARIANT: leaves[i] equals
		// tree.Leaf(i) for every i, and no entry is the zero element.
		leaves map[uint64]fr.Element
		// index maps a rate commitment to the indexes holding it, in the
		// order they were set. INVARIANT: i is in index[rc] exactly when
		// leaves[i] = rc; no list is empty.
		index map[fr.Element][]uint64
		// roots holds the last window roots, oldest first; rootSeq is the
		// sequence number of the newest (0 while roots is empty).
		roots   []fr.Element
		rootSeq uint64
		subs    map[int]chan struct{}
		nextSub int
	}
}

// GroupOption configures [NewGroup].
type GroupOption func(*Group) error

// WithRootWindow sets how many recent roots the group accepts. The default
// is [DefaultRootWindow]; n must be at least 1.
func WithRootWindow(n int) GroupOption {
	return func(g *Group) error {
		if n < 1 {
			return fmt.Errorf("membership: root window %d: must be at least 1", n)
		}
		g.window = n
		return nil
	}
}

// NewGroup returns an empty group. It fails only on a bad option.
func NewGroup(opts ...GroupOption) (*Group, error) {
	g := &Group{window: DefaultRootWindow}
	for _, o := range opts {
		if err := o(g); err != nil {
			return nil, err
		}
	}
	g.mu.tree = rln.NewTree()
	g.mu.leaves = map[uint64]fr.Element{}
	g.mu.index = map[fr.Element][]uint64{}
	g.mu.subs = map[int]chan struct{}{}
	return g, nil
}

// RootWindow returns the number of roots the group keeps.
func (g *Group) RootWindow() int { return g.window }

// Apply sets the leaves in changes, in order, and accepts the resulting
// root as one new root (even when it equals the previous one). Either all
// changes are applied or, when an index is at or above rln.Capacity, none
// (the error wraps rln.ErrLeafIndex). An empty changes is a no-op. Apply
// does not retain changes. It returns the new root.
func (g *Group) Apply(changes []Change) (fr.Element, error) {
	for _, c := range changes {
		if c.Index >= rln.Capacity {
			return fr.Element{}, fmt.Errorf("membership: set leaf %d: %w", c.Index, rln.ErrLeafIndex)
		}
	}
	g.mu.Lock()
	if len(changes) == 0 {
		root := g.mu.tree.Root()
		g.mu.Unlock()
		return root, nil
	}
	g.setAllLocked(changes)
	root := g.mu.tree.Root()
	g.pushRootLocked(root)
	g.mu.Unlock()
	g.notify()
	return root, nil
}

// setLocked records one leaf in the leaf and index maps (the caller
// updates the tree); c.Index is in range. g.mu is held for writing.
func (g *Group) setLocked(c Change) {
	if old, ok := g.mu.leaves[c.Index]; ok {
		// preserves INVARIANT of index
		if l := slices.DeleteFunc(g.mu.index[old], func(i uint64) bool { return i == c.Index }); len(l) > 0 {
			g.mu.index[old] = l
		} else {
			delete(g.mu.index, old)
		}
	}
	if c.RateCommitment.IsZero() {
		delete(g.mu.leaves, c.Index)
	} else {
		g.mu.leaves[c.Index] = c.RateCommitment
		g.mu.index[c.RateCommitment] = append(g.mu.index[c.RateCommitment], c.Index)
	}
}

// setAllLocked sets the leaves of changes in the maps and, in one batch,
// in the tree; every index is in range. g.mu is held for writing.
func (g *Group) setAllLocked(changes []Change) {
	leaves := make([]rln.Leaf, len(changes))
	for i, c := range changes {
		g.setLocked(c)
		leaves[i] = rln.Leaf{Index: c.Index, Value: c.RateCommitment}
	}
	if err := g.mu.tree.SetLeaves(leaves); err != nil {
		panic("BUG: membership: indices checked before SetLeaves: " + err.Error())
	}
}

func (g *Group) pushRootLocked(root fr.Element) {
	g.mu.roots = append(g.mu.roots, root)
	if len(g.mu.roots) > g.window {
		g.mu.roots = slices.Delete(g.mu.roots, 0, len(g.mu.roots)-g.window)
	}
	g.mu.rootSeq++
}

// Reset replaces the whole set with members and the root window with roots
// (oldest first; only the last window are kept). If roots is empty, the
// window becomes the single root of the new tree. It is how a checkpoint is
// restored and how a reorg is undone. It fails, changing nothing, when a
// member's index is out of range or appears twice. Subscribers are
// notified; sequence numbers keep counting up.
func (g *Group) Reset(members []Member, roots []fr.Element) error {
	seen := make(map[uint64]bool, len(members))
	for _, m := range members {
		if m.Index >= rln.Capacity {
			return fmt.Errorf("membership: reset leaf %d: %w", m.Index, rln.ErrLeafIndex)
		}
		if seen[m.Index] {
			return fmt.Errorf("membership: reset: index %d appears twice", m.Index)
		}
		seen[m.Index] = true
	}
	g.mu.Lock()
	g.mu.tree = rln.NewTree()
	g.mu.leaves = make(map[uint64]fr.Element, len(members))
	g.mu.index = make(map[fr.Element][]uint64, len(members))
	g.setAllLocked(members)
	if len(roots) == 0 {
		roots = []fr.Element{g.mu.tree.Root()}
	}
	if len(roots) > g.window {
		roots = roots[len(roots)-g.window:]
	}
	g.mu.roots = slices.Clone(roots)
	g.mu.rootSeq += uint64(len(roots))
	g.mu.Unlock()
	g.notify()
	return nil
}

// Root implements [Source].
func (g *Group) Root() fr.Element {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.mu.tree.Root()
}

// Roots implements [Source].
func (g *Group) Roots() []fr.Element {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return slices.Clone(g.mu.roots)
}

// RootsSince implements [Source].
func (g *Group) RootsSince(seq uint64) ([]fr.Element, uint64) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	newest := g.mu.rootSeq
	if seq >= newest {
		return nil, newest
	}
	n := min(newest-seq, uint64(len(g.mu.roots)))
	return slices.Clone(g.mu.roots[uint64(len(g.mu.roots))-n:]), newest
}

// Proof implements [Source].
func (g *Group) Proof(index uint64) (rln.MerkleProof, fr.Element, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if index >= rln.Capacity {
		return rln.MerkleProof{}, fr.Element{}, fmt.Errorf("membership: proof of leaf %d: %w", index, rln.ErrLeafIndex)
	}
	if _, ok := g.mu.leaves[index]; !ok {
		return rln.MerkleProof{}, fr.Element{}, fmt.Errorf("%w: %d (register first, or wait for the sync to reach the registration)", ErrNotMember, index)
	}
	p, err := g.mu.tree.Proof(index)
	if err != nil {
		return rln.MerkleProof{}, fr.Element{}, fmt.Errorf("membership: proof of leaf %d: %w", index, err)
	}
	return p, g.mu.tree.Root(), nil
}

// IndexOf implements [Source].
func (g *Group) IndexOf(rateCommitment fr.Element) (uint64, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	l := g.mu.index[rateCommitment]
	if len(l) == 0 {
		return 0, false
	}
	return l[len(l)-1], true
}

// Leaf returns leaf index (the zero element if empty or out of range).
func (g *Group) Leaf(index uint64) fr.Element {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.mu.leaves[index]
}

// Len returns the number of non-empty leaves.
func (g *Group) Len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.mu.leaves)
}

// Members returns the non-empty leaves in index order.
func (g *Group) Members() []Member {
	g.mu.RLock()
	out := make([]Member, 0, len(g.mu.leaves))
	for i, rc := range g.mu.leaves {
		out = append(out, Member{Index: i, RateCommitment: rc})
	}
	g.mu.RUnlock()
	slices.SortFunc(out, func(a, b Member) int {
		switch {
		case a.Index < b.Index:
			return -1
		case a.Index > b.Index:
			return 1
		}
		return 0
	})
	return out
}

// Subscribe implements [Source].
func (g *Group) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	g.mu.Lock()
	id := g.mu.nextSub
	g.mu.nextSub++
	g.mu.subs[id] = ch
	g.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			g.mu.Lock()
			delete(g.mu.subs, id)
			g.mu.Unlock()
		})
	}
}

// notify wakes every subscriber without blocking: a full channel already
// holds a pending notification.
func (g *Group) notify() {
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, ch := range g.mu.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
