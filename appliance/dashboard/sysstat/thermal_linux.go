package sysstat

import (
	"os"

	"github.com/prometheus/procfs/sysfs"
)

// thermalZones reads /sys/class/thermal. A machine without thermal zones
// is no error.
func (r *Reader) thermalZones(fail func(string, error)) []Temperature {
	fs, err := sysfs.NewFS(r.opts.SysRoot)
	if err != nil {
		fail("sysfs", err)
		return nil
	}
	zones, err := fs.ClassThermalZoneStats()
	if err != nil {
		if !os.IsNotExist(err) {
			fail("thermal zones", err)
		}
		return nil
	}
	var out []Temperature
	for _, z := range zones {
		if z.ReadErrors != nil && z.Temp == 0 {
			continue // a zone whose sensor is off reads EINVAL or ENODATA
		}
		name := z.Type
		if name == "" {
			name = z.Name
		}
		out = append(out, Temperature{Sensor: "thermal/" + name, Celsius: float64(z.Temp) / 1000})
	}
	return out
}
