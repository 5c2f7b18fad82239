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
// # Proving
//
// Prove computes gnark's Groth16 proof with package internal/accelprove
// rather than gnark's groth16.Prove: the same solver and the same proof,
// byte for byte, for the same blinding randomness (TestProveMatchesGnark
// checks it with crypto/rand fixed), but its five MSMs go through
// accel/msm and the seven NTTs of the quotient through accel/ntt, each
// routed by size. Without a GPU the router keeps every kernel on the go
// backend (gnark-crypto's code, as in gnark's prover); where icicle runs on
// CUDA the large MSMs and NTTs go to the GPU (accel/msm
// IcicleGPUMinPoints, accel/ntt IcicleGPUMinSize). CAIRN_ACCEL_MSM and
// CAIRN_ACCEL_NTT force a backend.
//
// BenchmarkProveRoutes compares the routes, interleaved in each iteration
// so that a shared machine's load hits all alike (2-core machine, load
// average 3 to 4 from other jobs; three runs of two iterations, seconds
// per proof):
//
//	eval "$(go run ./accel/internal/icicle/build --print-env)"
//	go test -tags icicle -run '^$' -bench ProveRoutes -benchtime 2x -count 3 ./node/storage/proofs/
//
//	N   gnark's prover   accel, go kernels   accel, NTT on icicle CPU   accel, MSM+NTT on icicle CPU
//	1   0.58–0.60        0.59–0.63           0.73–0.96                  4.1–4.9
//	5   1.68–1.82        1.68–1.78           1.51–2.20                  10.6–15.5
//
// The go route costs what gnark's prover does (same gnark-crypto MSM and
// FFT); the icicle CPU device is a correctness stand-in for CUDA, several
// times slower, and never routed to automatically.
//
// # Cost
//
// Measured on the 2-core development machine (shared; quiet runs),
// upstream parameters (maxDepth 32, maxLog2NSlots 8, blockTreeDepth 5, 67
// elements per cell): setup and prove with `cairn bench --filter
// storage-` (Keys.Prove on the go kernels; bench/proofs.go), N = 1 with
// go test -run '^$' -bench . ./node/storage/proofs/:
//
//	N     constraints   setup     key file   prove    verify
//	1          19,071    2.9 s      3.5 MB   0.30 s   0.59 ms
//	5          87,147   13–14 s    15.5 MB   1.11 s   0.63 ms
//	100     1,703,952   4 min 24  288 MB     16.9 s   (3.2 GB peak RSS at setup)
//
// The key files shrank by a tenth, and proving by 6–9 %, when the
// Poseidon2 gadget's S-box started keeping x⁴ out of the B matrix
// (poseidon2gadget: a third fewer G1.B and G2.B points); before, N = 5
// took 1.20 s with a 17.3 MB key and N = 100 18.5 s with 323 MB.
//
// Each sample costs 17,019 constraints, 96 % of them Poseidon2: 68
// permutations of 240 constraints (2 for the index, 34 for the cell, 32 for
// the Merkle path).
//
// # Concurrency
//
// Keys, VerifyingKey and Proof values are safe for concurrent use once
// built; Setup may run concurrently on one directory (the last writer of a
// key file wins, and each file holds a matching pair).//
// # Upstream's verifier
//
// These proofs prove upstream's statement (same public inputs, same
// Poseidon2, trees and sampling) but not with upstream's keys, so
// upstream's on-chain verifier rejects them. Proving for it needs
// upstream's circuit artifacts: the circom circuit's witness generator
// (proof_main.wasm or its circom-witnesscalc graph) and the proving key
// (proof_main.zkey) of the verifier contract in use. Cairn already has the
// rest, built for RLN: a snarkjs zkey parser and Groth16 prover with
// circom's quotient (node/relay/rln/groth16, MSMs and NTTs through accel),
// a graph evaluator (node/relay/rln/witness) and a wasm witness runner
// (node/relay/rln/internal/wasmwitness), and the circuit's inputs in
// upstream's input.json layout (circuit.Witness, which
// circuit.ParseInputJSON reads). The witness generators are published (durability-labs/
// archivist-node tests/circuits/fixtures holds proof_main.wasm and a
// .bin graph for a small test circuit), but no zkey: upstream generates
// test keys locally, and the keys behind a deployed verifier are not
// published anywhere Cairn could pin. With a zkey, the work left is
// feeding a circuit.Witness into the witness generator and calling the RLN
// Groth16 prover with that key.
package proofs
