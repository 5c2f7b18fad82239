// Package sigbatch verifies batches of signatures of three schemes, mixed
// freely in one batch, and reports every item's answer. It is the accel
// kernel [accel.KernelSigBatch]; the node's POST /api/accel/v1/verify and
// `cairn sig verify-batch` use it through package node/sigverify.
//
// # Usage
//
//	v, err := sigbatch.ForSize(len(items))  // routed backend
//	res, err := v.Verify(items)             // res.OK[i], res.Valid, res.Failed
//	if err := sigbatch.CheckItem(items[i]); err != nil { … } // why item i is malformed
//
// # Schemes
//
//   - [Ed25519]: RFC 8032 Ed25519 (32-byte key, 64-byte R||S) with the
//     ZIP-215 rules of curve25519-voi's VerifyOptionsZIP_215: the cofactored
//     equation [8][S]B = [8]R + [8][k]A, S < ℓ required, non-canonical and
//     small-order encodings of A and R accepted. ZIP-215 is chosen because
//     it is the only rule set under which batch and single verification give
//     the same answer on every input (cofactorless single verification
//     disagrees with any batch equation on crafted signatures), so an item's
//     answer never depends on its batch. All RFC 8032 §7.1 vectors and the
//     ZIP-215 vectors pass, alone and batched.
//     Batches use curve25519-voi's batch equation with 128-bit random
//     coefficients, one batch per core.
//   - [BLS12381]: BLS signatures, min-pk, IETF/Ethereum proof-of-possession
//     ciphersuite: public key a 48-byte compressed G1 point, signature a
//     96-byte compressed G2 point (ZCash encoding), H = hash_to_curve with
//     DST [BLSDST]. Keys and signatures that are not on the curve, not in
//     the prime-order subgroup, or the point at infinity are malformed. A
//     batch is one multi-pairing
//     e(−g₁, Σ rᵢσᵢ) · ∏ₘ e(Σ_{mᵢ=m} rᵢ·pkᵢ, H(m)) = 1 with random 64-bit
//     rᵢ from crypto/rand and the sums as gnark-crypto MSMs, so n signatures
//     of one message cost two MSMs and two Miller loops; each distinct
//     message is hashed once. Decoding and subgroup checks (batched) remain
//     per item and dominate large same-message batches.
//     An item with [Item.PublicKeys] is an aggregate signature
//     (FastAggregateVerify): every key is validated (on the curve, in the
//     subgroup, not infinity) and the keys are summed into the item's key,
//     which then joins the batch equation like any other. Validated keys
//     are cached (up to 65,536), since decompressing a key costs more
//     than everything else in an aggregate verification and a verifier
//     sees the same validator keys again and again.
//   - [Secp256k1]: ECDSA over SHA-256(message) with dcrd's secp256k1: SEC1
//     key (33 bytes compressed or 65 uncompressed), signature r||s (64 bytes,
//     big-endian, r and s in [1, n−1]). High s is accepted (plain ECDSA, as
//     Wycheproof's ecdsa_secp256k1_sha256 vectors expect; Bitcoin's low-s
//     rule is a policy this kernel does not impose). Items are verified one
//     by one, in parallel on all cores.
//
// # Failed batches
//
// Malformed items are set aside before any batch equation, so they never
// poison their neighbours. A failing batch equation is bisected: each half
// is checked again, down to single items, whose check is exact. A batch
// with one bad signature reports exactly that index.
//
// # Backends
//
// Only [accel.Go] is implemented and registered. simd is not: the curve
// arithmetic of curve25519-voi, gnark-crypto and dcrd is already assembly
// or tuned Go. icicle is not: Cairn builds icicle's libraries for BN254
// only (accel/internal/icicle, CURVE=bn254), so the two BLS12-381 MSMs of a
// batch would first need a BLS12-381 build; icicle v3.9's Go wrappers
// expose no pairing (its C++ has one), and icicle has no Ed25519 or
// secp256k1 verification. The MSMs are a small share of a batch anyway:
// decoding and subgroup checks dominate (BenchmarkBLSParts). New returns an
// error wrapping [accel.ErrUnavailable] for
// both, and CAIRN_ACCEL=simd or =icicle leaves this kernel on go. A future
// backend must pass acceltest.RunSigBatch, which holds its accept/reject
// answers identical to the go backend's.
//
// # Safety
//
// Items may come from the network: nothing panics on any input (FuzzVerify),
// and malformed items are simply false.
package sigbatch
