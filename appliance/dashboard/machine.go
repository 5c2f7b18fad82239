package dashboard

import (
	"context"
	"io"

	"github.com/cairn-node/cairn/appliance/update"
)

// UpdateNeedsImage is Actions.UpdateUnavailable on a host: A/B updates
// (appliance/update) need the boot slots of a Cairn image.
const UpdateNeedsImage = "updates from the dashboard need a Cairn image with A/B boot slots; on this host, update the cairn binary with its package manager or by hand"

// notAppliance is Actions.Unavailable on a host.
const notAppliance = "this node is not running as the Cairn appliance (PID 1 of a Cairn image); reboot the host with its own tools"

// MachineActions returns the reboot and power-off actions for this
// process: under the Cairn appliance (the node is the supervised child of
// a PID 1 running the same cairn binary) they signal PID 1, which stops
// the node, syncs and unmounts the data partition, then reboots (SIGTERM)
// or powers off (SIGUSR2), as package appliance documents; Update installs
// a signed bundle into the inactive boot slot (update.ApplyOnNode), to be
// tried on the next reboot. Anywhere else all three are nil and
// Unavailable and UpdateUnavailable say why.
func MachineActions() Actions {
	a := Actions{UpdateUnavailable: UpdateNeedsImage}
	if !underAppliance() {
		a.Unavailable = notAppliance
		return a
	}
	a.Reboot = func() error { return signalInit(sigReboot) }
	a.PowerOff = func() error { return signalInit(sigPowerOff) }
	a.Update = func(ctx context.Context, bundle io.Reader) error {
		_, err := update.ApplyOnNode(ctx, bundle, "")
		return err
	}
	a.UpdateUnavailable = ""
	return a
}
