package circuit

import (
	"github.com/consensys/gnark/frontend"

	"github.com/cairn-node/cairn/node/storage/proofs/poseidon2gadget"
)

// rootFromMerklePath reconstructs a Merkle root as merkle.circom's
// RootFromMerklePath(depth) does, with depth = len(path):
//
//   - pathBits: the leaf index, least significant bit first;
//   - lastBits: the index of the last leaf (size - 1);
//   - maskBits (depth+1 entries): the mask 2^ceil(log2 size) - 1, whose
//     first entry is forced to 1 (singleton trees);
//   - level i compresses (node, sibling), swapped when pathBits[i] is 1,
//     with key bottom + 2·odd, where bottom is 1 at level 0 and odd is 1
//     when the node is the last of its layer and a left child (its sibling
//     is the zero digest);
//   - the root is the node at the level where the mask ends.
//
// Every bit must already be constrained to 0 or 1 by the caller (as
// upstream requires); then isLast's equality test (1 - a - b + 2ab) equals
// upstream's IsEqual.
func rootFromMerklePath(api frontend.API, leaf frontend.Variable, pathBits, lastBits, maskBits, path []frontend.Variable) frontend.Variable {
	depth := len(path)
	isLast := make([]frontend.Variable, depth+1)
	isLast[depth] = 1
	for i := depth - 1; i >= 0; i-- {
		ab := api.Mul(pathBits[i], lastBits[i])
		eq := api.Sub(api.Add(1, ab, ab), pathBits[i], lastBits[i])
		isLast[i] = api.Mul(isLast[i+1], eq)
	}
	aux := make([]frontend.Variable, depth+1)
	aux[0] = leaf
	for i := 0; i < depth; i++ {
		bottom := 0
		if i == 0 {
			bottom = 1
		}
		odd := api.Mul(isLast[i], api.Sub(1, pathBits[i]))
		l, r := aux[i], path[i]
		sw := api.Mul(api.Sub(r, l), pathBits[i])
		key := api.Add(bottom, api.Mul(2, odd))
		aux[i+1] = poseidon2gadget.Compress(api, api.Add(l, sw), api.Sub(r, sw), key)
	}
	mask := func(i int) frontend.Variable {
		if i == 0 {
			return 1
		}
		return maskBits[i]
	}
	terms := make([]frontend.Variable, depth)
	for i := 0; i < depth; i++ {
		terms[i] = api.Mul(api.Sub(mask(i), mask(i+1)), aux[i+1])
	}
	if depth == 1 {
		return terms[0]
	}
	return api.Add(terms[0], terms[1], terms[2:]...)
}
