package decompress

import "github.com/cairn-node/cairn/accel"

// Unit is the routing unit of the decompression kernel: points.
const Unit = "points"

// SIMDMinPoints is the size, in points, from which the router sends
// decoding to the simd backend where it runs: below it, a batch of eight
// lanes is mostly padding.
const SIMDMinPoints = 64

func init() {
	for _, r := range Registrations() {
		accel.Register(r)
	}
}

// Registrations returns the routing entries of this package's backends
// (init registers them): go from size 0 and, where the CPU has AVX-512
// IFMA (and only there), simd from [SIMDMinPoints].
func Registrations() []accel.Registration {
	regs := []accel.Registration{
		{Kernel: accel.KernelDecompress, Backend: accel.Go, Unit: Unit,
			MinSize: func(accel.Caps) int { return 0 }, Available: func() error { return nil }},
	}
	if Available(accel.SIMD) == nil {
		regs = append(regs, accel.Registration{Kernel: accel.KernelDecompress, Backend: accel.SIMD, Unit: Unit,
			MinSize: func(accel.Caps) int { return SIMDMinPoints }, Available: func() error { return nil }})
	}
	return regs
}
