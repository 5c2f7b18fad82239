// Package msm computes multi-scalar multiplications (MSMs) on BN254:
// Σ scalars[i]·points[i] in G1 or G2, the bulk of a Groth16 prover's work
// (the RLN prover runs MSMs of about 5k to 8k points) and of the storage
// proofs to come. Points and scalars are gnark-crypto types:
// [bn254.G1Affine], [bn254.G2Affine] and [fr.Element].
//
// # Backends
//
// [New] picks the implementation:
//
//   - [accel.Go]: gnark-crypto's bucket (Pippenger) MultiExp, always
//     available and the reference. It is Go code, but its field arithmetic
//     uses gnark-crypto's own assembly (ADX/BMI2 on amd64, arm64 assembly)
//     unless the binary is built with -tags purego; Cairn's noasm tag does
//     not reach gnark-crypto. It spreads one call over all CPUs.
//   - [accel.SIMD]: on amd64 CPUs with AVX-512 IFMA, G1 and G2 MSMs of
//     [SIMDMinPoints] points or more run Pippenger's buckets with
//     batch-affine additions whose field arithmetic is in eight 52-bit-limb
//     lanes (internal/lanemsm, on accel/internal/lanes): 1.83 times
//     gnark-crypto's speed at 2^20 points in G1, 1.80 times at 2^19 in G2,
//     on the 2-core development machine. Smaller MSMs run gnark-crypto's
//     MultiExp, as the go backend. Elsewhere New(accel.SIMD) returns an error wrapping
//     [accel.ErrUnavailable]. The router picks it from [SIMDMinPoints].
//   - [accel.Icicle]: icicle v3's BN254 MSM (G1 and G2) on the device that
//     accel/internal/icicle selects; only in binaries built with
//     -tags icicle and cgo. Its CPU device is a correctness stand-in, 5 to
//     15 times slower than the go backend (G2 is the worse case; `cairn
//     bench --filter msm`), and is never picked automatically; the router
//     sends MSMs of [IcicleGPUMinPoints] points or more to icicle only when
//     it runs on a GPU.
//
// Every backend returns the same affine point, bit for bit, as the go
// backend; accel/acceltest.RunMSM is that contract.
//
// # Contract
//
// len(points) must equal len(scalars), else the error wraps
// [accel.ErrInvalidParams]. An empty MSM is the identity (the point at
// infinity, the zero value of the affine types). Scalars are ordinary
// gnark-crypto elements (any value of fr.Element). Points must lie on the
// curve and, for G2, in the prime-order subgroup, as every point that
// gnark-crypto decodes or computes does; this is not checked (it would cost
// more than the MSM for G2), and for other points the result is
// unspecified and may differ between backends. The point at infinity is a
// valid input. Inputs are only read, never modified or retained. Every MSM
// value is safe for concurrent use.
//
// # Usage
//
//	m, err := msm.ForSize(len(points)) // the router's choice (CAIRN_ACCEL_MSM overrides)
//	if err != nil {
//		return err
//	}
//	sum, err := m.G1(points, scalars) // Σ scalars[i]·points[i]
//	if err != nil {
//		return err
//	}
//	proof.Ar = sum
//
// [bn254.G1Affine]: https://pkg.go.dev/github.com/consensys/gnark-crypto/ecc/bn254#G1Affine
// [bn254.G2Affine]: https://pkg.go.dev/github.com/consensys/gnark-crypto/ecc/bn254#G2Affine
// [fr.Element]: https://pkg.go.dev/github.com/consensys/gnark-crypto/ecc/bn254/fr#Element
package msm
