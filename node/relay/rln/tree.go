package rln

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// TreeDepth is the depth of the RLN v2 membership tree (zerokit
// tree_depth_20): 2^20 leaves.
const TreeDepth = 20

// ErrLeafIndex is returned for a leaf index outside the tree.
var ErrLeafIndex = errors.New("rln: leaf index out of range")

// ErrMerklePath is returned by [MerkleRootFromPath] for a malformed path.
var ErrMerklePath = errors.New("rln: malformed merkle path")

// emptyRoots[l] is the root of an empty subtree of height l: emptyRoots[0] is
// the empty leaf 0 and emptyRoots[l+1] = Poseidon(emptyRoots[l], emptyRoots[l]).
var emptyRoots = func() [TreeDepth + 1]fr.Element {
	var z [TreeDepth + 1]fr.Element
	for l := 1; l <= TreeDepth; l++ {
		z[l] = hash(z[l-1], z[l-1])
	}
	return z
}()

// MerkleProof is a membership path in the form the RLN circuit takes it.
type MerkleProof struct {
	// PathElements[i] is the sibling at height i, from the leaf's sibling up.
	PathElements []fr.Element
	// PathIndex[i] is bit i of the leaf index (LSB first): 0 means the node
	// on the path at height i is a left child, 1 a right child.
	PathIndex []uint8
}

// MerkleRootFromPath hashes leaf up the path and returns the root, as the
// circuit does: at height i the current node is the left input of Poseidon
// when pathIndex[i] is 0 and the right input when it is 1. It fails with
// [ErrMerklePath] when the slices differ in length or an index bit is not 0
// or 1. It does not retain its arguments.
func MerkleRootFromPath(leaf fr.Element, pathElements []fr.Element, pathIndex []uint8) (fr.Element, error) {
	if len(pathElements) != len(pathIndex) {
		return fr.Element{}, fmt.Errorf("%w: %d path elements, %d index bits", ErrMerklePath, len(pathElements), len(pathIndex))
	}
	node := leaf
	for i, sib := range pathElements {
		switch pathIndex[i] {
		case 0:
			node = hash(node, sib)
		case 1:
			node = hash(sib, node)
		default:
			return fr.Element{}, fmt.Errorf("%w: index bit %d is %d", ErrMerklePath, i, pathIndex[i])
		}
	}
	return node, nil
}

// Tree is a sparse Poseidon Merkle tree of depth [TreeDepth] whose empty
// leaves are 0, as zerokit builds the RLN membership tree. It keeps only the
// nodes that differ from an empty subtree, so memory grows with the number of
// members (about TreeDepth+1 nodes each at most), not with 2^TreeDepth.
//
// The zero Tree is not usable; call [NewTree]. A Tree is not safe for
// concurrent use.
type Tree struct {
	// nodes[h] maps a node's position at height h (0 = leaves) to its value.
	// INVARIANT: nodes[h] holds no entry equal to emptyRoots[h], and every
	// node absent from nodes[h] equals emptyRoots[h].
	nodes [TreeDepth + 1]map[uint64]fr.Element
}

// NewTree returns an empty tree of depth [TreeDepth].
func NewTree() *Tree {
	t := &Tree{}
	for h := range t.nodes {
		t.nodes[h] = make(map[uint64]fr.Element)
	}
	return t
}

// Capacity is the number of leaves of a Tree: 2^TreeDepth.
const Capacity = uint64(1) << TreeDepth

func (t *Tree) node(h int, pos uint64) fr.Element {
	if v, ok := t.nodes[h][pos]; ok {
		return v
	}
	return emptyRoots[h]
}

func (t *Tree) setNode(h int, pos uint64, v fr.Element) {
	if v.Equal(&emptyRoots[h]) {
		delete(t.nodes[h], pos) // preserves INVARIANT
		return
	}
	t.nodes[h][pos] = v
}

// Set sets leaf index to leaf (a [RateCommitment]; 0 deletes a member) and
// updates the path to the root: TreeDepth Poseidon hashes. It fails with
// [ErrLeafIndex] when index >= [Capacity].
func (t *Tree) Set(index uint64, leaf fr.Element) error {
	if index >= Capacity {
		return fmt.Errorf("%w: %d >= %d", ErrLeafIndex, index, Capacity)
	}
	t.setNode(0, index, leaf)
	node, pos := leaf, index
	for h := 0; h < TreeDepth; h++ {
		sib := t.node(h, pos^1)
		if pos&1 == 0 {
			node = hash(node, sib)
		} else {
			node = hash(sib, node)
		}
		pos >>= 1
		t.setNode(h+1, pos, node)
	}
	return nil
}

// Leaf is one leaf for SetLeaves.
type Leaf struct {
	Index uint64
	Value fr.Element
}

// SetLeaves sets many leaves (in order; a later entry for the same index
// wins) and then rehashes each changed inner node once, level by level:
// about one Poseidon hash per leaf for a contiguous batch, against
// TreeDepth per leaf for Set. It fails with [ErrLeafIndex], changing
// nothing, when an index is >= [Capacity]. It does not retain leaves.
func (t *Tree) SetLeaves(leaves []Leaf) error {
	for _, l := range leaves {
		if l.Index >= Capacity {
			return fmt.Errorf("%w: %d >= %d", ErrLeafIndex, l.Index, Capacity)
		}
	}
	dirty := make(map[uint64]struct{}, len(leaves))
	for _, l := range leaves {
		t.setNode(0, l.Index, l.Value)
		dirty[l.Index>>1] = struct{}{}
	}
	for h := 0; h < TreeDepth; h++ {
		next := make(map[uint64]struct{}, len(dirty)/2+1)
		for pos := range dirty {
			t.setNode(h+1, pos, hash(t.node(h, 2*pos), t.node(h, 2*pos+1)))
			next[pos>>1] = struct{}{}
		}
		dirty = next
	}
	return nil
}

// Leaf returns leaf index (0 if unset). It fails with [ErrLeafIndex] when
// index >= [Capacity].
func (t *Tree) Leaf(index uint64) (fr.Element, error) {
	if index >= Capacity {
		return fr.Element{}, fmt.Errorf("%w: %d >= %d", ErrLeafIndex, index, Capacity)
	}
	return t.node(0, index), nil
}

// Root returns the tree's root.
func (t *Tree) Root() fr.Element {
	return t.node(TreeDepth, 0)
}

// Proof returns the membership path of leaf index, which
// [MerkleRootFromPath] hashes back to Root. It fails with [ErrLeafIndex] when
// index >= [Capacity]. The returned slices are the caller's.
func (t *Tree) Proof(index uint64) (MerkleProof, error) {
	if index >= Capacity {
		return MerkleProof{}, fmt.Errorf("%w: %d >= %d", ErrLeafIndex, index, Capacity)
	}
	p := MerkleProof{
		PathElements: make([]fr.Element, TreeDepth),
		PathIndex:    make([]uint8, TreeDepth),
	}
	pos := index
	for h := 0; h < TreeDepth; h++ {
		p.PathElements[h] = t.node(h, pos^1)
		p.PathIndex[h] = uint8(pos & 1)
		pos >>= 1
	}
	return p, nil
}
