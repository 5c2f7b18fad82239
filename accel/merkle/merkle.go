package merkle

import (
	"errors"
	"fmt"
)

// Key is the domain-separation key of one compression.
type Key uint8

// The keys of the Logos Storage trees.
const (
	KeyInner     Key = 0 // pair above the bottom layer
	KeyBottom    Key = 1 // pair in the bottom layer
	KeyInnerOdd  Key = 2 // last node of an odd inner layer, zero sibling
	KeyBottomOdd Key = 3 // last node of an odd bottom layer, zero sibling
)

func keyFor(bottom, odd bool) Key {
	k := KeyInner
	if bottom {
		k |= KeyBottom
	}
	if odd {
		k |= KeyInnerOdd
	}
	return k
}

// Compressor compresses many pairs of digests of type D with one key.
//
// CompressPairs writes out[i] = compress(in[2i], in[2i+1], key), so len(in)
// == 2*len(out). It must be safe for concurrent use and must not retain the
// slices.
type Compressor[D comparable] interface {
	CompressPairs(out, in []D, key Key) error
}

// ErrNoLeaves is returned for a tree without leaves, which the Logos Storage
// construction does not define.
var ErrNoLeaves = errors.New("merkle: no leaves")

// Tree is a built tree: every layer from the leaves to the root. It is
// immutable and safe for concurrent reads.
type Tree[D comparable] struct {
	// layers[0] are the leaves; the last layer holds the root alone.
	layers [][]D
}

// Build builds the tree over leaves with c. It copies leaves, so the caller
// may reuse them. It returns ErrNoLeaves for an empty slice and c's error
// otherwise.
func Build[D comparable](leaves []D, c Compressor[D]) (*Tree[D], error) {
	if len(leaves) == 0 {
		return nil, ErrNoLeaves
	}
	layers := [][]D{append([]D(nil), leaves...)}
	var zero D
	for bottom := true; bottom || len(layers[len(layers)-1]) > 1; bottom = false {
		in := layers[len(layers)-1]
		pairs := len(in) / 2
		next := make([]D, (len(in)+1)/2)
		if err := c.CompressPairs(next[:pairs], in[:2*pairs], keyFor(bottom, false)); err != nil {
			return nil, fmt.Errorf("merkle: layer %d: %w", len(layers)-1, err)
		}
		if len(in)%2 == 1 {
			if err := c.CompressPairs(next[pairs:], []D{in[len(in)-1], zero}, keyFor(bottom, true)); err != nil {
				return nil, fmt.Errorf("merkle: layer %d: %w", len(layers)-1, err)
			}
		}
		layers = append(layers, next)
	}
	return &Tree[D]{layers: layers}, nil
}

// Root returns the root.
func (t *Tree[D]) Root() D { return t.layers[len(t.layers)-1][0] }

// Leaves returns the number of leaves.
func (t *Tree[D]) Leaves() int { return len(t.layers[0]) }

// Depth returns the number of compression layers (path length of a proof).
func (t *Tree[D]) Depth() int { return len(t.layers) - 1 }

// Proof returns the sibling path of leaf i from the bottom up; a missing
// sibling (odd layer end) is the zero digest.
func (t *Tree[D]) Proof(i int) ([]D, error) {
	if i < 0 || i >= t.Leaves() {
		return nil, fmt.Errorf("merkle: proof of leaf %d in a tree of %d leaves: index out of range", i, t.Leaves())
	}
	path := make([]D, 0, t.Depth())
	for _, layer := range t.layers[:len(t.layers)-1] {
		var sib D
		if j := i ^ 1; j < len(layer) {
			sib = layer[j]
		}
		path = append(path, sib)
		i /= 2
	}
	return path, nil
}

// Verify reports whether path proves leaf at index in a tree of n leaves
// with the given root. It recomputes the root with c, one compression per
// level, and follows the odd-node rule of Build: at each level the node
// whose index is the last of an odd-length layer is compressed with the
// odd key.
func Verify[D comparable](c Compressor[D], leaf D, index, n int, path []D, root D) (bool, error) {
	if index < 0 || index >= n {
		return false, nil
	}
	node := leaf
	m := n
	for level, sib := range path {
		bottom := level == 0
		var in []D
		key := keyFor(bottom, false)
		switch {
		case index%2 == 1:
			in = []D{sib, node}
		case index == m-1: // last node of an odd layer
			in, key = []D{node, sib}, keyFor(bottom, true)
		default:
			in = []D{node, sib}
		}
		out := make([]D, 1)
		if err := c.CompressPairs(out, in, key); err != nil {
			return false, fmt.Errorf("merkle: verify level %d: %w", level, err)
		}
		node = out[0]
		index /= 2
		m = (m + 1) / 2
	}
	return m == 1 && node == root, nil
}
