package ntt_test

import (
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/ntt"
)

// TestConformance runs the conformance suite on every backend; icicle skips
// (with the reason) in builds without -tags icicle.
func TestConformance(t *testing.T) {
	for _, b := range []accel.Backend{accel.Go, accel.Icicle} {
		t.Run(string(b), func(t *testing.T) { acceltest.RunNTT(t, b) })
	}
}

func TestNew(t *testing.T) {
	k, err := ntt.New(accel.Go)
	if err != nil || k.Backend() != accel.Go {
		t.Fatalf("New(go) = %v, %v, want the go backend", k, err)
	}
	if _, err := ntt.New(accel.SIMD); !errors.Is(err, accel.ErrUnavailable) {
		t.Errorf("New(simd) = %v, want %v", err, accel.ErrUnavailable)
	}
	for _, b := range []accel.Backend{"", "cuda", "GO"} {
		if _, err := ntt.New(b); !errors.Is(err, accel.ErrUnknownBackend) {
			t.Errorf("New(%q) = %v, want %v", b, err, accel.ErrUnknownBackend)
		}
	}
	k, err = ntt.New(accel.Icicle)
	switch {
	case err == nil:
		if k.Backend() != accel.Icicle {
			t.Errorf("New(icicle).Backend() = %s, want icicle", k.Backend())
		}
	case !errors.Is(err, accel.ErrUnavailable):
		t.Errorf("New(icicle) = %v, want nil or %v", err, accel.ErrUnavailable)
	}
	if got := ntt.Available(accel.Icicle); (got == nil) != (err == nil) {
		t.Errorf("Available(icicle) = %v, want it to agree with New(icicle) = %v", got, err)
	}
}

// TestRouting checks the registered thresholds: go at every size on a
// machine without a GPU, icicle never picked automatically there, explicit
// requests honoured or refused, and ForSize returning a working backend.
func TestRouting(t *testing.T) {
	regs := ntt.Registrations()
	if len(regs) != 2 || regs[0].Backend != accel.Go || regs[1].Backend != accel.Icicle {
		t.Fatalf("Registrations() = %+v, want go and icicle", regs)
	}
	for _, r := range regs {
		if r.Kernel != accel.KernelNTT || r.Unit != ntt.Unit {
			t.Errorf("registration %s: kernel %q unit %q, want %q %q", r.Backend, r.Kernel, r.Unit, accel.KernelNTT, ntt.Unit)
		}
	}
	noGPU := accel.NewRouter(accel.Caps{}, accel.Policy{})
	for _, n := range []int{0, 1, ntt.IcicleGPUMinSize, 1 << 24} {
		if b, err := noGPU.Pick(accel.KernelNTT, n); err != nil || b != accel.Go {
			t.Errorf("Pick(ntt, %d) without a GPU = %s, %v, want go", n, b, err)
		}
	}
	if got := regs[1].MinSize(accel.Caps{}); got != accel.Never {
		t.Errorf("icicle MinSize(no GPU) = %d, want Never", got)
	}
	forced := accel.NewRouter(accel.Caps{}, accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelNTT: accel.Icicle}})
	b, err := forced.Pick(accel.KernelNTT, 1)
	if want := ntt.Available(accel.Icicle); (err == nil) != (want == nil) || (err == nil && b != accel.Icicle) {
		t.Errorf("Pick(ntt) with CAIRN_ACCEL_NTT=icicle = %s, %v; icicle availability %v", b, err, want)
	}
	k, err := ntt.ForSize(1 << 16)
	if err != nil {
		t.Fatalf("ForSize(2^16) = %v", err)
	}
	if err := ntt.Available(k.Backend()); err != nil {
		t.Errorf("ForSize routed to %s, which is unavailable: %v", k.Backend(), err)
	}
}
