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
// Loading is what a node pays at every start, so it is kept short: the
// compiled circuit is cached beside the keys per executable (a file named
// for the executable's SHA-256, whose bytes are the serialization the
// digest hashes), the key file is read while the circuit compiles or
// loads, and its 7 million compressed points (N = 100) decode in bulk
// with accel/decompress (square roots in the IFMA lanes). `cairn bench
// --filter storage-load-keys` (bench/results/vm-2026-11-26-load-keys.json)
// loads N = 100 in 5.5 s with the simd backend and 24 s with gnark-crypto's
// decoder (go), from 33.5 s before (9.6 s of compiling, 23.4 s of
// decoding); N = 5 in 0.30 s (go: 1.28 s). Key files of the first format,
// whose proving key gnark decodes alone, still load, and Setup rewrites
// them in the current one.
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
// checks it with crypto/rand fixed), but its three MSMs go through
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
//	N     constraints   setup     key file   prove
//	1          19,071    2.4 s      3.3 MB   0.24 s
//	5          86,187    10 s      14.5 MB   0.92 s   (gnark's own prover: 1.06 s)
//	100     1,680,192   ~3 min 20  268 MB    14.5 s   (gnark's own prover: 15.1 s)
//
// Those prove times are the go kernels. With the simd G1 and G2 MSMs
// (AVX-512 IFMA, accel/msm) and the points of repeated scalars merged
// before each MSM (internal/accelprove), `cairn bench --filter
// storage-prove` (bench/results/vm-2026-11-26-g2lanes.json) proved N = 5
// in 0.70 s and N = 100 in 7.8 s, gnark's own prover 1.11 s and 16.2 s in
// the same run. Side by side (BenchmarkProve/N=100, test binaries
// alternating), G2 on the lanes took N = 100 from 9.85 and 9.52 s to 8.84
// and 8.72 s, and grouping the wires once per proof (with the lanes'
// batch conversion of the points) to 8.54 and 8.57 s from 8.92 and 8.85 s.
// A proof then spends about 16.6 CPU-seconds, 1.6 of them in gnark's
// solver (1.05 s of wall time, the only stretch that leaves a core idle).
//
// Peak RSS of a process that loads the keys (compiling the circuit) and
// proves: 0.31 GB for N = 5, 3.65 GB for N = 100 (/usr/bin/time -v); the
// live data at N = 100 is about 2.2 GB, and with GOMEMLIMIT=2200MiB (cairn
// run sets a soft limit of 75 % of RAM) the peak was 2.3 GB at the same
// proving time.
//
// Verifying takes 0.51 ms whatever N (three public inputs; `cairn bench
// --filter storage-verify`, after Verify stopped building a gnark witness
// for them, which cost 0.1 ms), and batch verification ~10,000 proofs/s.
//
// Three changes took N = 5 from 1.11 s to 0.92 s and N = 100 from 16.9 s
// to 14.5 s (bench/results/vm-2026-11-26-proofs-x3.json):
//
//   - the Poseidon2 gadget's S-box is x·x = x², x·x² = x³, x³·x² = x⁵
//     (poseidon2gadget): two of each S-box's three wires in A, two in B,
//     and linear expressions that grow by one term per partial round, so
//     the key lost a third of its A points and the solver 60 % of its
//     matrix terms (its serial 120 ms at N = 5 became 50 ms);
//   - the index sponges absorb (entropy, slot root) once per proof, not
//     once per sample;
//   - Prove computes C's K, B₁ and Z terms as one MSM (internal/
//     accelprove), which cut an N = 5 proof's CPU time by 4 %.
//
// The earlier x⁴ shape ((x⁴ + x)·x = x⁵ + x²) had cut the key files by a
// tenth from the plain x², x⁴, x⁴·x; that one took N = 5 1.20 s with a
// 17.3 MB key and N = 100 18.5 s with 323 MB.
//
// Each sample costs 16,779 constraints, 96 % of them Poseidon2: 67
// permutations of 240 constraints (1 for the index, 34 for the cell, 32 for
// the Merkle path). At N = 100 the proof is MSM-bound: on the go kernels,
// of its ~31 s of CPU time, ~17 s are G1 MSMs over 6 million points (the
// merged one alone has 4.9 million, 2.1 million of them Z points of the
// 2^21 domain) and ~6.5 s the G2 MSM of 1.1 million points. Nearly half
// the wires repeat a value (the samples' paths share their upper Merkle
// nodes, and the circuit recomputes them per sample), so merging their
// points leaves 0.6 million G2 points and about 4.2 million G1 points
// (A's 0.6 million; C's 1.5 million K and B points and the 2.1 million Z
// points, which do not repeat).
//
// # Concurrency
//
// Keys, VerifyingKey and Proof values are safe for concurrent use once
// built; Setup may run concurrently on one directory (the last writer of a
// key file wins, and each file holds a matching pair).
//
// # Upstream's verifier
//
// These proofs prove upstream's statement (same public inputs, same
// Poseidon2, trees and sampling) but not with upstream's keys, so
// upstream's on-chain verifier rejects them. The other direction works:
// ParseSnarkjsVerifyingKey reads upstream's published verifying keys
// (snarkjs verification_key.json, codex-contracts-eth
// verifier/networks/*/proof_main_verification_key.json, made for
// SampleAndProve(32, 8, 5, 67, 5), this package's DefaultParams(5)), and
// Verify and BatchKey check proofs made by upstream's circom prover under
// them: TestVerifyUpstreamProof checks upstream's example proof (and
// rejects it with any public input changed or under the testnet key), and
// `cairn proof verify --vk KEY --public public.json proof.json` does the
// same from the command line, offline, as snarkjs groth16 verify would.
//
// Proving for upstream's verifier needs upstream's circuit artifacts: the
// circom circuit's witness generator (proof_main.wasm or its
// circom-witnesscalc graph) and the proving key (proof_main.zkey) of the
// verifier contract in use. The witness generators are published
// (codex-contracts-eth verifier/networks/*/proof_main.wasm), and Cairn's
// witnesses already satisfy them: circuit.MarshalInputJSON writes a
// circuit.Witness as upstream's input.json, and TestUpstreamWitnessGenerator
// and prover's TestUpstreamAcceptsSlotWitness run upstream's proof_main.wasm
// (node/internal/wasmwitness, which stops at any failed constraint) on
// upstream's input, on synthetic slots and on the slots of an erasure-coded
// dataset in a real store, built as the node builds them. Cairn also has
// the prover, built for RLN: a snarkjs zkey parser and Groth16 prover with
// circom's quotient (node/relay/rln/groth16, MSMs and NTTs through accel).
// What is missing is the zkey: the repository names it by hash
// (zkey_hash.json) and fetches it from outside, so no copy is stored where
// Cairn could pin one. With one, proving for upstream's verifier is
// MarshalInputJSON, the wasm witness and the RLN Groth16 prover with that
// key.
package proofs
