package icicle

import "fmt"

// DeviceID names an icicle device: its backend type ("CPU", "CUDA") and index.
type DeviceID struct {
	Type string
	ID   int
}

// String returns "TYPE:ID", for example "CUDA:0".
func (d DeviceID) String() string {
	if d.Type == "" {
		return "none"
	}
	return fmt.Sprintf("%s:%d", d.Type, d.ID)
}

// DeviceEnv is the environment variable that forces a device type
// ("CPU" or "CUDA"); unset means CUDA when available, else CPU.
const DeviceEnv = "CAIRN_ICICLE_DEVICE"

// BackendDirEnv is icicle's own variable for the directory it loads device
// backends (the CUDA backend) from.
const BackendDirEnv = "ICICLE_BACKEND_INSTALL_DIR"
