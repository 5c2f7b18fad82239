//go:build noasm

package poseidon2

import "github.com/cairn-node/cairn/accel"

// simdBackend stands in for the gnark-crypto backend in -tags noasm builds:
// it computes with the pure-Go code (on the calling goroutine) and reports
// accel.SIMD, so routing and callers work unchanged.
type simdBackend struct{ goBackend }

// newSIMD returns the pure-Go stand-in of the SIMD backend.
func newSIMD() accel.Poseidon2 { return simdBackend{} }

// Backend reports accel.SIMD.
func (simdBackend) Backend() accel.Backend { return accel.SIMD }
