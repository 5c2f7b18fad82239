package sysstat_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/cairn-node/cairn/appliance/dashboard/sysstat"
)

// writeTree writes files (path relative to root -> content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// procStat returns a /proc/stat whose aggregate line has the given user
// and idle jiffies.
func procStat(user, idle int) string {
	return "cpu  " + strconv.Itoa(user) + " 0 0 " + strconv.Itoa(idle) + " 0 0 0 0 0 0\n" +
		"cpu0 " + strconv.Itoa(user) + " 0 0 " + strconv.Itoa(idle) + " 0 0 0 0 0 0\n" +
		"intr 0\nctxt 0\nbtime 1700000000\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n"
}

func TestReadFakeTree(t *testing.T) {
	root := t.TempDir()
	proc, sys := filepath.Join(root, "proc"), filepath.Join(root, "sys")
	writeTree(t, proc, map[string]string{
		"stat":    procStat(100, 300),
		"uptime":  "12345.67 400.00\n",
		"loadavg": "0.50 0.25 0.10 1/100 999\n",
		"meminfo": "MemTotal:        2048000 kB\nMemFree:          512000 kB\nMemAvailable:    1024000 kB\n",
	})
	writeTree(t, sys, map[string]string{
		"class/thermal/thermal_zone0/type":   "cpu-thermal\n",
		"class/thermal/thermal_zone0/temp":   "48312\n",
		"class/thermal/thermal_zone0/policy": "step_wise\n",
		"class/hwmon/hwmon0/name":            "nvme\n",
		"class/hwmon/hwmon0/temp1_input":     "39850\n",
		"class/hwmon/hwmon0/temp1_label":     "Composite\n",
		"class/hwmon/hwmon0/temp2_input":     "41000\n", // no label: named temp2
	})
	r := sysstat.New(sysstat.Options{ProcRoot: proc, SysRoot: sys, DataDir: root})
	s := r.Read()
	if s.UptimeS != 12345.67 {
		t.Errorf("UptimeS = %v, want 12345.67 (from /proc/uptime)", s.UptimeS)
	}
	if s.Load1 != 0.5 || s.Load5 != 0.25 || s.Load15 != 0.1 {
		t.Errorf("load = %v %v %v, want 0.5 0.25 0.1", s.Load1, s.Load5, s.Load15)
	}
	if s.MemTotalBytes != 2048000*1024 || s.MemAvailableBytes != 1024000*1024 {
		t.Errorf("memory = %d / %d, want %d / %d", s.MemAvailableBytes, s.MemTotalBytes, 1024000*1024, 2048000*1024)
	}
	if s.CPUPercent != 25 {
		t.Errorf("first CPUPercent = %v, want 25 (100 busy of 400 since boot)", s.CPUPercent)
	}
	// The second reading measures the delta: 300 busy of 400.
	writeTree(t, proc, map[string]string{"stat": procStat(400, 400)})
	if got := r.Read().CPUPercent; got != 75 {
		t.Errorf("second CPUPercent = %v, want 75", got)
	}
	want := []sysstat.Temperature{
		{Sensor: "hwmon/nvme/Composite", Celsius: 39.85},
		{Sensor: "hwmon/nvme/temp2", Celsius: 41},
	}
	if runtime.GOOS == "linux" {
		want = append(want, sysstat.Temperature{Sensor: "thermal/cpu-thermal", Celsius: 48.312})
	}
	if len(s.Temperatures) != len(want) {
		t.Fatalf("Temperatures = %+v, want %+v", s.Temperatures, want)
	}
	for i := range want {
		if s.Temperatures[i] != want[i] {
			t.Errorf("Temperatures[%d] = %+v, want %+v", i, s.Temperatures[i], want[i])
		}
	}
	if runtime.GOOS == "linux" && (s.Disk.TotalBytes == 0 || s.Disk.AvailBytes > s.Disk.TotalBytes || s.Disk.Path != root) {
		t.Errorf("Disk = %+v, want the temp dir's file system", s.Disk)
	}
	if len(s.Errors) != 0 {
		t.Errorf("Errors = %v, want none", s.Errors)
	}
}

func TestReadMissingParts(t *testing.T) {
	root := t.TempDir()
	s := sysstat.New(sysstat.Options{ProcRoot: filepath.Join(root, "noproc"), SysRoot: filepath.Join(root, "nosys"), DataDir: filepath.Join(root, "nodir")}).Read()
	if len(s.Errors) == 0 {
		t.Error("Read with no procfs reported no errors")
	}
	if s.Temperatures == nil || s.Errors == nil {
		t.Error("Temperatures or Errors is nil; the JSON must hold [] for the page")
	}
}

func TestReadThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("procfs is Linux only")
	}
	s := sysstat.New(sysstat.Options{DataDir: t.TempDir()}).Read()
	if s.UptimeS <= 0 || s.MemTotalBytes == 0 || s.MemAvailableBytes > s.MemTotalBytes || s.Disk.TotalBytes == 0 || s.CPUs < 1 {
		t.Errorf("Read() on this machine = %+v; want uptime, memory, CPUs and disk", s)
	}
}
