package membership_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

// The validator takes its roots through FeedRoots.
var _ membership.RootAdder = (*rlnrelay.Validator)(nil)

func elem(v uint64) fr.Element {
	var e fr.Element
	e.SetUint64(v)
	return e
}

func newGroup(t *testing.T, opts ...membership.GroupOption) *membership.Group {
	t.Helper()
	g, err := membership.NewGroup(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGroupMatchesTree(t *testing.T) {
	g := newGroup(t)
	tree := rln.NewTree()
	for i, v := range []uint64{11, 22, 33} {
		if _, err := g.Apply([]membership.Change{{Index: uint64(i * 7), RateCommitment: elem(v)}}); err != nil {
			t.Fatal(err)
		}
		if err := tree.Set(uint64(i*7), elem(v)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := g.Root(), tree.Root(); !got.Equal(&want) {
		t.Fatalf("Root() = %s, want %s", got.String(), want.String())
	}
	p, root, err := g.Proof(7)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rln.MerkleRootFromPath(elem(22), p.PathElements, p.PathIndex)
	if err != nil || !got.Equal(&root) {
		t.Errorf("MerkleRootFromPath(Proof(7)) = %s, %v; want %s", got.String(), err, root.String())
	}
	if i, ok := g.IndexOf(elem(33)); !ok || i != 14 {
		t.Errorf("IndexOf(33) = %d, %v; want 14, true", i, ok)
	}
	if _, _, err := g.Proof(8); !errors.Is(err, membership.ErrNotMember) {
		t.Errorf("Proof(empty leaf) error = %v, want ErrNotMember", err)
	}
	if _, _, err := g.Proof(rln.Capacity); !errors.Is(err, rln.ErrLeafIndex) {
		t.Errorf("Proof(Capacity) error = %v, want rln.ErrLeafIndex", err)
	}
}

func TestApplyIsAtomic(t *testing.T) {
	g := newGroup(t)
	before := g.Root()
	_, err := g.Apply([]membership.Change{{Index: 1, RateCommitment: elem(1)}, {Index: rln.Capacity, RateCommitment: elem(2)}})
	if !errors.Is(err, rln.ErrLeafIndex) {
		t.Fatalf("Apply(out of range) error = %v, want rln.ErrLeafIndex", err)
	}
	if got := g.Root(); !got.Equal(&before) || g.Len() != 0 || len(g.Roots()) != 0 {
		t.Errorf("after a failed Apply: root changed or %d members, %d roots", g.Len(), len(g.Roots()))
	}
}

func TestEraseAndReuse(t *testing.T) {
	g := newGroup(t)
	mustApply(t, g, membership.Change{Index: 0, RateCommitment: elem(5)}, membership.Change{Index: 1, RateCommitment: elem(6)})
	mustApply(t, g, membership.Change{Index: 0}) // erase
	if _, ok := g.IndexOf(elem(5)); ok || g.Len() != 1 {
		t.Errorf("after erasing index 0: IndexOf found it or Len() = %d, want 1", g.Len())
	}
	mustApply(t, g, membership.Change{Index: 0, RateCommitment: elem(6)}) // 6 again, at index 0
	if i, _ := g.IndexOf(elem(6)); i != 0 {
		t.Errorf("IndexOf(6) = %d, want 0, the index set last", i)
	}
	mustApply(t, g, membership.Change{Index: 0, RateCommitment: elem(7)})
	if i, ok := g.IndexOf(elem(6)); !ok || i != 1 {
		t.Errorf("IndexOf(6) after overwriting index 0 = %d, %v; want 1, true (index 1 still holds it)", i, ok)
	}
	if got := g.Leaf(1); !got.Equal(ptr(elem(6))) {
		t.Errorf("Leaf(1) = %s, want 6", got.String())
	}
}

func ptr(e fr.Element) *fr.Element { return &e }

func mustApply(t *testing.T, g *membership.Group, cs ...membership.Change) fr.Element {
	t.Helper()
	r, err := g.Apply(cs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRootWindow(t *testing.T) {
	g := newGroup(t, membership.WithRootWindow(3))
	var roots []fr.Element
	for i := range uint64(5) {
		roots = append(roots, mustApply(t, g, membership.Change{Index: i, RateCommitment: elem(i + 1)}))
	}
	got := g.Roots()
	if len(got) != 3 || !got[0].Equal(&roots[2]) || !got[2].Equal(&roots[4]) {
		t.Fatalf("Roots() has %d roots, want the last 3 accepted", len(got))
	}
	since, seq := g.RootsSince(3)
	if seq != 5 || len(since) != 2 || !since[0].Equal(&roots[3]) {
		t.Errorf("RootsSince(3) = %d roots, seq %d; want 2 roots, seq 5", len(since), seq)
	}
	if since, _ := g.RootsSince(0); len(since) != 3 {
		t.Errorf("RootsSince(0) = %d roots, want the window of 3", len(since))
	}
	if since, _ := g.RootsSince(5); len(since) != 0 {
		t.Errorf("RootsSince(newest) = %d roots, want 0", len(since))
	}
	if _, err := membership.NewGroup(membership.WithRootWindow(0)); err == nil {
		t.Error("NewGroup(WithRootWindow(0)) succeeded")
	}
}

func TestReset(t *testing.T) {
	g := newGroup(t)
	mustApply(t, g, membership.Change{Index: 3, RateCommitment: elem(3)})
	other := newGroup(t)
	r := mustApply(t, other, membership.Change{Index: 9, RateCommitment: elem(9)})
	if err := g.Reset(other.Members(), nil); err != nil {
		t.Fatal(err)
	}
	if got := g.Root(); !got.Equal(&r) || g.Len() != 1 {
		t.Errorf("after Reset: root %s with %d members, want %s with 1", got.String(), g.Len(), r.String())
	}
	if roots := g.Roots(); len(roots) != 1 || !roots[0].Equal(&r) {
		t.Errorf("after Reset(members, nil): %d roots, want the new root only", len(roots))
	}
	if err := g.Reset([]membership.Member{{Index: 1}, {Index: 1}}, nil); err == nil {
		t.Error("Reset with a repeated index succeeded")
	}
}

// adder records roots, like rlnrelay.Validator.AddRoot.
type adder struct {
	mu    sync.Mutex
	roots []fr.Element
}

func (a *adder) AddRoot(r fr.Element) {
	a.mu.Lock()
	a.roots = append(a.roots, r)
	a.mu.Unlock()
}

func (a *adder) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.roots)
}

func TestFeedRoots(t *testing.T) {
	g := newGroup(t)
	first := mustApply(t, g, membership.Change{Index: 0, RateCommitment: elem(1)})
	ctx, cancel := context.WithCancel(context.Background())
	var a adder
	done := make(chan error, 1)
	go func() { done <- membership.FeedRoots(ctx, g, &a) }()
	second := mustApply(t, g, membership.Change{Index: 1, RateCommitment: elem(2)})
	third := mustApply(t, g, membership.Change{Index: 2, RateCommitment: elem(3)})
	deadline := time.Now().Add(5 * time.Second)
	for a.len() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("FeedRoots returned %v, want context.Canceled", err)
	}
	want := []fr.Element{first, second, third}
	if len(a.roots) != 3 {
		t.Fatalf("FeedRoots added %d roots, want 3", len(a.roots))
	}
	for i := range want {
		if !a.roots[i].Equal(&want[i]) {
			t.Errorf("root %d = %s, want %s", i, a.roots[i].String(), want[i].String())
		}
	}
}

func TestFeedRootsIntoValidator(t *testing.T) {
	v, err := rlnrelay.New(rlnrelay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := newGroup(t)
	mustApply(t, g, membership.Change{Index: 0, RateCommitment: elem(1)})
	if seq := membership.PushRoots(g, v, 0); seq != 1 {
		t.Errorf("PushRoots = %d, want 1", seq)
	}
}
