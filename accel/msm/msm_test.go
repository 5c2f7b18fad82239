package msm_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/msm"
)

// TestConformance runs the conformance suite on every backend; icicle skips
// (with the reason) in builds without -tags icicle.
func TestConformance(t *testing.T) {
	for _, b := range []accel.Backend{accel.Go, accel.SIMD, accel.Icicle} {
		t.Run(string(b), func(t *testing.T) { acceltest.RunMSM(t, b) })
	}
}

func TestNew(t *testing.T) {
	m, err := msm.New(accel.Go)
	if err != nil || m.Backend() != accel.Go {
		t.Fatalf("New(go) = %v, %v, want the go backend", m, err)
	}
	if err := msm.Available(accel.Go); err != nil {
		t.Errorf("Available(go) = %v, want nil", err)
	}
	if m, err := msm.New(accel.SIMD); err == nil {
		if m.Backend() != accel.SIMD {
			t.Errorf("New(simd).Backend() = %s", m.Backend())
		}
	} else if !errors.Is(err, accel.ErrUnavailable) {
		t.Errorf("New(simd) = %v, want nil or %v", err, accel.ErrUnavailable)
	}
	for _, b := range []accel.Backend{"", "cuda", "GO"} {
		if _, err := msm.New(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("New(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
		if err := msm.Available(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("Available(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
	}
	m, err = msm.New(accel.Icicle)
	switch {
	case err == nil:
		if m.Backend() != accel.Icicle {
			t.Errorf("New(icicle).Backend() = %s, want icicle", m.Backend())
		}
	case !errors.Is(err, accel.ErrUnavailable):
		t.Errorf("New(icicle) = %v, want nil or %v", err, accel.ErrUnavailable)
	}
	if got := msm.Available(accel.Icicle); (got == nil) != (err == nil) {
		t.Errorf("Available(icicle) = %v, want it to agree with New(icicle) = %v", got, err)
	}
}

// TestRouting checks the registered thresholds: go below SIMDMinPoints on
// a machine without a GPU, simd from there where it is available, icicle
// never picked automatically there, and explicit requests honoured or
// refused.
func TestRouting(t *testing.T) {
	regs := msm.Registrations()
	simdOK := msm.Available(accel.SIMD) == nil
	want := []accel.Backend{accel.Go, accel.Icicle}
	if simdOK {
		want = []accel.Backend{accel.Go, accel.SIMD, accel.Icicle}
	}
	var got []accel.Backend
	for _, r := range regs {
		got = append(got, r.Backend)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Registrations() = %v, want %v", got, want)
	}
	for _, r := range regs {
		if r.Kernel != accel.KernelMSM || r.Unit != msm.Unit {
			t.Errorf("registration %s: kernel %q unit %q, want %q %q", r.Backend, r.Kernel, r.Unit, accel.KernelMSM, msm.Unit)
		}
	}
	noGPU := accel.NewRouter(accel.Caps{}, accel.Policy{})
	for _, n := range []int{0, 1, msm.IcicleGPUMinPoints, msm.SIMDMinPoints - 1, msm.SIMDMinPoints, 1 << 24} {
		want := accel.Go
		if simdOK && n >= msm.SIMDMinPoints {
			want = accel.SIMD
		}
		if b, err := noGPU.Pick(accel.KernelMSM, n); err != nil || b != want {
			t.Errorf("Pick(msm, %d) without a GPU = %s, %v, want %s", n, b, err, want)
		}
	}
	if got := regs[len(regs)-1].MinSize(accel.Caps{}); got != accel.Never {
		t.Errorf("icicle MinSize(no GPU) = %d, want Never", got)
	}
	// CAIRN_ACCEL=simd forces the simd MSM where it runs; elsewhere MSMs
	// stay on automatic routing (go).
	simd := accel.NewRouter(accel.Caps{}, accel.Policy{Force: accel.SIMD})
	wantForced := accel.Go
	if simdOK {
		wantForced = accel.SIMD
	}
	if b, err := simd.Pick(accel.KernelMSM, 1); err != nil || b != wantForced {
		t.Errorf("Pick(msm) with CAIRN_ACCEL=simd = %s, %v, want %s", b, err, wantForced)
	}
	forced := accel.NewRouter(accel.Caps{}, accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelMSM: accel.Icicle}})
	b, err := forced.Pick(accel.KernelMSM, 1)
	if want := msm.Available(accel.Icicle); (err == nil) != (want == nil) || (err == nil && b != accel.Icicle) {
		t.Errorf("Pick(msm) with CAIRN_ACCEL_MSM=icicle = %s, %v; icicle availability %v", b, err, want)
	}
	if err != nil && !errors.Is(err, accel.ErrUnavailable) {
		t.Errorf("Pick(msm) with CAIRN_ACCEL_MSM=icicle = %v, want %v", err, accel.ErrUnavailable)
	}
}

// TestDefault checks that Default and ForSize return a working backend.
// Without CAIRN_ACCEL* set and without a GPU that is go.
func TestDefault(t *testing.T) {
	for _, get := range []func() (msm.MSM, error){msm.Default, func() (msm.MSM, error) { return msm.ForSize(1 << 20) }} {
		m, err := get()
		if err != nil {
			t.Fatalf("Default/ForSize = %v", err)
		}
		if err := msm.Available(m.Backend()); err != nil {
			t.Errorf("routed to %s, which is unavailable: %v", m.Backend(), err)
		}
		if got, err := m.G1(nil, nil); err != nil || !got.IsInfinity() {
			t.Errorf("%s: G1(empty) = %v, %v", m.Backend(), got, err)
		}
	}
}
