//go:build icicle && cgo

package ntt

// The icicle backend of the NTT kernel (build tag `icicle`, cgo): icicle's
// bn254 NTT (curves/bn254/ntt.Ntt, in the flavour
// accel/internal/icicle/binding names) on the device accel/internal/icicle
// selected.
//
// Representations. gnark-crypto keeps an element x as the Montgomery form
// x·R mod r (R = 2^256) in four little-endian uint64 limbs; icicle reads
// eight little-endian uint32 limbs as the canonical value, the same bytes on
// a little-endian machine. The transforms are linear over the field, so
// feeding icicle the Montgomery forms x·R as if they were values gives
// NTT(x)·R, the Montgomery form of the result: the vector goes to icicle and
// back without conversion. Only the constants icicle multiplies by as
// values must be canonical: the domain's root of unity and the coset shift.
// A shift that is a power of the domain's root is read from icicle's
// twiddles; any other costs the CPU device a table of the domain's size
// per call.
//
// Domain. icicle keeps one NTT domain per device, set up by InitDomain from
// a root of unity of the largest order it will serve; its CPU backend keeps
// the first domain until ReleaseDomain. This backend initialises the domain
// with gnark-crypto's root of unity of order max(n, 2^icicleMinDomainLog)
// on first use and replaces it with a larger one when a larger transform
// comes (calls are serialised; see device). Because icicle's ωₙ is
// that root to the power (order/n), and gnark-crypto's roots are powers of
// one 2^28-th root, both backends use the same ωₙ for every n.

import (
	"fmt"
	goruntime "runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle"
	"github.com/cairn-node/cairn/accel/internal/icicle/binding"
)

// icicleMinDomainLog is the log2 of the smallest domain the backend
// initialises (2^16 elements: the CPU backend's tables for it take a few
// MB), so that a run of small transforms does not re-initialise it.
const icicleMinDomainLog = 16

// device serialises this backend's icicle calls and guards icicle's
// process-wide NTT domain. One call at a time: there is one device (and
// one default stream), and icicle v3.9.2's CPU MSM was measured to return
// wrong sums under concurrent calls, so its NTT is not trusted with them
// either.
var device struct {
	sync.Mutex
	log int // log2 of the initialised domain's size; 0: none yet
}

// icicleNTT implements NTT on icicle's selected device.
type icicleNTT struct{}

var _ NTT = icicleNTT{}

// newIcicle returns the icicle NTT backend, or an error wrapping
// accel.ErrUnavailable when no icicle device can be used.
func newIcicle() (NTT, error) {
	if err := icicle.Init(); err != nil {
		return nil, fmt.Errorf("ntt: %w", err)
	}
	return icicleNTT{}, nil
}

func (icicleNTT) Backend() accel.Backend { return accel.Icicle }

// canonical returns e's canonical value in icicle's limb layout.
func canonical(e fr.Element) binding.ScalarField {
	var f binding.ScalarField
	var limbs [binding.ScalarLimbs]uint32
	for i, w := range e.Bits() {
		limbs[2*i], limbs[2*i+1] = uint32(w), uint32(w>>32)
	}
	return f.FromLimbs(limbs[:])
}

// icicleOrdering maps an Order onto icicle's orderings.
var icicleOrdering = [...]binding.Ordering{NN: binding.OrderNN, NR: binding.OrderNR, RN: binding.OrderRN}

// Apply runs transform t of v in place on the device, after making sure
// the domain covers len(v).
func (icicleNTT) Apply(v []fr.Element, t Transform) error {
	if err := check(len(v), t); err != nil {
		return err
	}
	if len(v) <= 1 {
		return nil // every transform of one element is the identity
	}
	device.Lock()
	defer device.Unlock()
	if err := ensureDomain(log2(len(v))); err != nil {
		return err
	}
	cfg := binding.DefaultNTTConfig()
	cfg.Ordering = icicleOrdering[t.Order]
	if t.Coset {
		copy(cfg.CosetGen[:], canonical(t.shift()).GetLimbs())
	}
	dir := binding.Forward
	if t.Inverse {
		dir = binding.Inverse
	}
	s := binding.HostSlice(v)
	var code binding.Status
	icicle.Do(func() { code = binding.NTT(s, dir, &cfg, s) })
	goruntime.KeepAlive(v) // icicle's wrapper does not keep v alive during the call
	if err := icicle.Error(fmt.Sprintf("%s NTT of %d elements on %s", t, len(v), icicle.DeviceName()), code); err != nil {
		return fmt.Errorf("ntt: %w", err)
	}
	return nil
}

// ensureDomain makes icicle's domain serve transforms of 2^logN elements.
// The caller holds device.
func ensureDomain(logN int) error {
	if device.log >= logN {
		return nil
	}
	logN = max(logN, icicleMinDomainLog)
	root, err := RootOfUnity(1 << logN)
	if err != nil {
		return err
	}
	if device.log > 0 {
		var code binding.Status
		icicle.Do(func() { code = binding.ReleaseDomain() })
		if err := icicle.Error("release the NTT domain", code); err != nil {
			return fmt.Errorf("ntt: %w", err)
		}
		device.log = 0
	}
	var code binding.Status
	icicle.Do(func() { code = binding.InitDomain(canonical(root), binding.DefaultNTTInitDomainConfig()) })
	if err := icicle.Error(fmt.Sprintf("init an NTT domain of 2^%d on %s", logN, icicle.DeviceName()), code); err != nil {
		return fmt.Errorf("ntt: %w (the device may lack memory for the twiddle tables)", err)
	}
	device.log = logN
	return nil
}
