//go:build icicle && cgo && icicle_gnark

package binding

import (
	goruntime "runtime"

	"github.com/ingonyama-zk/icicle-gnark/v3/wrappers/golang/core"
	icbn254 "github.com/ingonyama-zk/icicle-gnark/v3/wrappers/golang/curves/bn254"
	icmsm "github.com/ingonyama-zk/icicle-gnark/v3/wrappers/golang/curves/bn254/msm"
	icntt "github.com/ingonyama-zk/icicle-gnark/v3/wrappers/golang/curves/bn254/ntt"
	icrt "github.com/ingonyama-zk/icicle-gnark/v3/wrappers/golang/runtime"
)

// Flavour names the linked wrappers, for logs and errors.
const Flavour = "icicle-gnark v3.2.2"

// HasPoseidon2 reports whether the flavour has icicle's Poseidon2 hasher.
const HasPoseidon2 = false

// Wrapper types of this flavour.
type (
	// Device is an icicle device handle.
	Device = icrt.Device
	// Status is an icicle result code.
	Status = icrt.EIcicleError
	// HostOrDeviceSlice is a kernel argument.
	HostOrDeviceSlice = core.HostOrDeviceSlice
	// MSMConfig configures one MSM.
	MSMConfig = core.MSMConfig
	// NTTConfig configures one BN254 scalar NTT.
	NTTConfig = core.NTTConfig[[icbn254.SCALAR_LIMBS]uint32]
	// NTTDir is an NTT's direction.
	NTTDir = core.NTTDir
	// Ordering is an NTT's input/output order.
	Ordering = core.Ordering
	// ScalarField is a BN254 scalar in icicle's canonical layout.
	ScalarField = icbn254.ScalarField
)

// Result codes, directions and orderings.
const (
	Success           = icrt.Success
	BackendLoadFailed = icrt.BackendLoadFailed
	Forward           = core.KForward
	Inverse           = core.KInverse
	OrderNN           = core.KNN
	OrderNR           = core.KNR
	OrderRN           = core.KRN
	ScalarLimbs       = icbn254.SCALAR_LIMBS
)

// Wrapper functions of this flavour.
var (
	LoadBackendFromEnvOrDefault = icrt.LoadBackendFromEnvOrDefault
	GetRegisteredDevices        = icrt.GetRegisteredDevices
	CreateDevice                = icrt.CreateDevice
	IsDeviceAvailable           = icrt.IsDeviceAvailable
	DefaultMSMConfig            = icmsm.GetDefaultMSMConfig
	G1MSM                       = icmsm.Msm
	// G2MSM is nil: Cairn builds icicle-gnark with -DG2=OFF, because nvcc
	// had not finished its CUDA G2 MSM (cuda_msm_g2.cu, CUDA 13.0, sm_90)
	// after more than 5.5 minutes on 16 cores, and does not link the G2
	// wrapper. accel/msm computes G2 MSMs on the CPU instead (simd or go).
	G2MSM                      func(scalars, bases HostOrDeviceSlice, cfg *MSMConfig, out HostOrDeviceSlice) Status
	DefaultNTTConfig           = icntt.GetDefaultNttConfig
	NTT                        = icntt.Ntt[[icbn254.SCALAR_LIMBS]uint32]
	InitDomain                 = icntt.InitDomain
	ReleaseDomain              = icntt.ReleaseDomain
	DefaultNTTInitDomainConfig = core.GetDefaultNTTInitDomainConfig
)

// HostSlice wraps a Go slice as a kernel argument.
func HostSlice[T any](s []T) HostOrDeviceSlice { return core.HostSliceFromElements(s) }

// selected is the device Select chose; Do makes it active on its thread.
var selected *Device

// Select makes d the device of every later Do. icicle-gnark has no
// process-wide default device, so this only records d; it is set once, by
// accel/internal/icicle's Init, before any Do.
func Select(d *Device) Status {
	selected = d
	return icrt.SetDevice(d)
}

// Do runs f, which calls icicle, on the selected device: icicle-gnark's
// active device is per OS thread, so Do locks the goroutine to its thread
// and activates the device there first.
func Do(f func()) {
	if selected == nil {
		f()
		return
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	icrt.SetDevice(selected)
	f()
}
