package ntt

import (
	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
)

// IcicleGPUMinSize is the transform size, in elements, from which the
// router sends NTTs to icicle when icicle runs on a GPU. It is provisional:
// no GPU has been measured yet. Below it (0.5 MB of elements) the go
// backend needs about a millisecond or less on two cores (0.68 ms at 2^13),
// which a host-to-device round trip would not beat by much; see the package
// documentation for the measurements. `make bench` on a GPU host should
// set it.
const IcicleGPUMinSize = 1 << 14

// Unit is the routing unit of the NTT kernel: elements per transform.
const Unit = "elements"

func init() {
	for _, r := range Registrations() {
		accel.Register(r)
	}
}

// Registrations returns the routing entries of this package's backends
// (init registers them): go from size 0, and icicle only when it runs on a
// GPU, from [IcicleGPUMinSize]. The icicle CPU device, several times slower
// than the go backend (see the package documentation), is never picked
// automatically. There is no simd entry, so CAIRN_ACCEL=simd leaves NTTs on
// automatic routing.
func Registrations() []accel.Registration {
	return []accel.Registration{
		{Kernel: accel.KernelNTT, Backend: accel.Go, Unit: Unit,
			MinSize: func(accel.Caps) int { return 0 }, Available: func() error { return nil }},
		{Kernel: accel.KernelNTT, Backend: accel.Icicle, Unit: Unit,
			MinSize: icicleMinSize, Available: func() error { return Available(accel.Icicle) }},
	}
}

// icicleMinSize routes to icicle only when the probe found a GPU and icicle
// selected it.
func icicleMinSize(c accel.Caps) int {
	if len(c.GPUs) == 0 {
		return accel.Never
	}
	if d, err := icicle.Device(); err != nil || d.Type == "CPU" {
		return accel.Never
	}
	return IcicleGPUMinSize
}
