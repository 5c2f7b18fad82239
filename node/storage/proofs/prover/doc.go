// Package prover makes storage proofs for datasets the node stores: it
// opens (or builds, once) the Poseidon2 slot trees of an erasure-coded
// dataset with package slots, derives the sampled cells from the entropy,
// fills the SampleAndProve witness and proves with package proofs.
//
//	d, _ := ec.Open(ctx, store, protectedCID, ec.Options{}) // repairs lost blocks
//	res, err := prover.ProveSlot(ctx, d, d.Manifest(), 3, entropy, keys, slots.Options{Dir: dir})
//	err = prover.VerifySlotProof(keys.VerifyingKey(), res.Proof, entropy, res.Public.DataSetRoot, 3)
//
// Reading through an *ec.Dataset means a lost or corrupt block is rebuilt
// from parity, stored again and used; when it cannot be, the error wraps
// slots.ErrBlock and names the slot, block and dataset leaf.
//
// [Service] adds what a node needs: keys per sample count set up lazily
// and cached on disk, slot trees kept under one directory, and proving by
// manifest CID.
package prover
