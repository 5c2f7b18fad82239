// Package binding names the icicle Go wrappers this build links, so that
// Cairn's icicle kernels (accel/msm, accel/ntt) and the device setup
// (accel/internal/icicle) are written once for two flavours of icicle v3:
//
//   - tag `icicle`: github.com/ingonyama-zk/icicle/v3 v3.9.2, the default.
//     It has the CPU device built in, Poseidon2 and a process-wide default
//     device; its CUDA backend is Ingonyama's separately licensed binary.
//   - tags `icicle icicle_gnark`: github.com/ingonyama-zk/icicle-gnark/v3
//     v3.2.2, the trimmed fork gnark's accelerated backend uses. Its CUDA
//     backend is open source and ships in the module, so it builds on any
//     machine with nvcc (`go run ./accel/internal/icicle/build --flavour
//     gnark --cuda`). Cairn uses its G1 MSM and NTT: it has no Poseidon2
//     (accel/poseidon2 keeps its other backends), and Cairn builds it
//     without G2 (G2MSM is nil; accel/msm computes G2 on the CPU: simd
//     where AVX-512 IFMA is, else gnark-crypto).
//
// The two share their C ABI names (libicicle_device, libicicle_field_bn254,
// libicicle_curve_bn254), so one binary links exactly one flavour.
//
// Each flavour's file declares the same names: type aliases, constants and
// function values of its wrappers, plus Select and Do, which hide the one
// behavioural difference: v3.9.2 makes a device the process-wide default,
// while icicle-gnark's active device is per OS thread, so Do pins the calling
// goroutine to its thread and selects the device there for each call.
//
// The package is empty without the icicle tag or without cgo.
package binding
