// Package sysstat reads what a dashboard shows about the machine: uptime,
// load and CPU use, memory, temperatures and the disk holding the data
// directory, from procfs and sysfs.
//
// # Usage
//
//	r := sysstat.New(sysstat.Options{DataDir: "/data/cairn"})
//	s := r.Read() // never fails; s.Errors lists the parts it could not read
//
// CPU use is measured between two calls of Read on the same Reader (the
// first call reports the average since boot), so keep one Reader and poll
// it.
package sysstat

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/procfs"
)

// Defaults of Options.
const (
	DefaultProcRoot = "/proc"
	DefaultSysRoot  = "/sys"
)

// Options configure New. The zero value reads the running system and the
// disk of the current directory.
type Options struct {
	// ProcRoot is where procfs is mounted. Default: DefaultProcRoot.
	ProcRoot string
	// SysRoot is where sysfs is mounted. Default: DefaultSysRoot.
	SysRoot string
	// DataDir is the directory whose file system Disk describes.
	// Default: ".".
	DataDir string
}

// Stats is one reading. Fields that could not be read are zero, and
// Errors says why.
type Stats struct {
	// Hostname is the kernel's host name.
	Hostname string `json:"hostname"`
	// UptimeS is the time since boot, in seconds.
	UptimeS float64 `json:"uptime_s"`
	// Load1, Load5 and Load15 are the load averages.
	Load1  float64 `json:"load1"`
	Load5  float64 `json:"load5"`
	Load15 float64 `json:"load15"`
	// CPUs is the number of CPUs this process may use.
	CPUs int `json:"cpus"`
	// CPUPercent is the share of CPU time not idle since the previous
	// Read (since boot on the first), 0 to 100 over all CPUs.
	CPUPercent float64 `json:"cpu_percent"`
	// MemTotalBytes and MemAvailableBytes are from /proc/meminfo.
	MemTotalBytes     uint64 `json:"mem_total_bytes"`
	MemAvailableBytes uint64 `json:"mem_available_bytes"`
	// Temperatures lists thermal zones and hwmon sensors, sorted by
	// sensor name. Never null; empty where the machine exposes none
	// (most virtual machines).
	Temperatures []Temperature `json:"temperatures"`
	// Disk is the file system of the data directory.
	Disk Disk `json:"disk"`
	// Errors lists what could not be read. Never null.
	Errors []string `json:"errors"`
}

// Temperature is one sensor.
type Temperature struct {
	// Sensor names it: "thermal/<type>" or "hwmon/<chip>/<label>".
	Sensor string `json:"sensor"`
	// Celsius is the reading.
	Celsius float64 `json:"celsius"`
}

// Disk is the use of one file system.
type Disk struct {
	// Path is the directory measured.
	Path string `json:"path"`
	// TotalBytes is its size; FreeBytes what is free; AvailBytes what
	// is free to unprivileged users.
	TotalBytes uint64 `json:"total_bytes"`
	FreeBytes  uint64 `json:"free_bytes"`
	AvailBytes uint64 `json:"avail_bytes"`
}

// Reader reads Stats. Its methods are safe for concurrent use.
type Reader struct {
	opts Options
	mu   struct {
		sync.Mutex
		prev    procfs.CPUStat // the CPU totals of the previous Read
		hasPrev bool
	}
}

// New returns a Reader for opts.
func New(opts Options) *Reader {
	if opts.ProcRoot == "" {
		opts.ProcRoot = DefaultProcRoot
	}
	if opts.SysRoot == "" {
		opts.SysRoot = DefaultSysRoot
	}
	if opts.DataDir == "" {
		opts.DataDir = "."
	}
	return &Reader{opts: opts}
}

// Read takes a reading. It never fails as a whole: each part that cannot
// be read is left zero and reported in Stats.Errors.
func (r *Reader) Read() Stats {
	s := Stats{CPUs: runtime.NumCPU(), Temperatures: []Temperature{}, Errors: []string{}}
	fail := func(what string, err error) { s.Errors = append(s.Errors, fmt.Sprintf("%s: %v", what, err)) }
	s.Hostname, _ = os.Hostname()
	fs, err := procfs.NewFS(r.opts.ProcRoot)
	if err != nil {
		fail("procfs", err)
	} else {
		r.readProc(fs, &s, fail)
	}
	s.Temperatures = append(s.Temperatures, r.thermalZones(fail)...)
	s.Temperatures = append(s.Temperatures, r.hwmon()...)
	sort.Slice(s.Temperatures, func(i, j int) bool { return s.Temperatures[i].Sensor < s.Temperatures[j].Sensor })
	s.Disk.Path = r.opts.DataDir
	if err := statfs(r.opts.DataDir, &s.Disk); err != nil {
		fail("disk", err)
	}
	return s
}

// readProc fills uptime, load, CPU and memory.
func (r *Reader) readProc(fs procfs.FS, s *Stats, fail func(string, error)) {
	if st, err := fs.Stat(); err != nil {
		fail("stat", err)
	} else {
		s.UptimeS = time.Since(time.Unix(int64(st.BootTime), 0)).Seconds()
		s.CPUPercent = r.cpuPercent(st.CPUTotal)
	}
	if up, err := readUptime(filepath.Join(r.opts.ProcRoot, "uptime")); err == nil {
		s.UptimeS = up // more precise than boot time, and right in a time namespace
	}
	if la, err := fs.LoadAvg(); err != nil {
		fail("loadavg", err)
	} else {
		s.Load1, s.Load5, s.Load15 = la.Load1, la.Load5, la.Load15
	}
	if mi, err := fs.Meminfo(); err != nil {
		fail("meminfo", err)
	} else {
		if mi.MemTotalBytes != nil {
			s.MemTotalBytes = *mi.MemTotalBytes
		}
		if mi.MemAvailableBytes != nil {
			s.MemAvailableBytes = *mi.MemAvailableBytes
		}
	}
}

// cpuPercent returns the busy share between cur and the previous totals
// and keeps cur for the next call.
func (r *Reader) cpuPercent(cur procfs.CPUStat) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.mu.prev
	if !r.mu.hasPrev {
		prev = procfs.CPUStat{}
	}
	r.mu.prev, r.mu.hasPrev = cur, true
	idle := (cur.Idle + cur.Iowait) - (prev.Idle + prev.Iowait)
	total := cpuTotal(cur) - cpuTotal(prev)
	if total <= 0 {
		return 0
	}
	return max(0, min(100, 100*(1-idle/total)))
}

// cpuTotal adds the CPU times; guest time is already in user time.
func cpuTotal(c procfs.CPUStat) float64 {
	return c.User + c.Nice + c.System + c.Idle + c.Iowait + c.IRQ + c.SoftIRQ + c.Steal
}

// readUptime parses the first field of /proc/uptime.
func readUptime(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s: empty", path)
	}
	return strconv.ParseFloat(f[0], 64)
}

// hwmon reads the temp*_input files of /sys/class/hwmon/*. Sensors that
// fail to read are skipped: many chips list inputs they do not wire.
func (r *Reader) hwmon() []Temperature {
	inputs, _ := filepath.Glob(filepath.Join(r.opts.SysRoot, "class", "hwmon", "hwmon*", "temp*_input"))
	var out []Temperature
	for _, in := range inputs {
		milli, err := readInt(in)
		if err != nil {
			continue
		}
		dir := filepath.Dir(in)
		chip := readLine(filepath.Join(dir, "name"), filepath.Base(dir))
		id := strings.TrimSuffix(filepath.Base(in), "_input")
		label := readLine(filepath.Join(dir, id+"_label"), id)
		out = append(out, Temperature{Sensor: "hwmon/" + chip + "/" + label, Celsius: float64(milli) / 1000})
	}
	return out
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// readLine returns the trimmed content of path, or def when it cannot be
// read or is empty.
func readLine(path, def string) string {
	b, err := os.ReadFile(path)
	if s := strings.TrimSpace(string(b)); err == nil && s != "" {
		return s
	}
	return def
}
