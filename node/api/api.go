// Package api declares the HTTP API of a Cairn node: its paths and the JSON
// documents it serves. It holds types only; the node package serves them
// and clients (the cairn command, tests) decode them.
//
// # Endpoints
//
//   - GET [HealthzPath] returns [Health] with status 200 while the node runs.
//   - GET the configured metrics path (default /metrics) returns Prometheus
//     metrics in the text exposition format.
//   - GET [AccelPath] returns [AccelInfo], the same document as
//     `cairn accel info --json`.
package api

import "github.com/cairn-node/cairn/accel"

// Paths served by every node.
const (
	// HealthzPath serves Health.
	HealthzPath = "/healthz"
	// Prefix starts every versioned API path.
	Prefix = "/api/cairn/v1"
	// AccelPath serves AccelInfo.
	AccelPath = Prefix + "/accel"
)

// StatusOK is the Health.Status of a running node.
const StatusOK = "ok"

// Health is the body of GET /healthz.
type Health struct {
	// Status is StatusOK.
	Status string `json:"status"`
	// UptimeS is the time since the node started, in seconds.
	UptimeS float64 `json:"uptime_s"`
	// Version is the node's build version (see package buildinfo).
	Version string `json:"version"`
}

// AccelInfo is what the kernel router sees and decides: the machine probe,
// the configured policy and one row per registered kernel backend.
type AccelInfo struct {
	Caps   accel.Caps   `json:"caps"`
	Policy accel.Policy `json:"policy"`
	// Routes, Caps.Features and Caps.GPUs are never null: a build
	// without kernel packages has "routes": [].
	Routes []accel.Route `json:"routes"`
}

// NewAccelInfo returns the AccelInfo of a router. It reads the kernel
// registry, so it reflects every kernel package linked into the binary.
func NewAccelInfo(r *accel.Router) AccelInfo {
	info := AccelInfo{Caps: r.Caps(), Policy: r.Policy(), Routes: r.Table()}
	// Empty lists are [] rather than null, for clients that index them.
	if info.Routes == nil {
		info.Routes = []accel.Route{}
	}
	if info.Caps.Features == nil {
		info.Caps.Features = []string{}
	}
	if info.Caps.GPUs == nil {
		info.Caps.GPUs = []accel.GPU{}
	}
	return info
}
