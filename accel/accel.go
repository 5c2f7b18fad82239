package accel

import (
	"errors"
	"fmt"
	"strings"
)

// Backend names one implementation family of the kernels.
type Backend string

// The backends Cairn knows. Their string values are what CAIRN_ACCEL, the
// config file and `cairn accel info` use.
const (
	// Go is the pure-Go reference backend; it is always available.
	Go Backend = "go"
	// SIMD uses the CPU's vector and crypto instructions through assembly.
	SIMD Backend = "simd"
	// Icicle runs kernels through icicle v3 (CPU device, or CUDA when a GPU
	// is present). Built only with the `icicle` build tag.
	Icicle Backend = "icicle"
)

// Backends lists every backend in order of preference when all else is equal
// (cheapest to call first).
var Backends = []Backend{Go, SIMD, Icicle}

// ParseBackend parses a backend name as written in CAIRN_ACCEL or a config
// file. It is case-insensitive and returns ErrUnknownBackend for other names.
func ParseBackend(s string) (Backend, error) {
	b := Backend(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Backends {
		if b == k {
			return b, nil
		}
	}
	return "", fmt.Errorf("%w: %q (want one of go, simd, icicle)", ErrUnknownBackend, s)
}

// Kernel names one kernel family, as used in routing tables and benchmarks.
type Kernel string

// The kernel families. Their string values are the keys of the per-kernel
// configuration (`[accel.kernels]` in the config file).
const (
	KernelErasure   Kernel = "erasure"
	KernelSHA256    Kernel = "sha256"
	KernelPoseidon2 Kernel = "poseidon2"
	KernelMerkle    Kernel = "merkle"
	// KernelMSM is BN254 multi-scalar multiplication in G1 and G2
	// (package accel/msm); its routing size is the number of points.
	KernelMSM Kernel = "msm"
	// KernelGroth16Verify is Groth16 proof verification over BN254, single
	// and batched (package accel/groth16verify); its routing size is the
	// number of proofs.
	KernelGroth16Verify Kernel = "groth16verify"
	// KernelNTT is the number-theoretic transform (FFT) over the BN254
	// scalar field (package accel/ntt); its routing size is the number of
	// elements of one transform.
	KernelNTT Kernel = "ntt"
	// KernelSigBatch is batch signature verification (Ed25519, BLS12-381,
	// secp256k1; package accel/sigbatch); its routing size is the number of
	// signatures.
	KernelSigBatch Kernel = "sigbatch"
	// KernelDecompress decodes compressed BN254 points (package
	// accel/decompress); its routing size is the number of points.
	KernelDecompress Kernel = "decompress"
)

// Kernels lists the kernel families this build implements.
var Kernels = []Kernel{KernelErasure, KernelSHA256, KernelPoseidon2, KernelMerkle, KernelMSM, KernelGroth16Verify, KernelNTT, KernelSigBatch, KernelDecompress}

// Sentinel errors. Callers test them with errors.Is; the returned errors wrap
// them with the operation and what to do next.
var (
	// ErrUnavailable reports a backend that is not built into this binary or
	// whose hardware is absent.
	ErrUnavailable = errors.New("accel: backend unavailable")
	// ErrUnknownBackend reports a backend name that is not go, simd or icicle.
	ErrUnknownBackend = errors.New("accel: unknown backend")
	// ErrInvalidParams reports kernel parameters outside what the kernel
	// supports (for example K+M beyond the field size).
	ErrInvalidParams = errors.New("accel: invalid parameters")
	// ErrShardSize reports shards of different or unsupported lengths.
	ErrShardSize = errors.New("accel: invalid shard size")
	// ErrTooFewShards reports a reconstruction with more than M shards missing.
	ErrTooFewShards = errors.New("accel: too few shards to reconstruct")
	// ErrInvalidElement reports a 32-byte value that is not a canonical
	// element of the BN254 scalar field.
	ErrInvalidElement = errors.New("accel: not a canonical field element")
)

// SIMDAvailable returns nil when the SIMD backend may run: every build
// except one with the noasm tag.
func SIMDAvailable() error {
	if NoAsm {
		return fmt.Errorf("simd backend: this binary was built with -tags noasm; rebuild without it: %w", ErrUnavailable)
	}
	return nil
}
