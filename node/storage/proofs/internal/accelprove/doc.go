// Package accelprove proves gnark Groth16 circuits over BN254 on Cairn's
// accel kernels: its multi-scalar multiplications go through accel/msm and
// the polynomial arithmetic of the quotient through accel/ntt, each routed
// by size, so a GPU takes them on a host where icicle runs on CUDA and the
// icicle CPU device can stand in for it in tests.
//
// It takes what gnark's prover takes (the compiled *cs.R1CS, gnark's
// *groth16bn254.ProvingKey and a full witness) and returns gnark's
// *groth16bn254.Proof, which gnark's groth16.Verify accepts. For the same
// blinding scalars r and s it is the same proof, byte for byte, as gnark's
// groth16.Prove: both draw r and then s with fr.Element.SetRandom, so a
// test that fixes crypto/rand (testing/cryptotest.SetGlobalRandom) gets
// equal proofs from both.
//
// # Usage
//
//	proof, err := accelprove.Prove(ccs.(*cs.R1CS), pk, fullWitness)
//	if errors.Is(err, accelprove.ErrUnsupported) {
//		proof, err = groth16.Prove(ccs, pk, fullWitness) // BSB22 commitments
//	}
//
// # Algorithm
//
// The solver (the constraint system's Solve) gives the wires w and the
// constraint evaluations A·w, B·w, C·w on the domain D of size n (a power
// of two, pk.Domain). Then:
//
//   - h = (A·w)(X)·(B·w)(X) − (C·w)(X), divided by Xⁿ − 1, computed on the
//     coset g·D where Xⁿ − 1 is the constant gⁿ − 1: seven NTTs of n
//     elements (see quotient.go), coefficients in bit-reversed order as the
//     key's Z points are stored;
//   - three MSMs: Σ wᵢ·Aᵢ (G1) and Σ wᵢ·Bᵢ (G2) over the wires whose key
//     point is not at infinity (pk.InfinityA, pk.InfinityB), and one for
//     C's terms, Σ wᵢ·Kᵢ over the wires after the public ones + Σ (r·wᵢ)·Bᵢ
//     over the G1 B points + Σ hⱼ·Zⱼ over n−1 points;
//   - A = α + Σ wᵢ·Aᵢ + r·δ, B = β + Σ wᵢ·Bᵢ + s·δ (G2; B₁ likewise in G1),
//     C = Σ wᵢ·Kᵢ + Σ hⱼ·Zⱼ + s·A + r·B₁ − r·s·δ, where B₁ only enters C
//     as r·B₁ = r·β + Σ (r·wᵢ)·Bᵢ + r·s·δ, so C = (the third MSM) + s·A +
//     r·β and B₁ is never computed on its own.
//
// Repeated scalars: a witness repeats many values (the storage proof's
// samples recompute the Merkle nodes their paths share; bits and small
// constants recur), 47 % of the A, B and K scalars of a 100-sample
// storage proof. Points that share a scalar s need s·(Σ P) only, so the
// wires are grouped by value once per proof (a radix sort on their first
// word, while the quotient is computed), and before each MSM that
// grouping, restricted to the MSM's scalars, has each group's points
// summed: one addition per repeat where Pippenger's buckets spend one per
// window. The r·wᵢ scalars of C's B terms share the wires' groups (r·x =
// r·y exactly when x = y); the group of zero is left unsummed. Where under
// a tenth of an MSM's scalars repeat, it runs on its inputs as they are
// (repeats.go).
// Side by side on the 2-core machine (BenchmarkProve/N=100, binaries
// before and after alternating), the 100-sample proof went from 11.4 and
// 11.6 s to 10.4 and 10.5 s; under GOMEMLIMIT=2200MiB (cairn run sets a
// soft limit) from 12.0 s to 10.0 s, peak RSS 2.27 GB before and 2.35 GB
// after.
//
// With repeats merged, C runs as two MSMs, K and B together and Z (whose
// quotient coefficients do not repeat). Without, one MSM over the K, B
// and Z points costs less than three (one bucket reduction per window):
// [Prepare] lays those points out as one array once per key, so that no
// proof copies them; on a key not prepared the parts run one after the
// other and are added. The A and B MSMs run while the quotient is
// computed; C's MSMs follow the quotient, each on whatever backend
// accel/msm routes its size to.
//
// # Limits
//
// Circuits with BSB22 commitments (gnark's api.Commit, used by its range
// checker and some gadgets) are refused with [ErrUnsupported]: their proof
// needs the commitment hint during solving and a proof of knowledge, which
// gnark's own prover does. The storage proof circuit has none. A key whose
// FFT domain does not use gnark-crypto's default root of unity and coset
// shift (every key gnark's setup makes does) is refused the same way.
//
// # Routing and cost
//
// Each MSM is routed by its number of points (accel/msm) and the quotient
// by n (accel/ntt). On a machine without a GPU every kernel stays on the
// go backend, and the prover costs what gnark's does (same gnark-crypto
// MSM and FFT code); see node/storage/proofs for measured figures and
// accel/ntt for the NTT thresholds.
package accelprove
