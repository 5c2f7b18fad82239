// Package merkle builds the keyed-compression Merkle trees of Logos Storage
// in batches: the SHA-256 dataset tree (block digests as leaves) and the
// Poseidon2 slot and block trees of the storage proofs.
//
// # Construction
//
// Each layer compresses pairs (2i, 2i+1) with compress(x, y, key); a layer of
// odd length compresses its last node with a zero sibling. Keys: 0 inner
// pair, 1 bottom-layer pair, 2 inner odd node, 3 bottom-layer odd node. The
// bottom layer is always compressed, so a single leaf has root
// compress(leaf, 0, 3). Layers repeat until one node is left: the root.
//
// A whole layer is one batch call of the hash kernel, so the tree runs at
// the kernel's batched speed on whatever backend the kernel was built for.
//
// # Usage
//
//	h, _ := sha256x.New(accel.SIMD)
//	tree, err := merkle.Build(leaves, merkle.SHA256(h))
//	root := tree.Root()
//	path, _ := tree.Proof(7)
//	ok := merkle.Verify(merkle.SHA256(h), leaves[7], 7, tree.Leaves(), path, root)
package merkle
