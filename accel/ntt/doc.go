// Package ntt computes number-theoretic transforms (FFTs) over the BN254
// scalar field: the polynomial arithmetic of a Groth16 prover, which moves
// its constraint evaluations to a coset and back (seven transforms of the
// domain size per proof in gnark's prover, six in the RLN prover).
// Elements are gnark-crypto's [fr.Element].
//
// A [Transform] is forward (evaluate a polynomial on the subgroup ⟨ω⟩ of
// size n, or on a coset g·⟨ω⟩) or inverse (interpolate), with input and
// output each in natural or bit-reversed order ([NN], [NR], [RN]): chaining
// an NR transform into an RN one saves both reorderings. ω is
// gnark-crypto's root of unity ([RootOfUnity]) and the default coset shift
// is gnark-crypto's ([CosetShift]), so the transforms are those of an
// fft.Domain and of gnark's Groth16 keys.
//
// # Backends
//
// [New] picks the implementation:
//
//   - [accel.Go]: gnark-crypto's fft.Domain (radix-2, twiddles precomputed
//     and cached per size and shift), always available and the reference.
//     Its field arithmetic is gnark-crypto's assembly; one transform
//     spreads over all CPUs.
//   - [accel.SIMD]: not implemented and not registered, as for accel/msm:
//     the go backend already runs on gnark-crypto's vectorised assembly.
//   - [accel.Icicle]: icicle v3's NTT on the device accel/internal/icicle
//     selects; only in binaries built with -tags icicle and cgo. The vector
//     goes to icicle in gnark-crypto's Montgomery layout without
//     conversion (the transform is linear; see ntt_icicle.go). Its calls
//     are serialised: one device, one transform at a time.
//
// Every backend returns the same elements, bit for bit, as the go backend;
// accel/acceltest.RunNTT is that contract.
//
// # Routing thresholds
//
// The router ([ForSize], CAIRN_ACCEL_NTT overrides) keeps every size on
// go unless icicle runs on a GPU, and then sends transforms of
// [IcicleGPUMinSize] elements or more to it. Measured on the 2-core
// reference machine (x86-64, shared with other jobs at a load average of 2
// to 3), one forward coset transform with bit-reversed input, go vs
// icicle's CPU device, three runs each:
//
//	n        go           icicle CPU      icicle/go
//	2^10     0.11 ms      3.5–3.6 ms      ~32×
//	2^13     0.68 ms      6.5–6.8 ms      ~10×
//	2^15     2.7 ms       15.7–15.9 ms    ~5.9×
//	2^17     11.9 ms      66–69 ms        ~5.6×
//	2^20     171–172 ms   760–990 ms      4.4–5.8×
//
//	eval "$(go run ./accel/internal/icicle/build --print-env)"
//	go test -tags icicle -run '^$' -bench BenchmarkNTT -count 3 ./accel/ntt/
//
// The CPU device is slower at every size, and more so for small transforms
// (about 3.5 ms per call even at 2^10), so it is never picked
// automatically: it is a correctness stand-in for CUDA. The GPU threshold
// is provisional, as no GPU was available to measure: below 2^14 elements
// (0.5 MB) the go backend needs about a millisecond or less (0.68 ms at
// 2^13), which a host-to-device round trip plus launch would not beat by
// much; at the storage proofs' sizes (2^15 to 2^21, 2.7 ms and up) the GPU
// should win. `make bench` on a GPU host should set it.
//
// # Contract
//
// Apply transforms in place; the length must be a power of two up to
// 2^[MaxLogSize] (zero and one element are no-ops), else the error wraps
// [accel.ErrInvalidParams] and the vector is untouched. Vectors are not
// retained. Every NTT value is safe for concurrent use on distinct vectors.
//
// Memory: the go backend keeps, for each size and coset shift it has
// served, gnark-crypto's tables of about 4n elements (16 MB at 2^17,
// 256 MB at 2^21) for the life of the process; the icicle backend keeps
// one device domain of the largest size served (at least 2^16).
//
// # Usage
//
//	k, err := ntt.ForSize(len(v)) // the router's choice
//	if err != nil {
//		return err
//	}
//	// coefficients (natural order) -> bit-reversed, then evaluations on the coset
//	if err := k.Apply(v, ntt.Transform{Inverse: true, Order: ntt.NR}); err != nil {
//		return err
//	}
//	if err := k.Apply(v, ntt.Transform{Coset: true, Order: ntt.RN}); err != nil {
//		return err
//	}
//
// [fr.Element]: https://pkg.go.dev/github.com/consensys/gnark-crypto/ecc/bn254/fr#Element
package ntt
