//go:build icicle && cgo && !icicle_gnark

package binding

import (
	"github.com/ingonyama-zk/icicle/v3/wrappers/golang/core"
	icbn254 "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254"
	icg2 "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254/g2"
	icmsm "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254/msm"
	icntt "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254/ntt"
	icrt "github.com/ingonyama-zk/icicle/v3/wrappers/golang/runtime"
)

// Flavour names the linked wrappers, for logs and errors.
const Flavour = "icicle v3.9.2"

// HasPoseidon2 reports whether the flavour has icicle's Poseidon2 hasher.
const HasPoseidon2 = true

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
	G2MSM                       = icg2.G2Msm
	DefaultNTTConfig            = icntt.GetDefaultNttConfig
	NTT                         = icntt.Ntt[[icbn254.SCALAR_LIMBS]uint32]
	InitDomain                  = icntt.InitDomain
	ReleaseDomain               = icntt.ReleaseDomain
	DefaultNTTInitDomainConfig  = core.GetDefaultNTTInitDomainConfig
)

// HostSlice wraps a Go slice as a kernel argument.
func HostSlice[T any](s []T) HostOrDeviceSlice { return core.HostSliceFromElements(s) }

// Select makes d the device of every later call, from any goroutine.
func Select(d *Device) Status { return icrt.SetDefaultDevice(d) }

// Do runs f, which calls icicle, on the selected device. v3.9.2's default
// device is process-wide, so f just runs.
func Do(f func()) { f() }
