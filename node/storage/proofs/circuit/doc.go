// Package circuit is the Logos Storage (Codex) storage-proof circuit,
// SampleAndProve, written for gnark. It proves the same statement as
// codex-storage-proofs-circuits circuit/codex/sample_cells.circom:
//
//   - public inputs, in this order: entropy, dataSetRoot, slotIndex;
//   - private inputs: slotRoot, nCellsPerSlot, nSlotsPerDataSet, slotProof
//     (the slot root's Merkle path in the dataset tree, MaxLog2NSlots
//     entries) and, per sample, the cell's 67 field elements and its Merkle
//     path (BlockTreeDepth levels in the block tree, then the slot tree, up
//     to MaxDepth entries, zero-padded);
//   - checks: slotRoot is leaf slotIndex of the dataset tree with root
//     dataSetRoot; for counter = 1..N the sampled cell index is the low
//     log2(nCellsPerSlot) bits of Sponge(entropy, slotRoot, counter), the
//     cell hashes (rate-2 sponge) to a leaf whose path at that index leads
//     to slotRoot. Merkle paths use the keyed compression with upstream's
//     key and odd-node rules (merkle.circom).
//
// # Usage
//
//	p := circuit.DefaultParams(5)
//	c, _ := circuit.New(p)                 // to compile: frontend.Compile(field, r1cs.NewBuilder, c)
//	w, _ := circuit.ParseInputJSON(r)      // or fill a circuit.Witness by hand,
//	                                       // opening cells CellIndex(entropy, slotRoot, 1..N, nCells)
//	a, _ := circuit.Assign(p, w)           // the full assignment for gnark
//
// The Groth16 keys, prover and verifier are in the parent package proofs.
package circuit
