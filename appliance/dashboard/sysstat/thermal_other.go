//go:build !linux

package sysstat

// thermalZones returns nothing: thermal zones are a Linux sysfs class.
func (r *Reader) thermalZones(func(string, error)) []Temperature { return nil }
