// Package acceltest is the conformance suite every accel backend must pass:
// each Run function checks one backend of one kernel byte for byte against
// the pure-Go reference on random and edge-case inputs.
//
// A backend's test calls the suite:
//
//	func TestSIMDConformance(t *testing.T) { acceltest.RunErasure(t, accel.SIMD) }
//
// The suite skips (with the reason) when the backend reports
// accel.ErrUnavailable, so the same test file runs in every build.
//
// RunErasure, RunSHA256, RunMerkle, RunMSM, RunNTT, RunGroth16Verify and
// RunSigBatch live here;
// the Poseidon2 kernel's cross-backend checks (every backend against go on
// random and edge-value batches) are in accel/poseidon2/backend_test.go,
// next to the edge values they share with its vector tests.
package acceltest

import "github.com/cairn-node/cairn/accel"

// CPUBackends returns the backends that need no device and no build tag and
// are available in this build: go, and simd unless built with noasm. Vector
// tests loop over it.
func CPUBackends() []accel.Backend {
	if accel.SIMDAvailable() != nil {
		return []accel.Backend{accel.Go}
	}
	return []accel.Backend{accel.Go, accel.SIMD}
}
