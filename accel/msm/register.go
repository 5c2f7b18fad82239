package msm

import (
	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
)

// IcicleGPUMinPoints is the MSM size, in points, from which the router sends
// MSMs to icicle when icicle runs on a GPU. It is provisional: no GPU has
// been measured yet. On two cores gnark-crypto takes about 23 ms for a G1
// MSM of 2^13 points and 42 ms in G2 (`cairn bench --quick --filter msm`),
// so about half that at 2^12, while a GPU round trip of 2^12 points moves
// 0.4 MB (G1) to 0.7 MB (G2) and should take well under a millisecond; the
// GPU should win from here. `make bench` on a GPU host should set it.
const IcicleGPUMinPoints = 1 << 12

// Unit is the routing unit of the MSM kernel: the number of points.
const Unit = "points"

func init() {
	for _, r := range Registrations() {
		accel.Register(r)
	}
}

// Registrations returns the routing entries of this package's backends
// (init registers them): go from size 0, simd from [SIMDMinPoints] where
// the CPU has AVX-512 IFMA (and only there), and icicle only when it runs on a GPU, from
// [IcicleGPUMinPoints]. The icicle CPU device, 5 to 15 times slower than
// the go backend, is never picked automatically.
func Registrations() []accel.Registration {
	regs := []accel.Registration{
		{Kernel: accel.KernelMSM, Backend: accel.Go, Unit: Unit,
			MinSize: func(accel.Caps) int { return 0 }, Available: func() error { return nil }},
	}
	// Only where it runs: elsewhere CAIRN_ACCEL=simd (which speeds up the
	// hashing and erasure kernels) must leave MSMs on automatic routing
	// rather than fail them.
	if Available(accel.SIMD) == nil {
		regs = append(regs, accel.Registration{Kernel: accel.KernelMSM, Backend: accel.SIMD, Unit: Unit,
			MinSize: func(accel.Caps) int { return SIMDMinPoints }, Available: func() error { return nil }})
	}
	return append(regs, accel.Registration{Kernel: accel.KernelMSM, Backend: accel.Icicle, Unit: Unit,
		MinSize: icicleMinSize, Available: func() error { return Available(accel.Icicle) }})
}

// icicleMinSize routes to icicle only when the probe found a GPU and icicle
// selected it.
func icicleMinSize(c accel.Caps) int {
	if len(c.GPUs) == 0 || !IcicleOnGPU() {
		return accel.Never
	}
	return IcicleGPUMinPoints
}

// IcicleOnGPU reports whether icicle is built in and selected a GPU device
// (the icicle backend then runs on CUDA, not on its slow CPU device).
func IcicleOnGPU() bool {
	d, err := icicle.Device()
	return err == nil && d.Type != "CPU"
}
