// Package proofs makes and checks Logos Storage (Codex) storage proofs:
// Groth16 over BN254 for the SampleAndProve circuit of package
// [github.com/cairn-node/cairn/node/storage/proofs/circuit].
//
// # Setup
//
// Groth16 needs keys per circuit, so per sample count N. Setup compiles the
// circuit, names its keys by the SHA-256 of the compiled R1CS and loads
// them from the cache directory, or generates them (a local, single-party
// setup with crypto/rand: not upstream's ceremony, so upstream's verifier
// contract does not accept these proofs) and writes them there atomically.
// A changed circuit has a different digest and never meets stale keys.
//
//	keys, err := proofs.Setup(ctx, dir, circuit.DefaultParams(5))
//	proof, err := keys.Prove(witness)             // *circuit.Witness
//	err = keys.VerifyingKey().Verify(proof, pub)  // nil or ErrInvalidProof
//
// # Batch verification
//
// [VerifyingKey.BatchKey] converts the key for the accel/groth16verify
// kernel, which checks many proofs with one random linear combination and
// bisects a failing batch to name the bad proofs:
//
//	bk, err := keys.VerifyingKey().BatchKey()
//	ok, err := bk.Verify(nil, proofs, publics) // ok[i] per proof
//
// Package prover proves slots of stored datasets; package httpapi serves
// that over the node's REST API.
//
// # Encodings
//
// A [Proof] has gnark's compressed binary form (MarshalBinary) and a JSON
// form with snarkjs's layout (pi_a, pi_b, pi_c as decimal coordinates).
// A [VerifyingKey] has gnark's binary form and exports a Solidity verifier.
//
// # Cost
//
// Measured on the 2-core development machine (shared; quiet runs), upstream
// parameters (maxDepth 32, maxLog2NSlots 8, blockTreeDepth 5, 67 elements
// per cell), go test -run '^$' -bench . ./node/storage/proofs/
// (CAIRN_PROOFS_N100=1 adds N = 100, on a synthetic 1024-cell slot):
//
//	N     constraints   setup     key file   prove    verify
//	1          19,071    2.9 s      3.9 MB   0.30 s   0.59 ms
//	5          87,147   12.5 s     17.3 MB   1.20 s   0.55 ms
//	100     1,703,952   4 min 26  323.1 MB   18.5 s   (3.2 GB peak RSS)
//
// Each sample costs 17,019 constraints, 96 % of them Poseidon2: 68
// permutations of 240 constraints (2 for the index, 34 for the cell, 32 for
// the Merkle path).
//
// # Concurrency
//
// Keys, VerifyingKey and Proof values are safe for concurrent use once
// built; Setup may run concurrently on one directory (the last writer of a
// key file wins, and each file holds a matching pair).
package proofs
