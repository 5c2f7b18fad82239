package poseidon2

import (
	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
)

// IcicleGPUMinBatch is the batch size (compressions per call) from which
// the router sends Poseidon2 work to icicle when icicle runs on a GPU.
// Below it the fixed cost of a device round trip (upload, four program
// launches, download) dominates. It is provisional: no GPU has been
// measured yet, and it is set where the CPU device's per-call cost
// (~0.9 ms, `make bench`) would be amortised to 1 % at GPU speeds.
const IcicleGPUMinBatch = 1 << 16

func init() {
	for _, r := range Registrations(accel.KernelPoseidon2, "hashes") {
		accel.Register(r)
	}
}

// Registrations returns the routing entries of this package's backends for
// kernel k (also used by accel/merkle, whose trees run on this kernel):
// go and simd from size 0 (simd wins at every batch size, `make bench`),
// icicle only on a GPU and from IcicleGPUMinBatch — its CPU device is a
// correctness stand-in about 3x slower than simd, never picked
// automatically.
func Registrations(k accel.Kernel, unit string) []accel.Registration {
	zero := func(accel.Caps) int { return 0 }
	return []accel.Registration{
		{Kernel: k, Backend: accel.Go, Unit: unit, MinSize: zero, Available: func() error { return nil }},
		{Kernel: k, Backend: accel.SIMD, Unit: unit, MinSize: zero, Available: accel.SIMDAvailable},
		{Kernel: k, Backend: accel.Icicle, Unit: unit, MinSize: icicleMinSize, Available: func() error { return Available(accel.Icicle) }},
	}
}

// icicleMinSize routes to icicle only when the probe found a GPU and icicle
// runs on it.
func icicleMinSize(c accel.Caps) int {
	if len(c.GPUs) == 0 || !icicleOnGPU() {
		return accel.Never
	}
	return IcicleGPUMinBatch
}

// icicleOnGPU reports whether icicle is built in and selected a GPU device.
func icicleOnGPU() bool {
	d, err := icicle.Device()
	return err == nil && d.Type != "CPU"
}
