package groth16verify

import "github.com/cairn-node/cairn/accel"

// Unit is the routing unit of the Groth16 verification kernel: the number
// of proofs in a call.
const Unit = "proofs"

func init() {
	for _, r := range Registrations() {
		accel.Register(r)
	}
}

// Registrations returns the routing entries of this package's backends
// (init registers them): go alone, from size 0. There is no simd or icicle
// entry (see the package documentation), so CAIRN_ACCEL=simd or =icicle
// leaves this kernel on go, while naming either for this kernel alone is an
// error wrapping accel.ErrUnavailable.
func Registrations() []accel.Registration {
	return []accel.Registration{
		{Kernel: accel.KernelGroth16Verify, Backend: accel.Go, Unit: Unit,
			MinSize: func(accel.Caps) int { return 0 }, Available: func() error { return nil }},
	}
}
