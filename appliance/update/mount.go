package update

// ESP discovery and mounting on the appliance.
const (
	// ESPType is the GPT type GUID of an EFI system partition.
	ESPType = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
	// ESPMountPoint is where MountESP mounts it, for as long as an
	// update or a commit needs it.
	ESPMountPoint = "/run/cairn/esp"
	// dataLabel is the GPT name of the data partition; with several
	// ESPs, the one on the data partition's disk is Cairn's.
	dataLabel = "cairn-data"
)
