// Package groth16 proves Groth16 statements over BN254 with a snarkjs
// proving key (.zkey), exactly as snarkjs and ark-circom do, so the proofs
// verify against the key's verifying key in zerokit, nwaku and snarkjs.
//
// It is generic: it knows nothing about RLN. node/relay/rln wraps it with
// the RLN circuit's embedded key and witness calculator.
//
// # Usage
//
//	pk, err := groth16.ParseZKey(zkeyBytes) // once; validates every section
//	if err != nil {
//		return err
//	}
//	proof, err := groth16.ProveRandom(pk, witness) // witness[0] == 1
//	if err != nil {
//		return err
//	}
//
// # Reduction
//
// snarkjs keys use the "circom reduction" (ark-circom's CircomReduction):
// the prover never divides by the vanishing polynomial Z. It evaluates
// a = A·w and b = B·w on the constraint domain D of size n (with the
// nPublic+1 extra "input" constraints, aᵢ = wᵢ and b = 0, that snarkjs adds
// and the zkey's coefficient section lists), sets c = a∘b, moves all three
// to the odd coset g·D with g² = ω (iFFT, scale coefficient i by gⁱ, FFT)
// and takes hⱼ = aⱼ·bⱼ − cⱼ there. p = a·b − c vanishes on D, so on the
// domain of size 2n it is fixed by these values alone, and the zkey's H
// points are the odd-indexed Lagrange basis of that domain at τ, over δ:
// Σ hⱼ·Hⱼ = p(τ)/δ = h(τ)·Z(τ)/δ, the quotient term of C.
//
// # Acceleration
//
// The multi-scalar multiplications go through an [MSM], by default Cairn's
// routed accel/msm kernel, so a GPU backend can take them. There are three,
// run concurrently: A in G1, B in G2, and one G1 MSM over the key's C, H
// and B1 points together (B₁ enters C only as r·B₁, so its scalars are
// r·wᵢ), which is cheaper than three separate ones and starts as soon as
// the FFTs are done. Points at infinity in A and B are dropped at parse.
// The six transforms of the quotient go through Cairn's routed accel/ntt
// kernel ([WithNTT] forces one), whose go backend is gnark-crypto's FFT;
// at 2^13 elements the router keeps them on the CPU.
//
// # Performance
//
// For the RLN v2 circuit (5844 variables, domain 8192) a proof costs about
// 175 ms of CPU on the 2-core reference machine (x86-64, accel/msm's go
// backend): the MSMs 96% (C+H+B1 78 ms, B in G2 54 ms, A 32 ms), the
// evaluations and six FFTs 7 ms. Spread over both cores that is about
// 90 ms of wall time; see bench_test.go.
package groth16
