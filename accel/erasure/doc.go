// Package erasure implements [accel.Erasure]: Reed-Solomon coding of K data
// shards into M parity shards, verification and reconstruction of up to M
// missing shards.
//
// # Codes
//
// [accel.FieldLeopard] (the default) gives parity byte-identical to the C
// leopard library that Logos Storage links through nim-leopard: K == 1 copies
// the data shard, M == 1 XORs the data shards, and otherwise the field is
// GF(2^8) when nextPow2(nextPow2(M)+K) <= 256 and GF(2^16) above. Leopard codes
// need M <= K, K+M <= 65536 and shard lengths that are a multiple of 64.
// [accel.FieldClassic] is a Vandermonde code over GF(2^8) (K+M <= 256, any
// shard length).
//
// # Backends
//
// Both backends run klauspost/reedsolomon. [accel.Go] switches every
// assembly path of that library off (SSE2, SSSE3, AVX2, AVX-512, GFNI, NEON,
// SVE) and is the reference; [accel.SIMD] lets the library use the fastest
// path of the CPU. The icicle backend has no erasure kernel.
//
// # Usage
//
//	enc, err := erasure.New(accel.ErasureParams{DataShards: 10, ParityShards: 4}, accel.SIMD)
//	if err != nil { ... }
//	shards := make([][]byte, 14) // 10 data shards filled by the caller, 4 parity buffers
//	...
//	err = enc.Encode(shards)
//	shards[3], shards[12] = nil, nil // lost
//	err = enc.Reconstruct(shards)
package erasure
