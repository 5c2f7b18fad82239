//go:build !linux

package dashboard

import "errors"

// Signal numbers are unused off Linux; the actions are never offered.
const (
	sigReboot   = 0
	sigPowerOff = 0
)

// underAppliance is false: the appliance runs on Linux only.
func underAppliance() bool { return false }

func signalInit(int) error { return errors.New("dashboard: the appliance runs on Linux only") }
