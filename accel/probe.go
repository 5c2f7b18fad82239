package accel

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// Caps is what the capability probe found on this machine. It is a plain
// value: tests build their own to exercise routing.
type Caps struct {
	// Arch is runtime.GOARCH.
	Arch string `json:"arch"`
	// CPUModel is the brand string, e.g. "Intel(R) Xeon(R) Processor".
	CPUModel string `json:"cpu_model"`
	// CPUVendor is the vendor, e.g. "Intel", "AMD", "ARM".
	CPUVendor string `json:"cpu_vendor"`
	// Features lists the CPU features that matter to the kernels (a subset
	// of cpuid's names: AVX2, AVX512F, GFNI, SHA, ADX, ASIMD, SHA2, ...).
	Features []string `json:"features"`
	// LogicalCores is the number of CPUs this process may run on.
	LogicalCores int `json:"logical_cores"`
	// PhysicalCores is cpuid's count, 0 when unknown.
	PhysicalCores int `json:"physical_cores"`
	// MemTotalBytes is /proc/meminfo MemTotal, 0 when unknown.
	MemTotalBytes uint64 `json:"mem_total_bytes"`
	// GPUs lists the GPUs the kernel driver exposes (NVIDIA only for now).
	GPUs []GPU `json:"gpus"`
}

// GPU is one accelerator found by the probe.
type GPU struct {
	// Vendor is "nvidia".
	Vendor string `json:"vendor"`
	// Model is the driver's model string, when it reports one.
	Model string `json:"model"`
}

// Has reports whether the probe found the named CPU feature (cpuid spelling).
func (c Caps) Has(feature string) bool {
	for _, f := range c.Features {
		if f == feature {
			return true
		}
	}
	return false
}

// relevantFeatures are the cpuid flags the kernels dispatch on.
var relevantFeatures = []cpuid.FeatureID{
	cpuid.SSE2, cpuid.SSSE3, cpuid.AVX, cpuid.AVX2, cpuid.AVX512F, cpuid.AVX512BW,
	cpuid.AVX512VL, cpuid.AVX512IFMA, cpuid.GFNI, cpuid.AVXIFMA, cpuid.SHA, cpuid.ADX,
	cpuid.BMI2, cpuid.ASIMD, cpuid.SHA2, cpuid.SVE, cpuid.PMULL,
}

var (
	probeOnce sync.Once
	probed    Caps
)

// Probe returns the capabilities of this machine. The first call reads
// cpuid, /proc and /sys; later calls return the same value. It never fails:
// what cannot be read is left at its zero value. Safe for concurrent use.
func Probe() Caps {
	probeOnce.Do(func() { probed = probe("/proc", "/") })
	return probed
}

// probe reads the machine; procRoot and sysRoot are parameters so tests can
// point them at fixture trees.
func probe(procRoot, root string) Caps {
	c := Caps{
		Arch:          runtime.GOARCH,
		CPUModel:      strings.TrimSpace(cpuid.CPU.BrandName),
		CPUVendor:     cpuid.CPU.VendorID.String(),
		LogicalCores:  runtime.NumCPU(),
		PhysicalCores: cpuid.CPU.PhysicalCores,
	}
	for _, f := range relevantFeatures {
		if cpuid.CPU.Supports(f) {
			c.Features = append(c.Features, f.String())
		}
	}
	probeProc(&c, procRoot)
	c.GPUs = probeGPUs(root)
	return c
}

// probeGPUs lists NVIDIA GPUs from the driver's proc files. A machine
// without the driver has none, whatever is on its PCI bus: without the
// driver no backend could use it.
func probeGPUs(root string) []GPU {
	dirs, _ := filepath.Glob(filepath.Join(root, "proc/driver/nvidia/gpus/*/information"))
	sort.Strings(dirs)
	var gpus []GPU
	for _, info := range dirs {
		g := GPU{Vendor: "nvidia"}
		if b, err := os.ReadFile(info); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "Model" {
					g.Model = strings.TrimSpace(v)
				}
			}
		}
		gpus = append(gpus, g)
	}
	return gpus
}
