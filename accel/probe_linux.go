package accel

import "github.com/prometheus/procfs"

// probeProc fills memory and, where cpuid has no brand string (most arm64
// cores), the CPU model from procRoot (/proc).
func probeProc(c *Caps, procRoot string) {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return
	}
	if mi, err := fs.Meminfo(); err == nil && mi.MemTotalBytes != nil {
		c.MemTotalBytes = *mi.MemTotalBytes
	}
	if c.CPUModel == "" {
		if ci, err := fs.CPUInfo(); err == nil && len(ci) > 0 {
			c.CPUModel = ci[0].ModelName
		}
	}
}
