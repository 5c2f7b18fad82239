package sigbatch

import "github.com/cairn-node/cairn/accel"

// Unit is the routing unit of the signature batch kernel: the number of
// signatures in a call.
const Unit = "signatures"

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
		{Kernel: accel.KernelSigBatch, Backend: accel.Go, Unit: Unit,
			MinSize: func(accel.Caps) int { return 0 }, Available: func() error { return nil }},
	}
}
