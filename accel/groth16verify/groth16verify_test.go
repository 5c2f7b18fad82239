package groth16verify_test

import (
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/groth16verify"
)

// TestConformance runs the conformance suite on every backend; simd and
// icicle skip (they are not implemented; see the package documentation).
func TestConformance(t *testing.T) {
	for _, b := range accel.Backends {
		t.Run(string(b), func(t *testing.T) { acceltest.RunGroth16Verify(t, b) })
	}
}

func TestNew(t *testing.T) {
	v, err := groth16verify.New(accel.Go)
	if err != nil || v.Backend() != accel.Go {
		t.Fatalf("New(go) = %v, %v, want the go backend", v, err)
	}
	if err := groth16verify.Available(accel.Go); err != nil {
		t.Errorf("Available(go) = %v, want nil", err)
	}
	for _, b := range []accel.Backend{accel.SIMD, accel.Icicle} {
		if _, err := groth16verify.New(b); !errors.Is(err, accel.ErrUnavailable) {
			t.Errorf("New(%s) = %v, want %v", b, err, accel.ErrUnavailable)
		}
	}
	for _, b := range []accel.Backend{"", "cuda", "GO"} {
		if _, err := groth16verify.New(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("New(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
		if err := groth16verify.Available(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("Available(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
	}
}

// TestRouting checks the registration (go alone, from size 0), that
// forcing simd or icicle process-wide keeps this kernel on go, and that
// naming them for this kernel alone is refused.
func TestRouting(t *testing.T) {
	regs := groth16verify.Registrations()
	if len(regs) != 1 || regs[0].Backend != accel.Go || regs[0].Kernel != accel.KernelGroth16Verify || regs[0].Unit != groth16verify.Unit {
		t.Fatalf("Registrations() = %+v, want one go entry for %s in %s", regs, accel.KernelGroth16Verify, groth16verify.Unit)
	}
	if got := regs[0].MinSize(accel.Caps{}); got != 0 {
		t.Errorf("go MinSize = %d, want 0", got)
	}
	for _, force := range []accel.Backend{"", accel.Go, accel.SIMD, accel.Icicle} {
		r := accel.NewRouter(accel.Caps{}, accel.Policy{Force: force})
		for _, n := range []int{0, 1, 64, 1 << 20} {
			if b, err := r.Pick(accel.KernelGroth16Verify, n); err != nil || b != accel.Go {
				t.Errorf("Pick(%s, %d) with CAIRN_ACCEL=%q = %s, %v, want go", accel.KernelGroth16Verify, n, force, b, err)
			}
		}
	}
	for _, b := range []accel.Backend{accel.SIMD, accel.Icicle} {
		r := accel.NewRouter(accel.Caps{}, accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelGroth16Verify: b}})
		if got, err := r.Pick(accel.KernelGroth16Verify, 1); !errors.Is(err, accel.ErrUnavailable) {
			t.Errorf("Pick with the kernel forced to %s = %s, %v, want %v", b, got, err, accel.ErrUnavailable)
		}
	}
}

// TestForSize checks that ForSize returns a working backend; without
// CAIRN_ACCEL* set that is go.
func TestForSize(t *testing.T) {
	for _, n := range []int{0, 1, 256} {
		v, err := groth16verify.ForSize(n)
		if err != nil {
			t.Fatalf("ForSize(%d) = %v", n, err)
		}
		if err := groth16verify.Available(v.Backend()); err != nil {
			t.Errorf("ForSize(%d) routed to %s, which is unavailable: %v", n, v.Backend(), err)
		}
	}
}
