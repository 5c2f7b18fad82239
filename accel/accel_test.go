package accel

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
)

func TestParseBackend(t *testing.T) {
	for in, want := range map[string]Backend{"go": Go, "SIMD": SIMD, " icicle ": Icicle} {
		if got, err := ParseBackend(in); got != want || err != nil {
			t.Errorf("ParseBackend(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseBackend("cuda"); !errors.Is(err, ErrUnknownBackend) {
		t.Errorf("ParseBackend(cuda) = %v, want ErrUnknownBackend", err)
	}
}

func TestProbeFixture(t *testing.T) {
	c := probe("testdata/probe/proc", "testdata/probe")
	if runtime.GOOS == "linux" && c.MemTotalBytes != 8039480*1024 {
		t.Errorf("MemTotalBytes = %d, want %d", c.MemTotalBytes, 8039480*1024)
	}
	if len(c.GPUs) != 1 || c.GPUs[0].Model != "NVIDIA H100 80GB HBM3" {
		t.Errorf("GPUs = %+v, want one NVIDIA H100 80GB HBM3", c.GPUs)
	}
	if c.LogicalCores != runtime.NumCPU() || c.Arch != runtime.GOARCH {
		t.Errorf("cores/arch = %d/%s, want %d/%s", c.LogicalCores, c.Arch, runtime.NumCPU(), runtime.GOARCH)
	}
}

func TestProbeThisMachine(t *testing.T) {
	c := Probe()
	if c.LogicalCores < 1 {
		t.Errorf("Probe().LogicalCores = %d", c.LogicalCores)
	}
	if runtime.GOOS == "linux" && c.MemTotalBytes == 0 {
		t.Errorf("Probe().MemTotalBytes = 0 on Linux")
	}
	if Probe().CPUModel != c.CPUModel {
		t.Error("Probe() is not stable across calls")
	}
}

func TestPolicyFromEnv(t *testing.T) {
	env := map[string]string{"CAIRN_ACCEL": "simd", "CAIRN_ACCEL_ERASURE": "go", "CAIRN_ACCEL_MERKLE": "auto"}
	p, err := PolicyFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if p.Force != SIMD || p.Kernels[KernelErasure] != Go || len(p.Kernels) != 1 {
		t.Errorf("PolicyFromEnv = %+v, want force simd, erasure go", p)
	}
	env["CAIRN_ACCEL_SHA256"] = "gpu"
	if _, err := PolicyFromEnv(func(k string) string { return env[k] }); !errors.Is(err, ErrUnknownBackend) {
		t.Errorf("PolicyFromEnv(CAIRN_ACCEL_SHA256=gpu) = %v, want ErrUnknownBackend", err)
	}
	merged := Policy{Force: Go, Kernels: map[Kernel]Backend{KernelSHA256: Go}}.Merge(Policy{Kernels: map[Kernel]Backend{KernelSHA256: SIMD}})
	if merged.Force != Go || merged.Kernels[KernelSHA256] != SIMD {
		t.Errorf("Merge = %+v", merged)
	}
}

// registerTest registers a made-up kernel; the kernel name is unique per
// test so tests don't see each other's registrations.
func registerTest(k Kernel, b Backend, min int, avail error) {
	Register(Registration{
		Kernel: k, Backend: b, Unit: "items",
		Available: func() error { return avail },
		MinSize:   func(c Caps) int { return min },
	})
}

func TestPickRoutesBySize(t *testing.T) {
	k := Kernel("test-size")
	Kernels = append(Kernels, k)
	defer func() { Kernels = Kernels[:len(Kernels)-1] }()
	registerTest(k, Go, 0, nil)
	registerTest(k, SIMD, 64, nil)
	registerTest(k, Icicle, 1<<20, nil)
	r := NewRouter(Caps{}, Policy{})
	for size, want := range map[int]Backend{0: Go, 63: Go, 64: SIMD, 1<<20 - 1: SIMD, 1 << 20: Icicle} {
		if got, err := r.Pick(k, size); got != want || err != nil {
			t.Errorf("Pick(%d) = %s, %v, want %s", size, got, err, want)
		}
	}
	if rows := r.Table(); len(rows) < 3 {
		t.Errorf("Table() has %d rows, want the 3 test rows at least", len(rows))
	}
}

func TestPickSkipsUnavailableAndNever(t *testing.T) {
	k := Kernel("test-unavail")
	unavailable := fmt.Errorf("no device: %w", ErrUnavailable)
	registerTest(k, Go, 0, nil)
	registerTest(k, SIMD, Never, nil)
	registerTest(k, Icicle, 0, unavailable)
	r := NewRouter(Caps{}, Policy{})
	if got, err := r.Pick(k, 1<<30); got != Go || err != nil {
		t.Errorf("Pick = %s, %v, want go (simd is Never, icicle unavailable)", got, err)
	}
	// An explicit request for an unavailable backend is an error, not a downgrade.
	r = NewRouter(Caps{}, Policy{Kernels: map[Kernel]Backend{k: Icicle}})
	if _, err := r.Pick(k, 1); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Pick(forced icicle) = %v, want ErrUnavailable", err)
	}
	r = NewRouter(Caps{}, Policy{Force: SIMD})
	if got, err := r.Pick(k, 1); got != SIMD || err != nil {
		t.Errorf("Pick(force simd) = %s, %v, want simd (Never only stops automatic picks)", got, err)
	}
}

func TestForceSkipsKernelsWithoutThatBackend(t *testing.T) {
	k := Kernel("test-force")
	registerTest(k, Go, 0, nil)
	registerTest(k, SIMD, 0, nil)
	r := NewRouter(Caps{}, Policy{Force: Icicle})
	if got, err := r.Pick(k, 1); got != SIMD || err != nil {
		t.Errorf("Pick(force icicle, kernel without icicle) = %s, %v, want simd by automatic routing", got, err)
	}
	r = NewRouter(Caps{}, Policy{Kernels: map[Kernel]Backend{k: Icicle}})
	if _, err := r.Pick(k, 1); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Pick(kernel forced to icicle it lacks) = %v, want ErrUnavailable", err)
	}
	if _, err := r.Pick(Kernel("test-none"), 1); err == nil {
		t.Error("Pick(unregistered kernel) = nil error")
	}
}
