package sigbatch_test

import (
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/sigbatch"
)

// TestConformance runs the conformance suite on every backend; simd and
// icicle skip (they are not implemented; see the package documentation).
func TestConformance(t *testing.T) {
	for _, b := range accel.Backends {
		t.Run(string(b), func(t *testing.T) { acceltest.RunSigBatch(t, b) })
	}
}

func TestNew(t *testing.T) {
	v, err := sigbatch.New(accel.Go)
	if err != nil || v.Backend() != accel.Go {
		t.Fatalf("New(go) = %v, %v, want the go backend", v, err)
	}
	for _, b := range []accel.Backend{accel.SIMD, accel.Icicle} {
		if err := sigbatch.Available(b); !errors.Is(err, accel.ErrUnavailable) {
			t.Errorf("Available(%s) = %v, want %v", b, err, accel.ErrUnavailable)
		}
	}
	for _, b := range []accel.Backend{"", "cuda", "GO"} {
		if _, err := sigbatch.New(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("New(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
	}
}

// TestRouting checks the registration (go alone, from size 0), that
// forcing simd or icicle process-wide keeps this kernel on go, and that
// naming them for this kernel alone is refused.
func TestRouting(t *testing.T) {
	regs := sigbatch.Registrations()
	if len(regs) != 1 || regs[0].Backend != accel.Go || regs[0].Kernel != accel.KernelSigBatch || regs[0].Unit != sigbatch.Unit {
		t.Fatalf("Registrations() = %+v, want one go entry for %s in %s", regs, accel.KernelSigBatch, sigbatch.Unit)
	}
	for _, force := range []accel.Backend{"", accel.Go, accel.SIMD, accel.Icicle} {
		r := accel.NewRouter(accel.Caps{}, accel.Policy{Force: force})
		for _, n := range []int{0, 1, 1024} {
			if b, err := r.Pick(accel.KernelSigBatch, n); err != nil || b != accel.Go {
				t.Errorf("Pick(%s, %d) with CAIRN_ACCEL=%q = %s, %v, want go", accel.KernelSigBatch, n, force, b, err)
			}
		}
	}
	for _, b := range []accel.Backend{accel.SIMD, accel.Icicle} {
		r := accel.NewRouter(accel.Caps{}, accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelSigBatch: b}})
		if got, err := r.Pick(accel.KernelSigBatch, 1); !errors.Is(err, accel.ErrUnavailable) {
			t.Errorf("Pick with the kernel forced to %s = %s, %v, want %v", b, got, err, accel.ErrUnavailable)
		}
	}
	v, err := sigbatch.ForSize(64)
	if err != nil || v.Backend() != accel.Go {
		t.Errorf("ForSize(64) = %v, %v, want the go backend", v, err)
	}
}

func TestParseScheme(t *testing.T) {
	for _, s := range sigbatch.Schemes {
		if got, err := sigbatch.ParseScheme(string(s)); got != s || err != nil {
			t.Errorf("ParseScheme(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "Ed25519", "bls12381", "ecdsa"} {
		if _, err := sigbatch.ParseScheme(s); !errors.Is(err, sigbatch.ErrMalformed) {
			t.Errorf("ParseScheme(%q) = %v, want %v", s, err, sigbatch.ErrMalformed)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	if _, err := sigbatch.Generate("rsa", 1, sigbatch.GenerateOptions{}); !errors.Is(err, sigbatch.ErrMalformed) {
		t.Errorf("Generate(rsa) = %v, want %v", err, sigbatch.ErrMalformed)
	}
	if _, err := sigbatch.Generate(sigbatch.Ed25519, 2, sigbatch.GenerateOptions{Bad: []int{2}}); err == nil {
		t.Error("Generate(n=2, bad=[2]) = nil error, want an index error")
	}
}
