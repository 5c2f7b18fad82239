// Package slots builds the Poseidon2 slot trees of Logos Storage (Codex
// v0.2) storage proofs over an erasure-coded dataset, and opens cells of a
// slot with the Merkle paths the storage-proof circuit checks
// (shared/specs/storage-formats.md §9; nim-codex codex/slots).
//
// # Construction
//
// A protected manifest of BlocksCount blocks has NumSlots = K+M slots of
// SlotBlocks = BlocksCount / NumSlots blocks each. Every slot is padded
// with zero-byte "pad blocks" until its cell count is a power of two
// (SlotBlocksTotal blocks). Block j of slot i is tree leaf i + j·NumSlots
// with the Stepped strategy (upstream SlotsBuilder's default) or
// i·SlotBlocksTotal + j with the Linear one; the manifest's verification
// strategy wins when it has one. Then, as upstream:
//
//   - a cell is CellSize (2048) bytes, turned into 67 field elements by
//     poseidon2.BytesToElements and hashed with the rate-2 sponge;
//   - a block digest is the root of the keyed Poseidon2 Merkle tree
//     (accel/merkle) over the block's cell hashes (32 for 64 KiB blocks);
//     empty blocks (erasure padding) and pad blocks are blockSize zero
//     bytes;
//   - the slot root is the keyed Merkle root over the slot's block digests;
//   - the dataset (verify) root is the keyed Merkle root over the slot
//     roots, without padding (11 slots give an 11-leaf tree).
//
// # Sampling
//
// [CellIndices] derives the cells a proof opens from public entropy: for
// counter = 1..n, the low log2(nCells) bits of Sponge(entropy, slotRoot,
// counter).
//
// # Usage
//
//	d, _ := ec.Open(ctx, store, protectedCID, ec.Options{})
//	ds, err := slots.BuildDataset(ctx, d, d.Manifest(), slots.Options{Dir: dir})
//	root := ds.Root() // the dataset root (verifyRoot)
//
//	s, err := slots.Open(ctx, d, d.Manifest(), 3, slots.Options{Dir: dir}) // no rehash
//	idx, _ := slots.CellIndices(p, entropy, s.Root(), s.CellCount(), 5)
//	cp, err := s.CellProof(ctx, idx[0]) // cp.Elements, cp.Path: circuit inputs
//	slotPath, _ := ds.SlotProof(3)       // the circuit's slotProof
//
// Hashing goes through the accel Poseidon2 kernel ([Options.Poseidon2], or
// the router's pick); every backend gives the same roots.
package slots
