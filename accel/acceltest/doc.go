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
package acceltest
