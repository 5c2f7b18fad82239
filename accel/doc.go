// Package accel declares the kernels that carry Cairn's heavy maths and the
// vocabulary shared by their backends: backend identifiers, the capability
// probe, size-based routing and the sentinel errors.
//
// # Kernels
//
// Each kernel family is one small interface declared here and implemented in
// its own package:
//
//   - [Erasure] — Reed-Solomon coding (package accel/erasure), classic
//     GF(2^8) and the Leopard GF(2^8)/GF(2^16) codes of the C leopard
//     library used by Logos Storage.
//   - [SHA256] — batched SHA-256 over blocks (package accel/sha256x).
//   - [Poseidon2] — the Poseidon2 permutation over BN254 used by the storage
//     proofs, as 2-to-1 keyed compression and sponge (package accel/poseidon2).
//   - Merkle trees built in batches over many leaves with either hash
//     (package accel/merkle).
//
// # Backends
//
// Every kernel has a [Go] backend: pure Go, no assembly, always built and the
// reference for correctness. [SIMD] uses assembly paths (AVX2/AVX-512/GFNI,
// NEON, SHA-NI, ADX). [Icicle] uses the icicle v3 native libraries through
// cgo and is only built with the `icicle` build tag; without it the icicle
// constructors return [ErrUnavailable]. Every backend's output is
// byte-identical to the Go backend's: accel/acceltest is that contract.
//
// # Routing
//
// [Probe] reads the machine once (CPU model and flags, cores, memory, GPU
// presence). A [Router] turns the probe, per-kernel size thresholds and the
// CAIRN_ACCEL override into a backend choice for each call size.
package accel
